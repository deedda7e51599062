#include "cgroup/devices.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/fd.hpp"

namespace brig::cgroup {

uint8_t parse_access(std::string_view access) {
    uint8_t bits = 0;
    for (char c : access) {
        if (c == 'r') bits |= kDevRead;
        if (c == 'w') bits |= kDevWrite;
        if (c == 'm') bits |= kDevMknod;
    }
    return bits;
}

std::string access_string(uint8_t access) {
    std::string s;
    if (access & kDevRead) s += 'r';
    if (access & kDevWrite) s += 'w';
    if (access & kDevMknod) s += 'm';
    return s;
}

const std::vector<DevRule>& default_device_rules() {
    static const std::vector<DevRule> rules = {
        {'c', kDevWildcard, kDevWildcard, kDevMknod, true},  // mknod of any node
        {'b', kDevWildcard, kDevWildcard, kDevMknod, true},
        {'c', 1, 3, kDevAll, true},              // /dev/null
        {'c', 1, 8, kDevAll, true},              // /dev/random
        {'c', 1, 7, kDevAll, true},              // /dev/full
        {'c', 5, 0, kDevAll, true},              // /dev/tty
        {'c', 1, 5, kDevAll, true},              // /dev/zero
        {'c', 1, 9, kDevAll, true},              // /dev/urandom
        {'c', 136, kDevWildcard, kDevAll, true},  // /dev/pts/*
        {'c', 5, 2, kDevAll, true},              // /dev/ptmx
        {'c', 10, 200, kDevAll, true},           // /dev/net/tun
    };
    return rules;
}

std::vector<DevRule> effective_device_rules(const std::vector<oci::DeviceRule>& rules,
                                            std::span<const oci::Device> devices) {
    std::vector<DevRule> out;
    for (const auto& r : rules) {
        DevRule d;
        d.type = r.type.empty() ? 'a' : r.type[0];
        d.major = r.major.value_or(kDevWildcard);
        d.minor = r.minor.value_or(kDevWildcard);
        d.access = parse_access(r.access);
        d.allow = r.allow;
        out.push_back(d);
    }
    for (const auto& dev : devices) {
        if (dev.type != "c" && dev.type != "u" && dev.type != "b") continue;  // fifos are not device-controlled
        out.push_back({dev.type == "b" ? 'b' : 'c', dev.major, dev.minor, kDevAll, true});
    }
    const auto& defaults = default_device_rules();
    out.insert(out.end(), defaults.begin(), defaults.end());
    return out;
}

DevicePolicy reduce_device_rules(std::span<const DevRule> rules) {
    DevicePolicy p;  // deny everything
    for (const auto& r : rules) {
        if (r.access == 0) continue;
        if (r.type == 'a' && r.major == kDevWildcard && r.minor == kDevWildcard && r.access == kDevAll) {
            // The kernel's "a": a new default, with no exceptions.
            p.default_allow = r.allow;
            p.exceptions.clear();
            continue;
        }
        // Any other "a" rule means the same rule for both kinds of node.
        for (char type : {'c', 'b'}) {
            if (r.type != 'a' && r.type != type) continue;
            auto it = std::find_if(p.exceptions.begin(), p.exceptions.end(), [&](const DevException& e) {
                return e.type == type && e.major == r.major && e.minor == r.minor;
            });
            if (r.allow == p.default_allow) {
                // Agrees with the default: takes the access away from a matching exception.
                if (it != p.exceptions.end()) {
                    it->access &= static_cast<uint8_t>(~r.access);
                    if (it->access == 0) p.exceptions.erase(it);
                }
            } else if (it != p.exceptions.end()) {
                it->access |= r.access;
            } else {
                p.exceptions.push_back({type, r.major, r.minor, r.access});
            }
        }
    }
    return p;
}

std::string device_rule_string(const DevException& e) {
    auto num = [](int64_t n) { return n == kDevWildcard ? std::string("*") : std::to_string(n); };
    return fmt::format("{} {}:{} {}", e.type, num(e.major), num(e.minor), access_string(e.access));
}

std::vector<std::pair<std::string, std::string>> v1_device_writes(const DevicePolicy& p) {
    std::vector<std::pair<std::string, std::string>> out;
    out.emplace_back(p.default_allow ? "devices.allow" : "devices.deny", "a");
    const char* other = p.default_allow ? "devices.deny" : "devices.allow";
    for (const auto& e : p.exceptions) out.emplace_back(other, device_rule_string(e));
    return out;
}

// ---- the eBPF program ----------------------------------------------------------------

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}
bpf_insn ldx_w(uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0); }
bpf_insn alu_k(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm); }
bpf_insn mov_x(uint8_t dst, uint8_t src) { return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn jmp_k(uint8_t op, uint8_t dst, int32_t imm, int16_t off) { return insn(BPF_JMP | op | BPF_K, dst, 0, off, imm); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

// Registers: r1 = context on entry; r2 = node type, r3 = access, r4 = major, r5 = minor,
// r6 scratch.
constexpr uint8_t R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6;

}  // namespace

std::vector<bpf_insn> device_program(const DevicePolicy& p) {
    std::vector<bpf_insn> prog;
    // struct bpf_cgroup_dev_ctx { u32 access_type /* (access << 16) | type */; u32 major; u32 minor; }
    prog.push_back(ldx_w(R2, R1, 0));
    prog.push_back(alu_k(BPF_AND, R2, 0xffff));
    prog.push_back(ldx_w(R3, R1, 0));
    prog.push_back(alu_k(BPF_RSH, R3, 16));
    prog.push_back(ldx_w(R4, R1, 4));
    prog.push_back(ldx_w(R5, R1, 8));

    // One block per exception; every mismatch jumps to the next block. The kernel's v1
    // semantics: with a deny default, one allow exception must cover the whole access;
    // with an allow default, a deny exception matching any part of it denies.
    for (const auto& e : p.exceptions) {
        std::vector<size_t> to_next;
        if (e.type == 'c' || e.type == 'b') {
            to_next.push_back(prog.size());
            prog.push_back(jmp_k(BPF_JNE, R2, e.type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0));
        }
        if (!p.default_allow) {
            uint8_t outside = static_cast<uint8_t>(~e.access & kDevAll);
            if (outside != 0) {
                prog.push_back(mov_x(R6, R3));
                prog.push_back(alu_k(BPF_AND, R6, outside));
                to_next.push_back(prog.size());
                prog.push_back(jmp_k(BPF_JNE, R6, 0, 0));
            }
        } else if ((e.access & kDevAll) != kDevAll) {
            prog.push_back(mov_x(R6, R3));
            prog.push_back(alu_k(BPF_AND, R6, e.access));
            to_next.push_back(prog.size());
            prog.push_back(jmp_k(BPF_JEQ, R6, 0, 0));
        }
        if (e.major != kDevWildcard) {
            to_next.push_back(prog.size());
            prog.push_back(jmp_k(BPF_JNE, R4, static_cast<int32_t>(e.major), 0));
        }
        if (e.minor != kDevWildcard) {
            to_next.push_back(prog.size());
            prog.push_back(jmp_k(BPF_JNE, R5, static_cast<int32_t>(e.minor), 0));
        }
        prog.push_back(alu_k(BPF_MOV, R0, p.default_allow ? 0 : 1));
        prog.push_back(exit_insn());
        for (size_t j : to_next) prog[j].off = static_cast<int16_t>(prog.size() - (j + 1));
    }
    prog.push_back(alu_k(BPF_MOV, R0, p.default_allow ? 1 : 0));
    prog.push_back(exit_insn());
    return prog;
}

namespace {

long bpf(int cmd, bpf_attr& attr) { return ::syscall(SYS_bpf, cmd, &attr, sizeof(attr)); }

Result<UniqueFd> load_program(std::span<const bpf_insn> program, bool want_log) {
    static char log[65536];
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = reinterpret_cast<uint64_t>(program.data());
    attr.insn_cnt = static_cast<uint32_t>(program.size());
    attr.license = reinterpret_cast<uint64_t>("Apache");
    if (want_log) {
        log[0] = 0;
        attr.log_buf = reinterpret_cast<uint64_t>(log);
        attr.log_size = sizeof(log);
        attr.log_level = 1;
    }
    int fd = static_cast<int>(bpf(BPF_PROG_LOAD, attr));
    if (fd < 0) {
        int e = errno;
        if (want_log && log[0]) return errno_fail(e, "load the device eBPF program ({})", std::string_view(log));
        if (!want_log) return load_program(program, true);
        return errno_fail(e, "load the device eBPF program");
    }
    return UniqueFd(fd);
}

}  // namespace

Result<void> verify_device_program(std::span<const bpf_insn> program) {
    auto fd = load_program(program, false);
    if (!fd) return std::unexpected(fd.error());
    return {};
}

Result<void> attach_device_program(const std::string& cgroup_dir, std::span<const bpf_insn> program) {
    UniqueFd dir(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return sys_fail("open {}", cgroup_dir);

    // What is attached now (to be replaced).
    std::vector<uint32_t> old(64);
    bpf_attr q{};
    q.query.target_fd = static_cast<uint32_t>(dir.get());
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = reinterpret_cast<uint64_t>(old.data());
    q.query.prog_cnt = static_cast<uint32_t>(old.size());
    if (bpf(BPF_PROG_QUERY, q) < 0) {
        if (errno != ENOSPC) return sys_fail("query the device programs of {}", cgroup_dir);
    }
    old.resize(std::min<size_t>(q.query.prog_cnt, old.size()));

    auto prog = load_program(program, false);
    if (!prog) return std::unexpected(prog.error());
    bpf_attr a{};
    a.target_fd = static_cast<uint32_t>(dir.get());
    a.attach_bpf_fd = static_cast<uint32_t>(prog->get());
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    if (bpf(BPF_PROG_ATTACH, a) < 0) return sys_fail("attach the device eBPF program to {}", cgroup_dir);

    for (uint32_t id : old) {
        bpf_attr g{};
        g.prog_id = id;
        UniqueFd fd(static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, g)));
        if (!fd) continue;  // gone already
        bpf_attr d{};
        d.target_fd = static_cast<uint32_t>(dir.get());
        d.attach_bpf_fd = static_cast<uint32_t>(fd.get());
        d.attach_type = BPF_CGROUP_DEVICE;
        if (bpf(BPF_PROG_DETACH, d) < 0 && errno != ENOENT)
            return sys_fail("detach the previous device program (id {}) from {}", id, cgroup_dir);
    }
    return {};
}

}  // namespace brig::cgroup
