// Device rules: reduction to the kernel's model, v1 writes, and the v2 eBPF program —
// run here in a small interpreter against the rules, checked by the kernel's verifier,
// and (as root, where a cgroup2 hierarchy is mounted) attached to a real cgroup.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgroup/devices.hpp"

namespace brig::cgroup {
namespace {

// Runs the subset of eBPF that device_program() emits.
int run_program(const std::vector<bpf_insn>& prog, char type, uint32_t major, uint32_t minor, uint8_t access) {
    uint32_t ctx[3] = {(static_cast<uint32_t>(access) << 16) |
                           static_cast<uint32_t>(type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK),
                       major, minor};
    uint64_t r[11] = {};
    size_t pc = 0;
    for (int steps = 0; steps < 100000; ++steps) {
        EXPECT_LT(pc, prog.size()) << "jumped out of the program";
        if (pc >= prog.size()) return -1;
        const bpf_insn& i = prog[pc++];
        switch (i.code) {
            case BPF_LDX | BPF_W | BPF_MEM:
                EXPECT_EQ(i.src_reg, 1);
                r[i.dst_reg] = ctx[i.off / 4];
                break;
            case BPF_ALU64 | BPF_AND | BPF_K: r[i.dst_reg] &= static_cast<uint64_t>(static_cast<int64_t>(i.imm)); break;
            case BPF_ALU64 | BPF_RSH | BPF_K: r[i.dst_reg] >>= i.imm; break;
            case BPF_ALU64 | BPF_MOV | BPF_X: r[i.dst_reg] = r[i.src_reg]; break;
            case BPF_ALU64 | BPF_MOV | BPF_K: r[i.dst_reg] = static_cast<uint64_t>(static_cast<int64_t>(i.imm)); break;
            case BPF_JMP | BPF_JNE | BPF_K:
                if (r[i.dst_reg] != static_cast<uint64_t>(static_cast<int64_t>(i.imm))) pc += i.off;
                break;
            case BPF_JMP | BPF_JEQ | BPF_K:
                if (r[i.dst_reg] == static_cast<uint64_t>(static_cast<int64_t>(i.imm))) pc += i.off;
                break;
            case BPF_JMP | BPF_EXIT: return static_cast<int>(r[0]);
            default: ADD_FAILURE() << "unexpected opcode " << int(i.code); return -1;
        }
    }
    ADD_FAILURE() << "no exit";
    return -1;
}

// The kernel's v1 check for the same policy.
bool v1_allows(const DevicePolicy& p, char type, int64_t major, int64_t minor, uint8_t access) {
    auto matches = [&](const DevException& e) {
        return e.type == type && (e.major == kDevWildcard || e.major == major) &&
               (e.minor == kDevWildcard || e.minor == minor);
    };
    if (p.default_allow) {
        for (auto& e : p.exceptions)
            if (matches(e) && (e.access & access)) return false;
        return true;
    }
    for (auto& e : p.exceptions)
        if (matches(e) && (access & ~e.access) == 0) return true;
    return false;
}

std::vector<std::string> lines(const std::vector<std::pair<std::string, std::string>>& w) {
    std::vector<std::string> out;
    for (auto& [f, l] : w) out.push_back(f + " " + l);
    return out;
}

oci::DeviceRule rule(bool allow, std::string type, std::optional<int64_t> major, std::optional<int64_t> minor,
                     std::string access) {
    return {allow, std::move(type), major, minor, std::move(access)};
}

TEST(CgroupDevices, AccessStrings) {
    EXPECT_EQ(parse_access("rwm"), kDevAll);
    EXPECT_EQ(parse_access("mr"), kDevRead | kDevMknod);
    EXPECT_EQ(access_string(kDevAll), "rwm");
    EXPECT_EQ(access_string(kDevWrite), "w");
    EXPECT_EQ(device_rule_string({'c', 1, 3, kDevAll}), "c 1:3 rwm");
    EXPECT_EQ(device_rule_string({'b', kDevWildcard, kDevWildcard, kDevMknod}), "b *:* m");
}

TEST(CgroupDevices, DefaultSpecGivesRuncsAllowList) {
    // runc spec's "deny everything", with nothing else: the defaults remain.
    auto rules = effective_device_rules({rule(false, "", std::nullopt, std::nullopt, "rwm")}, {});
    auto p = reduce_device_rules(rules);
    EXPECT_FALSE(p.default_allow);
    EXPECT_EQ(lines(v1_device_writes(p)),
              (std::vector<std::string>{"devices.deny a", "devices.allow c *:* m", "devices.allow b *:* m",
                                        "devices.allow c 1:3 rwm", "devices.allow c 1:8 rwm",
                                        "devices.allow c 1:7 rwm", "devices.allow c 5:0 rwm",
                                        "devices.allow c 1:5 rwm", "devices.allow c 1:9 rwm",
                                        "devices.allow c 136:* rwm", "devices.allow c 5:2 rwm",
                                        "devices.allow c 10:200 rwm"}));
}

TEST(CgroupDevices, LinuxDevicesAreAllowedAndFifosIgnored) {
    std::vector<oci::Device> devs = {{"c", "/dev/fuse", 10, 229, std::nullopt, std::nullopt, std::nullopt},
                                     {"b", "/dev/sda", 8, 0, std::nullopt, std::nullopt, std::nullopt},
                                     {"u", "/dev/u", 4, 64, std::nullopt, std::nullopt, std::nullopt},
                                     {"p", "/dev/fifo", 0, 0, std::nullopt, std::nullopt, std::nullopt}};
    auto p = reduce_device_rules(effective_device_rules({rule(false, "a", std::nullopt, std::nullopt, "rwm")}, devs));
    EXPECT_TRUE(v1_allows(p, 'c', 10, 229, kDevRead | kDevWrite));
    EXPECT_TRUE(v1_allows(p, 'b', 8, 0, kDevRead));
    EXPECT_TRUE(v1_allows(p, 'c', 4, 64, kDevWrite));
    EXPECT_FALSE(v1_allows(p, 'b', 8, 1, kDevRead));
    EXPECT_EQ(p.exceptions.size(), default_device_rules().size() + 3);
}

TEST(CgroupDevices, LaterRulesOverrideEarlierOnes) {
    // Allow everything, then take write access to 1:3 away, then a partial 'a' rule.
    std::vector<DevRule> rules = {
        {'a', kDevWildcard, kDevWildcard, kDevAll, true},
        {'c', 1, 3, kDevWrite, false},
        {'a', 7, kDevWildcard, kDevRead, false},  // 'a' with numbers: both kinds
        {'c', 1, 3, kDevWrite, true},             // gives the write back
        {'c', 1, 5, kDevMknod, false},
    };
    auto p = reduce_device_rules(rules);
    EXPECT_TRUE(p.default_allow);
    EXPECT_EQ(p.exceptions, (std::vector<DevException>{{'c', 7, kDevWildcard, kDevRead},
                                                       {'b', 7, kDevWildcard, kDevRead},
                                                       {'c', 1, 5, kDevMknod}}));
    EXPECT_EQ(lines(v1_device_writes(p)), (std::vector<std::string>{"devices.allow a", "devices.deny c 7:* r",
                                                                    "devices.deny b 7:* r", "devices.deny c 1:5 m"}));
    // A full "a" rule resets everything before it.
    rules.push_back({'a', kDevWildcard, kDevWildcard, kDevAll, false});
    rules.push_back({'c', 1, 3, kDevRead, true});
    p = reduce_device_rules(rules);
    EXPECT_FALSE(p.default_allow);
    EXPECT_EQ(p.exceptions, (std::vector<DevException>{{'c', 1, 3, kDevRead}}));
}

TEST(CgroupDevices, ExceptionsMergeAccessLikeTheKernel) {
    auto p = reduce_device_rules(std::vector<DevRule>{{'c', 1, 3, kDevRead, true}, {'c', 1, 3, kDevWrite, true},
                                                      {'c', 1, 3, kDevRead, false}});
    EXPECT_EQ(p.exceptions, (std::vector<DevException>{{'c', 1, 3, kDevWrite}}));
}

// The program decides exactly as the v1 kernel would, for a spread of devices and accesses.
void expect_program_matches(const DevicePolicy& p) {
    auto prog = device_program(p);
    ASSERT_FALSE(prog.empty());
    for (char type : {'c', 'b'})
        for (int64_t major : {0, 1, 4, 5, 7, 8, 10, 136, 254})
            for (int64_t minor : {0, 1, 2, 3, 5, 7, 8, 9, 200, 229})
                for (uint8_t access = 1; access <= kDevAll; ++access)
                    ASSERT_EQ(run_program(prog, type, static_cast<uint32_t>(major), static_cast<uint32_t>(minor), access),
                              v1_allows(p, type, major, minor, access) ? 1 : 0)
                        << type << " " << major << ":" << minor << " " << access_string(access)
                        << (p.default_allow ? " (default allow)" : " (default deny)");
}

TEST(CgroupDevices, ProgramAgreesWithTheV1Semantics) {
    expect_program_matches(
        reduce_device_rules(effective_device_rules({rule(false, "", std::nullopt, std::nullopt, "rwm")}, {})));
    expect_program_matches(reduce_device_rules(std::vector<DevRule>{
        {'a', kDevWildcard, kDevWildcard, kDevAll, true}, {'c', 1, 3, kDevWrite, false},
        {'b', kDevWildcard, 0, kDevRead | kDevMknod, false}, {'c', 136, kDevWildcard, kDevAll, false}}));
    expect_program_matches(reduce_device_rules(std::vector<DevRule>{
        {'c', 1, kDevWildcard, kDevRead, true}, {'b', 8, 0, kDevRead | kDevWrite, true}, {'c', 10, 229, kDevAll, true}}));
    expect_program_matches(DevicePolicy{});                       // deny everything
    expect_program_matches(DevicePolicy{true, {}});               // allow everything
}

TEST(CgroupDevices, ProgramShape) {
    // Deny everything but c 1:3 rwm: load the context, one block, the default.
    auto prog = device_program(DevicePolicy{false, {{'c', 1, 3, kDevAll}}});
    ASSERT_EQ(prog.size(), 6u + 5u + 2u);
    EXPECT_EQ(prog[6].code, BPF_JMP | BPF_JNE | BPF_K);  // type
    EXPECT_EQ(prog[6].imm, BPF_DEVCG_DEV_CHAR);
    EXPECT_EQ(prog[6].off, 4);  // to the default block
    EXPECT_EQ(prog[7].imm, 1);  // major
    EXPECT_EQ(prog[8].imm, 3);  // minor
    EXPECT_EQ(prog[9].code, BPF_ALU64 | BPF_MOV | BPF_K);
    EXPECT_EQ(prog[9].imm, 1);  // allow
    EXPECT_EQ(prog[10].code, BPF_JMP | BPF_EXIT);
    EXPECT_EQ(prog[11].imm, 0);  // default: deny
}

bool bpf_available() {
    return verify_device_program(device_program(DevicePolicy{})).has_value();
}

TEST(CgroupDevices, KernelVerifierAcceptsThePrograms) {
    auto probe = verify_device_program(device_program(DevicePolicy{}));
    if (!probe && (probe.error().errnum == EPERM || probe.error().errnum == ENOSYS))
        GTEST_SKIP() << "cannot load BPF programs here: " << probe.error().what();
    ASSERT_TRUE(probe.has_value()) << probe.error().what();
    for (const auto& p :
         {reduce_device_rules(effective_device_rules({rule(false, "", std::nullopt, std::nullopt, "rwm")}, {})),
          reduce_device_rules(std::vector<DevRule>{{'a', kDevWildcard, kDevWildcard, kDevAll, true},
                                                   {'c', 1, 3, kDevWrite, false},
                                                   {'b', kDevWildcard, 0, kDevRead, false}}),
          DevicePolicy{true, {}}}) {
        auto r = verify_device_program(device_program(p));
        EXPECT_TRUE(r.has_value()) << r.error().what();
    }
}

// ---- a real cgroup2 directory (hybrid machines have one at /sys/fs/cgroup/unified) ----

std::string cgroup2_mount() {
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        if (line.find(" - cgroup2 ") == std::string::npos) continue;
        std::istringstream l(line);
        std::string f[5];
        for (auto& x : f) l >> x;
        if (f[3] == "/") return f[4];
    }
    return "";
}

// A child in its own cgroup2 directory tries to open devices once told to; returns
// "null=<errno> full=<errno>" (0 = opened).
std::string probe_in_cgroup(const std::string& dir, const std::vector<DevicePolicy>& policies) {
    int go[2], done[2];
    if (::pipe(go) < 0 || ::pipe(done) < 0) return "pipe failed";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(go[1]);
        ::close(done[0]);
        std::string me = std::to_string(::getpid());
        int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY);
        if (fd < 0 || ::write(fd, me.data(), me.size()) < 0) ::_exit(100);
        ::close(fd);
        char c;
        for (size_t round = 0; round < policies.size(); ++round) {
            if (::read(go[0], &c, 1) != 1) ::_exit(101);
            int results[2];
            int i = 0;
            for (const char* dev : {"/dev/null", "/dev/full"}) {
                int d = ::open(dev, O_RDWR);
                results[i++] = d < 0 ? errno : 0;
                if (d >= 0) ::close(d);
            }
            if (::write(done[1], results, sizeof results) != sizeof results) ::_exit(102);
        }
        ::_exit(0);
    }
    ::close(go[0]);
    ::close(done[1]);
    std::string out;
    // Wait until the child is inside (its pid shows in cgroup.procs).
    for (int i = 0; i < 2000; ++i) {
        std::ifstream procs(dir + "/cgroup.procs");
        std::string s((std::istreambuf_iterator<char>(procs)), {});
        if (s.find(std::to_string(pid)) != std::string::npos) break;
        ::usleep(1000);
    }
    for (const auto& p : policies) {
        auto r = attach_device_program(dir, device_program(p));
        if (!r) {
            out += "attach failed: " + r.error().what();
            break;
        }
        if (::write(go[1], "x", 1) != 1) break;
        int results[2];
        if (::read(done[0], results, sizeof results) != sizeof results) break;
        out += "null=" + std::to_string(results[0]) + " full=" + std::to_string(results[1]) + ";";
    }
    ::close(go[1]);
    ::close(done[0]);
    ::kill(pid, SIGKILL);  // our own child
    ::waitpid(pid, nullptr, 0);
    return out;
}

TEST(CgroupDevices, ProgramEnforcesOnARealCgroup2Directory) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    std::string mnt = cgroup2_mount();
    if (mnt.empty()) GTEST_SKIP() << "no cgroup2 hierarchy is mounted";
    if (!bpf_available()) GTEST_SKIP() << "cannot load BPF programs here";
    std::string parent = mnt + "/brig-test";
    std::string dir = parent + "/unit-devices-" + std::to_string(::getpid());
    bool made_parent = ::mkdir(parent.c_str(), 0755) == 0;
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << dir << ": " << std::strerror(errno);

    // Only /dev/null (1:3) first; then a second program replaces the first and also
    // allows /dev/full (1:7).
    DevicePolicy only_null{false, {{'c', 1, 3, kDevAll}}};
    DevicePolicy both{false, {{'c', 1, 3, kDevAll}, {'c', 1, 7, kDevRead | kDevWrite}}};
    std::string got = probe_in_cgroup(dir, {only_null, both});
    EXPECT_EQ(got, "null=0 full=" + std::to_string(EPERM) + ";null=0 full=0;");

    for (int i = 0; i < 200 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) ::usleep(5000);
    if (made_parent) ::rmdir(parent.c_str());
}

}  // namespace
}  // namespace brig::cgroup
