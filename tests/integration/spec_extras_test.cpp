// Runtime-spec features beyond the basics: id-mapped mounts, terminals over
// --console-socket, time namespaces, sysctls, --no-pivot, rootfs propagation, personality.
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

#include <gmock/gmock.h>

#include "harness.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

class SpecExtrasTest : public RuntimeTest {};

void add_user_namespace(Container& c, uint32_t host) {
    c.config()["linux"]["namespaces"].push_back({{"type", "user"}});
    c.config()["linux"]["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", host}, {"size", 65536}}});
    c.config()["linux"]["gidMappings"] = json::array({{{"containerID", 0}, {"hostID", host}, {"size", 65536}}});
}

TEST_F(SpecExtrasTest, IdmappedBindMountShowsHostRootAsContainerRoot) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has no id-mapped mounts";
    Container c;
    add_user_namespace(c, 100000);
    // Files of the bundle must be readable by the mapped root.
    ASSERT_TRUE(run_process({"chown", "-R", "100000:100000", c.rootfs().string()}).ok());
    fs::path plain = c.add_bind("/plain", "plain", {"rbind"});
    fs::path mapped = c.add_bind("/mapped", "mapped", {"rbind", "idmap"});
    write_text(plain / "f", "x");
    write_text(mapped / "f", "x");
    c.set_args({"sh", "-c", "stat -c '%u:%g' /mapped/f /plain/f"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    // Owned by host root: through the id-mapped mount that is the container's root;
    // through the plain bind it is unmapped (the overflow id).
    EXPECT_EQ(r.out, "0:0\n65534:65534\n");
}

TEST_F(SpecExtrasTest, MountWithItsOwnUidMappings) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has no id-mapped mounts";
    Container c;
    fs::path dir = c.add_bind("/data", "data", {"rbind"});
    write_text(dir / "f", "x");  // owned by root on disk
    auto& m = c.config()["mounts"].back();
    // The mapping takes on-disk id 0 (containerID) to 1000 (hostID) for whoever looks
    // through this mount; the container here has no user namespace of its own.
    m["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}});
    m["gidMappings"] = json::array({{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}});
    c.set_args({"stat", "-c", "%u:%g", "/data/f"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "1000:1000\n");
}

// Receives the pty master that the runtime sends over --console-socket.
class ConsoleListener {
public:
    explicit ConsoleListener(const fs::path& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
        EXPECT_EQ(::listen(fd_, 1), 0);
    }
    ~ConsoleListener() {
        if (master_ >= 0) ::close(master_);
        ::close(fd_);
    }
    // Accepts one connection and takes the fd it carries; -1 if none arrives in time.
    int receive() {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) return -1;
        int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        char name[64];
        iovec iov{name, sizeof name};
        alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctrl;
        msg.msg_controllen = sizeof ctrl;
        if (::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) > 0)
            if (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm && cm->cmsg_type == SCM_RIGHTS)
                std::memcpy(&master_, CMSG_DATA(cm), sizeof master_);
        ::close(conn);
        return master_;
    }

private:
    fs::path path_;
    int fd_ = -1;
    int master_ = -1;
};

std::string read_until_eof(int fd, std::chrono::milliseconds timeout) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) != 1) continue;
        char buf[4096];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;  // EIO once the last slave fd closes
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

TEST_F(SpecExtrasTest, TerminalIsSentOverTheConsoleSocket) {
    Container c;
    c.config()["process"]["terminal"] = true;
    c.config()["process"]["consoleSize"] = {{"height", 33}, {"width", 111}};
    c.set_args({"sh", "-c", "tty; readlink /proc/self/fd/0; stty size; ls -l /dev/console"});
    ConsoleListener listener(c.dir() / "console.sock");
    c.write_config(c.id());
    auto created = c.runtime({"create", "--bundle", c.bundle().string(), "--console-socket",
                              (c.dir() / "console.sock").string(), c.id()});
    ASSERT_TRUE(created.ok()) << created;
    int master = listener.receive();
    ASSERT_GE(master, 0) << "no pty master arrived on the console socket";
    ASSERT_TRUE(c.start().ok());
    std::string out = read_until_eof(master, 5s);
    EXPECT_THAT(out, HasSubstr("/dev/pts/0"));
    EXPECT_THAT(out, HasSubstr("33 111"));
    EXPECT_THAT(out, HasSubstr("/dev/console"));
}

TEST_F(SpecExtrasTest, TerminalWithoutConsoleSocketIsRefusedForCreate) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 words this error without naming --console-socket";
    Container c;
    c.config()["process"]["terminal"] = true;
    auto r = c.create();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("console-socket"));
    c.expect_nothing_left(c.id());
}

TEST_F(SpecExtrasTest, TimeNamespaceOffsets) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has no time namespaces";
    Container c;
    c.config()["linux"]["namespaces"].push_back({{"type", "time"}});
    c.config()["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 864000}, {"nanosecs", 0}}},
                                          {"boottime", {{"secs", 864000}, {"nanosecs", 0}}}};
    c.set_args({"cat", "/proc/uptime"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    double inside = std::stod(r.out);
    double host = std::stod(read_text("/proc/uptime"));
    EXPECT_GT(inside, host + 863000) << "boottime offset not applied: " << r.out;
}

TEST_F(SpecExtrasTest, SysctlInANewNetworkNamespace) {
    Container c;
    c.config()["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}, {"net.ipv4.ping_group_range", "0 0"}};
    c.set_args({"cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv4/ping_group_range"});
    std::string host_before = read_text("/proc/sys/net/ipv4/ping_group_range");
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("1\n0\t0"));
    EXPECT_EQ(read_text("/proc/sys/net/ipv4/ping_group_range"), host_before) << "host sysctl changed";
}

TEST_F(SpecExtrasTest, SysctlOutsideTheContainersNamespacesIsRefused) {
    Container c;
    c.config()["linux"]["sysctl"] = {{"vm.swappiness", "10"}};
    auto r = c.run();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("vm.swappiness"));
    c.expect_nothing_left(c.id());
}

TEST_F(SpecExtrasTest, NoPivotStillConfinesTheProcessToItsRoot) {
    Container c;
    write_text(c.rootfs() / "marker", "inside");
    c.set_args({"sh", "-c", "cat /marker; ls /work >/dev/null 2>&1 && echo host-visible || echo confined"});
    auto r = c.run({"--no-pivot"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "insideconfined\n");
}

TEST_F(SpecExtrasTest, RootfsPropagationPrivate) {
    Container c;
    c.config()["linux"]["rootfsPropagation"] = "private";
    c.set_args({"awk", "$5 == \"/\"", "/proc/self/mountinfo"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("shared:")));
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("master:")));
}

TEST_F(SpecExtrasTest, RootfsPropagationShared) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 leaves / slave under rshared here";
    Container c;
    c.config()["linux"]["rootfsPropagation"] = "rshared";
    c.set_args({"awk", "$5 == \"/\"", "/proc/self/mountinfo"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("shared:"));
}

TEST_F(SpecExtrasTest, Personality32Bit) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 ignores linux.personality";
    Container c;
    c.config()["linux"]["personality"] = {{"domain", "LINUX32"}};
    c.set_args({"uname", "-m"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "i686\n");
}

TEST_F(SpecExtrasTest, RunForwardsSignalsToTheContainer) {
    Container c;
    c.set_args({"sh", "-c", "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done"});
    c.write_config(c.id());
    Child run({runtime_path(), "--root", c.state_root().string(), "run", "--bundle", c.bundle().string(), c.id()});
    ASSERT_TRUE(wait_until([&] { return c.state(c.id()).out.find("running") != std::string::npos; }));
    ::usleep(200000);
    ::kill(run.pid(), SIGTERM);
    auto res = run.wait(5s);
    ASSERT_TRUE(res.has_value()) << "run did not exit after SIGTERM";
    EXPECT_EQ(res->exit_code, 7) << *res;
    EXPECT_THAT(res->out, HasSubstr("got-term"));
}

}  // namespace
}  // namespace brig::it

namespace brig::it {
namespace {

TEST_F(SpecExtrasTest, JoinAUserNamespaceWithANewPidNamespace) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 cannot mount /sys and /proc this way";
    // A process of ours holds a user namespace mapping container root to host 100000.
    Child holder({"unshare", "--user", "sleep", "100"});
    std::string pid = std::to_string(holder.pid());
    ASSERT_TRUE(wait_until([&] {
        try {
            return ns_inode(pid, "user") != ns_inode("self", "user");
        } catch (const std::exception&) {
            return false;
        }
    }));
    write_text("/proc/" + pid + "/uid_map", "0 100000 65536\n");
    write_text("/proc/" + pid + "/gid_map", "0 100000 65536\n");
    Container c;
    ASSERT_TRUE(run_process({"chown", "-R", "100000:100000", c.rootfs().string()}).ok());
    c.config()["linux"]["namespaces"].push_back({{"type", "user"}, {"path", "/proc/" + pid + "/ns/user"}});
    // sysfs needs a network namespace owned by the user namespace: it is new here.
    c.set_args({"sh", "-c", "echo pid=$$; readlink /proc/self/ns/user; cat /proc/self/uid_map"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("pid=1\n"));
    EXPECT_THAT(r.out, HasSubstr("user:[" + std::to_string(ns_inode(pid, "user")) + "]"));
    EXPECT_THAT(r.out, HasSubstr("100000"));
}

TEST_F(SpecExtrasTest, LinuxDevicesAreCreated) {
    Container c;
    c.config()["linux"]["devices"] = json::array(
        {{{"path", "/dev/brig-null"}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"fileMode", 0600},
          {"uid", 1000}, {"gid", 1001}}});
    c.config()["process"]["user"] = {{"uid", 1000}, {"gid", 1001}};  // the device's owner may write it
    c.set_args({"sh", "-c", "stat -c '%t:%T %a %u:%g' /dev/brig-null; echo x > /dev/brig-null && echo writable"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "1:3 600 1000:1001\nwritable\n");
}

}  // namespace
}  // namespace brig::it

namespace brig::it {
namespace {

class HooksTest : public RuntimeTest {};

json host_hook(const fs::path& log, const std::string& name) {
    // Appends the hook's name and the state it read on stdin to a log on the host.
    return {{"path", "/bin/sh"},
            {"args", {"sh", "-c", "printf '%s ' " + name + " >> " + log.string() + "; cat >> " + log.string() +
                                      "; echo >> " + log.string()}}};
}

TEST_F(HooksTest, AllSixRunInOrderWithTheState) {
    Container c;
    fs::path hostdir = c.add_bind("/hooklog", "hooklog", {"rbind", "rw"});
    fs::path log = hostdir / "log";
    json hooks;
    for (const char* h : {"prestart", "createRuntime", "createContainer", "poststart", "poststop"})
        hooks[h] = json::array({host_hook(log, h)});
    // startContainer runs inside the container, after pivot_root: container paths.
    hooks["startContainer"] = json::array(
        {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "printf 'startContainer ' >> /hooklog/log; cat >> /hooklog/log; echo >> /hooklog/log"}}}});
    c.config()["hooks"] = hooks;
    c.config()["annotations"] = {{"org.example.key", "value"}};
    // poststart runs once start has released the process, concurrently with it: let the
    // process write later so the log's order is deterministic.
    c.set_args({"sh", "-c", "sleep 0.5; echo process >> /hooklog/log"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    std::string text = read_text(log);
    std::vector<std::string> order;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        order.push_back(line.substr(0, line.find(' ')));
        if (line != "process") {
            EXPECT_THAT(line, HasSubstr("\"id\":\"" + c.id() + "\"")) << line;
            EXPECT_THAT(line, HasSubstr("\"org.example.key\":\"value\"")) << line;
        }
    }
    EXPECT_EQ(order, (std::vector<std::string>{"prestart", "createRuntime", "createContainer", "startContainer",
                                               "poststart", "process", "poststop"}))
        << text;
}

TEST_F(HooksTest, FailingCreateRuntimeHookFailsCreateAndLeavesNothing) {
    Container c;
    c.config()["hooks"]["createRuntime"] = json::array({{{"path", "/bin/sh"}, {"args", {"sh", "-c", "exit 3"}}}});
    auto r = c.create();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("hooks.createRuntime[0]"));
    EXPECT_THAT(r.err, HasSubstr("exit status 3"));
    c.expect_nothing_left(c.id());
}

TEST_F(HooksTest, HookTimeoutKillsIt) {
    Container c;
    c.config()["hooks"]["prestart"] = json::array({{{"path", "/bin/sleep"}, {"args", {"sleep", "30"}}, {"timeout", 1}}});
    auto t0 = std::chrono::steady_clock::now();
    auto r = c.create();
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("timed out"));
    EXPECT_LT(took, 10s);
    c.expect_nothing_left(c.id());
}

}  // namespace
}  // namespace brig::it

namespace brig::it {
namespace {

TEST_F(SpecExtrasTest, NetDevicesMoveIntoTheContainerRenamed) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has no linux.netDevices";
    // The runtime runs in a network namespace of the test's own, holding a veth pair; one
    // end moves into the container as eth7. The host's network is never touched.
    Container c;
    c.config()["linux"]["netDevices"] = {{"brigv0", {{"name", "eth7"}}}};
    c.set_args({"sh", "-c", "ip -o link show eth7 >/dev/null && echo has-eth7; ip -o link show brigv0 2>/dev/null || echo no-brigv0"});
    c.write_config(c.id());
    std::string script = "ip link add brigv0 type veth peer name brigv1 && exec " + runtime_path() + " --root " +
                         c.state_root().string() + " run --bundle " + c.bundle().string() + " " + c.id() +
                         " && true";
    auto r = run_process({"unshare", "--net", "sh", "-c", script + "; ip -o link show brigv1 | grep -q brigv1 && echo peer-remains"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("has-eth7"));
    EXPECT_THAT(r.out, HasSubstr("no-brigv0"));
}

TEST_F(SpecExtrasTest, NetDeviceThatDoesNotExistFailsCleanly) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has no linux.netDevices";
    Container c;
    c.config()["linux"]["netDevices"] = {{"brig-nosuch0", json::object()}};
    auto r = c.run();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("brig-nosuch0"));
    c.expect_nothing_left(c.id());
}

TEST_F(SpecExtrasTest, MemoryPolicyAndCpuAffinity) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has neither memoryPolicy nor execCPUAffinity";
    Container c;
    c.config()["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}, {"nodes", "0"}};
    c.config()["process"]["execCPUAffinity"] = {{"final", "0"}};
    c.set_args({"sh", "-c", "grep -E '^(Cpus_allowed_list|Mems_allowed_list)' /proc/self/status"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("Cpus_allowed_list:\t0\n"));
}

class ExecTest : public RuntimeTest {};

// A running container whose process sleeps; exec tests work inside it.
struct Running {
    Container c;
    Running() {
        c.set_args({"sleep", "1000"});
        auto r = c.run({"--detach"});
        EXPECT_TRUE(r.ok()) << r;
    }
    ProcResult exec(const std::vector<std::string>& args) {
        std::vector<std::string> a{"exec"};
        a.insert(a.end(), args.begin(), args.end());
        return c.runtime(a);
    }
};

TEST_F(ExecTest, RunsInTheContainersNamespacesAndReturnsTheExitCode) {
    Running t;
    auto init = t.c.state_json()["pid"].get<int>();
    auto r = t.exec({t.c.id(), "sh", "-c", "for n in pid mnt net; do readlink /proc/self/ns/$n; done; exit 5"});
    EXPECT_EQ(r.exit_code, 5) << r;
    EXPECT_THAT(r.out, HasSubstr("pid:[" + std::to_string(ns_inode(std::to_string(init), "pid")) + "]"));
    EXPECT_THAT(r.out, HasSubstr("mnt:[" + std::to_string(ns_inode(std::to_string(init), "mnt")) + "]"));
    EXPECT_THAT(r.out, HasSubstr("net:[" + std::to_string(ns_inode(std::to_string(init), "net")) + "]"));
}

TEST_F(ExecTest, SeesTheContainersProcessesAndRoot) {
    Running t;
    write_text(t.c.rootfs() / "marker", "in-root");
    auto r = t.exec({t.c.id(), "sh", "-c", "cat /marker; echo; ps -o pid,comm | grep -c sleep"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "in-root\n1\n");
}

TEST_F(ExecTest, UserEnvCwdAndCapabilities) {
    Running t;
    auto r = t.exec({"--user", "1000:1001", "--additional-gids", "2000", "--env", "FOO=bar", "--cwd", "/tmp", t.c.id(),
                     "sh", "-c", "id -u; id -g; id -G; echo $FOO; pwd; grep CapEff /proc/self/status"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("1000\n1001\n1001 2000\nbar\n/tmp\nCapEff:\t0000000000000000\n"));
}

TEST_F(ExecTest, IsInTheContainersCgroup) {
    Running t;
    auto r = t.exec({t.c.id(), "cat", "/proc/self/cgroup"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("/brig-test/" + t.c.id()));
}

TEST_F(ExecTest, DetachWithPidFile) {
    Running t;
    fs::path pidfile = t.c.dir() / "exec.pid";
    auto r = t.exec({"--detach", "--pid-file", pidfile.string(), t.c.id(), "sleep", "1000"});
    ASSERT_TRUE(r.ok()) << r;
    int pid = std::stoi(read_text(pidfile));
    EXPECT_TRUE(fs::exists("/proc/" + std::to_string(pid)));
    EXPECT_EQ(ns_inode(std::to_string(pid), "pid"), ns_inode(std::to_string(t.c.state_json()["pid"].get<int>()), "pid"));
}

TEST_F(ExecTest, ProcessJson) {
    Running t;
    json proc = {{"args", {"sh", "-c", "echo from-process-json $X; pwd"}}, {"cwd", "/etc"}, {"env", {"X=1", "PATH=/bin"}},
                 {"user", {{"uid", 0}, {"gid", 0}}}};
    write_text(t.c.dir() / "process.json", proc.dump());
    auto r = t.exec({"--process", (t.c.dir() / "process.json").string(), t.c.id()});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "from-process-json 1\n/etc\n");
}

TEST_F(ExecTest, TtyOverTheConsoleSocket) {
    Running t;
    ConsoleListener listener(t.c.dir() / "exec-console.sock");
    auto r = t.exec({"--tty", "--detach", "--console-socket", (t.c.dir() / "exec-console.sock").string(), t.c.id(),
                     "sh", "-c", "tty; echo tty-ok"});
    ASSERT_TRUE(r.ok()) << r;
    int master = listener.receive();
    ASSERT_GE(master, 0);
    std::string out = read_until_eof(master, 5s);
    EXPECT_THAT(out, HasSubstr("/dev/pts/"));
    EXPECT_THAT(out, HasSubstr("tty-ok"));
}

TEST_F(ExecTest, MissingExecutableAndStoppedContainerFailClearly) {
    Running t;
    auto r = t.exec({t.c.id(), "no-such-binary"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("no-such-binary"));
    ASSERT_TRUE(t.c.kill(t.c.id(), "KILL").ok());
    t.c.wait_status(t.c.id(), "stopped");
    r = t.exec({t.c.id(), "true"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("stopped"));
}

}  // namespace
}  // namespace brig::it

namespace brig::it {
namespace {

class SystemdTest : public RuntimeTest {};

TEST_F(SystemdTest, NotifySocketReadyReachesTheCallerAfterStart) {
    if (runtime_is_runc()) GTEST_SKIP() << "checked against brig-oci's own forwarding";
    Container c;
    // The caller's socket: a datagram socket in the test's dir.
    fs::path host = c.dir() / "host-notify.sock";
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, host.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    c.set_args({"/usr/bin/brig-inspect", "sleep", "300", "--", "notify", "READY=1", "--", "sleep", "100000"});
    ProcOptions env;
    env.env = {"NOTIFY_SOCKET=" + host.string()};
    c.write_config(c.id());
    auto created = c.runtime({"create", "--bundle", c.bundle().string(), c.id()}, env);
    ASSERT_TRUE(created.ok()) << created;
    auto t0 = std::chrono::steady_clock::now();
    auto started = c.runtime({"start", c.id()}, env);
    auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(started.ok()) << started;
    EXPECT_GE(took, 250ms) << "start returned before the container said READY=1";
    char buf[256] = {};
    ssize_t n = ::recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    ::close(fd);
    ASSERT_GT(n, 0) << "nothing arrived on NOTIFY_SOCKET";
    std::string msg(buf, static_cast<size_t>(n));
    EXPECT_THAT(msg, HasSubstr("READY=1"));
    EXPECT_THAT(msg, HasSubstr("MAINPID=" + std::to_string(c.state_json()["pid"].get<int>())));
}

TEST_F(SystemdTest, ListenFdsArePassedOn) {
    Container c;
    // A listening socket at fd 3 in a wrapper shell, LISTEN_PID naming the runtime (exec keeps the pid).
    c.set_args({"sh", "-c", "echo LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID; readlink /proc/self/fd/3"});
    c.write_config(c.id());
    std::string cmd = "exec 3<>" + (c.dir() / "listen.fifo").string() + "; LISTEN_FDS=1 LISTEN_PID=$$ exec " +
                      runtime_path() + " --root " + c.state_root().string() + " run --bundle " + c.bundle().string() +
                      " " + c.id();
    ASSERT_TRUE(run_process({"mkfifo", (c.dir() / "listen.fifo").string()}).ok());
    auto r = run_process({"sh", "-c", cmd});
    ASSERT_TRUE(r.ok()) << r;
    if (runtime_is_runc() && r.out.find("LISTEN_FDS=1") == std::string::npos)
        GTEST_SKIP() << "runc checks LISTEN_PID differently";
    EXPECT_THAT(r.out, HasSubstr("LISTEN_FDS=1 LISTEN_PID=1"));
    EXPECT_THAT(r.out, HasSubstr("listen.fifo"));
}

}  // namespace
}  // namespace brig::it

namespace brig::it {
namespace {

TEST_F(SpecExtrasTest, IoPriorityAndScheduler) {
    Container c;
    c.config()["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_IDLE"}, {"priority", 0}};
    c.config()["process"]["scheduler"] = {{"policy", "SCHED_BATCH"}, {"nice", 5}};
    auto res = c.inspect_ops({{"ioprio"}, {"read", "/proc/self/stat"}});
    ASSERT_EQ(res[0].value("ok", false), true) << res[0];
    EXPECT_EQ(res[0]["class"], 3) << "IOPRIO_CLASS_IDLE";
    std::string stat = res[1]["data"];
    // Fields after the command name: state is field 3; nice is 19, policy is 41.
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::vector<std::string> f{"", "", ""};
    for (std::string x; in >> x;) f.push_back(x);
    ASSERT_GT(f.size(), 41u);
    EXPECT_EQ(f[19], "5") << "nice";
    EXPECT_EQ(f[41], "3") << "SCHED_BATCH";
}

TEST_F(SpecExtrasTest, SystemdCgroupIsRefusedWithoutSystemd) {
    if (fs::exists("/run/systemd/system")) GTEST_SKIP() << "systemd runs on this machine";
    Container c;
    c.write_config(c.id());
    auto r = c.runtime_with({"--systemd-cgroup"}, {"run", "--bundle", c.bundle().string(), c.id()});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("systemd"));
    c.expect_nothing_left(c.id());
}

}  // namespace
}  // namespace brig::it

namespace brig::it {
namespace {

class RootlessTest : public RuntimeTest {};

TEST_F(RootlessTest, UnprivilegedUserRunsAContainer) {
    if (runtime_is_runc()) GTEST_SKIP() << "exercised with brig-oci";
    const std::string uid = "54321";
    auto as_user = [&](std::vector<std::string> argv) {
        std::vector<std::string> full{"setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"};
        full.insert(full.end(), argv.begin(), argv.end());
        return full;
    };
    Container c;
    // The user's own bundle and state root.
    fs::path state = c.dir() / "user-state";
    fs::create_directories(state);
    ASSERT_TRUE(run_process({"chown", "-R", uid + ":" + uid, c.bundle().string(), state.string()}).ok());
    fs::remove(c.bundle() / "config.json");
    auto spec = run_process(as_user({runtime_path(), "spec", "--rootless", "--bundle", c.bundle().string()}));
    ASSERT_TRUE(spec.ok()) << spec;
    json cfg = json::parse(read_text(c.bundle() / "config.json"));
    EXPECT_EQ(cfg["linux"]["uidMappings"][0]["hostID"], std::stoi(uid));
    cfg["process"]["terminal"] = false;
    cfg["process"]["args"] = {"sh", "-c", "id -u; cat /proc/self/uid_map"};
    write_text(c.bundle() / "config.json", cfg.dump());
    auto r = run_process(as_user({runtime_path(), "--root", state.string(), "run", "--bundle", c.bundle().string(),
                                  "rootless1"}));
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("0\n"));
    EXPECT_THAT(r.out, HasSubstr("0      " + uid));
    EXPECT_TRUE(fs::is_empty(state)) << "state left behind";

    // What needs privileges fails clearly: a memory limit without a delegated cgroup.
    cfg["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}}}};
    cfg["linux"]["cgroupsPath"] = "/brig-test/rootless2";
    write_text(c.bundle() / "config.json", cfg.dump());
    r = run_process(as_user({runtime_path(), "--root", state.string(), "run", "--bundle", c.bundle().string(),
                             "rootless2"}));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("delegated"));
    EXPECT_TRUE(fs::is_empty(state)) << "state left behind";
}

}  // namespace
}  // namespace brig::it

namespace brig::it {
namespace {

TEST_F(SpecExtrasTest, RecvttyToolReceivesTheTerminal) {
    Container c;
    c.config()["process"]["terminal"] = true;
    c.set_args({"sh", "-c", "echo hello-over-recvtty; tty"});
    fs::path sock = c.dir() / "recvtty.sock";
    Child recv({BRIG_IT_RECVTTY, "--no-stdin", sock.string()});
    ASSERT_TRUE(wait_until([&] { return fs::exists(sock); })) << "brig-recvtty did not listen";
    c.write_config(c.id());
    auto created = c.runtime({"create", "--bundle", c.bundle().string(), "--console-socket", sock.string(), c.id()});
    ASSERT_TRUE(created.ok()) << created;
    ASSERT_TRUE(c.start().ok());
    auto out = recv.wait(5s);
    ASSERT_TRUE(out.has_value()) << "brig-recvtty did not finish";
    EXPECT_THAT(out->out, HasSubstr("hello-over-recvtty"));
    EXPECT_THAT(out->out, HasSubstr("/dev/pts/0"));
}

TEST_F(SpecExtrasTest, PreservedFdsAreReadableInside) {
    Container c;
    write_text(c.dir() / "passed.txt", "through fd 3 and 4");
    c.set_args({"sh", "-c", "cat <&3; echo; cat <&4; ls /proc/self/fd"});
    c.write_config(c.id());
    std::string cmd = "exec 3<" + (c.dir() / "passed.txt").string() + " 4<" + (c.dir() / "passed.txt").string() +
                      "; exec " + runtime_path() + " --root " + c.state_root().string() + " run --preserve-fds 2 --bundle " +
                      c.bundle().string() + " " + c.id();
    auto r = run_process({"sh", "-c", cmd});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("through fd 3 and 4\nthrough fd 3 and 4"));
    // Nothing beyond stdio, the two preserved fds and ls's own directory fd.
    EXPECT_THAT(r.out, HasSubstr("0\n1\n2\n3\n4\n5\n"));
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("\n6\n")));
}

TEST_F(ExecTest, InteractiveTtyWithWindowSize) {
    Running t;
    json proc = {{"args", {"sh"}}, {"cwd", "/"}, {"terminal", true}, {"consoleSize", {{"height", 25}, {"width", 90}}},
                 {"env", {"PATH=/bin:/usr/bin", "TERM=dumb"}}, {"user", {{"uid", 0}, {"gid", 0}}}};
    write_text(t.c.dir() / "tty-process.json", proc.dump());
    ConsoleListener listener(t.c.dir() / "tty.sock");
    auto r = t.exec({"--process", (t.c.dir() / "tty-process.json").string(), "--detach", "--console-socket",
                     (t.c.dir() / "tty.sock").string(), t.c.id()});
    ASSERT_TRUE(r.ok()) << r;
    int master = listener.receive();
    ASSERT_GE(master, 0);
    std::string cmd = "stty size; echo sum=$((40+2)); exit\n";
    ASSERT_EQ(::write(master, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
    std::string out = read_until_eof(master, 5s);
    EXPECT_THAT(out, HasSubstr("25 90"));
    EXPECT_THAT(out, HasSubstr("sum=42"));
}

TEST_F(HooksTest, HooksRunInTheNamespacesTheSpecSays) {
    Container c;
    fs::path log = c.add_bind("/hooklog", "hooklog", {"rbind", "rw"}) / "ns";
    auto ns_hook = [&](const std::string& name) {
        return json{{"path", "/bin/sh"},
                    {"args", {"sh", "-c", "echo " + name + " $(readlink /proc/self/ns/net) >> " + log.string()}}};
    };
    c.config()["hooks"] = {{"createRuntime", {ns_hook("createRuntime")}},
                           {"createContainer", {ns_hook("createContainer")}},
                           {"poststart", {ns_hook("poststart")}}};
    c.set_args({"sh", "-c", "readlink /proc/self/ns/net > /hooklog/container"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    std::string container = read_text(log.parent_path() / "container");
    std::string host = "net:[" + std::to_string(ns_inode("self", "net")) + "]";
    std::string text = read_text(log);
    EXPECT_THAT(text, HasSubstr("createRuntime " + host));
    EXPECT_THAT(text, HasSubstr("poststart " + host));
    EXPECT_THAT(text, HasSubstr("createContainer " + container.substr(0, container.size() - 1)));
    EXPECT_THAT(container, ::testing::Not(HasSubstr(host)));
}

}  // namespace
}  // namespace brig::it
