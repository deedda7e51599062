// linux.seccomp: denied syscalls get the configured errno, killed ones kill, conditions
// match arguments, a notify listener receives the fd and answers, and exec'd processes
// are filtered too.
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include <gmock/gmock.h>

#include "harness.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

class SeccompTest : public RuntimeTest {};

json rule(std::vector<std::string> names, const std::string& action, json extra = json::object()) {
    json r = {{"names", names}, {"action", action}};
    for (auto& [k, v] : extra.items()) r[k] = v;
    return r;
}

TEST_F(SeccompTest, DeniedSyscallReturnsTheConfiguredErrno) {
    Container c;
    c.config()["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls", json::array({rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", {{"errnoRet", 38}})})}};
    c.set_args({"sh", "-c", "mkdir /tmp/x; echo status=$?"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.err, HasSubstr("Function not implemented"));  // ENOSYS = 38
    EXPECT_THAT(r.out, HasSubstr("status=1"));
}

TEST_F(SeccompTest, KilledSyscallKillsTheProcess) {
    Container c;
    c.config()["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                      {"syscalls", json::array({rule({"uname"}, "SCMP_ACT_KILL_PROCESS")})}};
    // busybox runs the uname applet in the shell's own process: the container's init dies.
    c.set_args({"sh", "-c", "uname; echo status=$?"});
    auto r = c.run();
    EXPECT_EQ(r.exit_code, 159) << r;  // 128 + SIGSYS
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("status=")));
}

TEST_F(SeccompTest, ArgumentConditions) {
    Container c;
    // personality(0xffffffff) (a query) is allowed; personality(PER_LINUX32) is denied.
    c.config()["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls", json::array({rule({"personality"}, "SCMP_ACT_ERRNO",
                                       {{"errnoRet", 1}, {"args", json::array({{{"index", 0}, {"value", 8}, {"op", "SCMP_CMP_EQ"}}})}})})}};
    c.set_args({"sh", "-c", "uname -m; setarch linux32 uname -m 2>&1 || echo denied"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("x86_64\n"));
    EXPECT_THAT(r.out, HasSubstr("denied"));
}

TEST_F(SeccompTest, DefaultErrnoAndUnknownSyscallNames) {
    Container c;
    // Everything not listed fails with EPERM; a name libseccomp does not know is skipped.
    json allow = rule({}, "SCMP_ACT_ALLOW");
    c.config()["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", 1}};
    c.config()["linux"]["seccomp"]["syscalls"] = json::array();
    // A generous allow list for busybox sh + cat, minus openat's sibling "mkdir*".
    std::vector<std::string> names = {"read", "write", "openat", "open", "close", "fstat", "newfstatat", "stat", "lstat",
                                      "execve", "exit", "exit_group", "brk", "mmap", "munmap", "mprotect", "arch_prctl",
                                      "set_tid_address", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "getpid",
                                      "getppid", "getuid", "geteuid", "getgid", "getegid", "ioctl", "fcntl", "dup2",
                                      "dup3", "wait4", "fork", "vfork", "clone", "clone3", "getcwd", "chdir", "uname",
                                      "prlimit64", "getrandom", "poll", "lseek", "readlink", "access", "faccessat",
                                      "faccessat2", "statx", "sigaltstack", "set_robust_list", "rseq", "pipe", "pipe2",
                                      "getdents64", "futex", "not_a_real_syscall_brig",
                                      // what the runtime itself still calls after loading the filter
                                      // (a container engine's profile allows these too)
                                      "capset", "capget", "prctl", "setgroups", "setresuid", "setresgid",
                                      "close_range", "sendmsg", "sched_setaffinity", "set_mempolicy"};
    c.config()["linux"]["seccomp"]["syscalls"].push_back(rule(names, "SCMP_ACT_ALLOW"));
    c.set_args({"sh", "-c", "cat /etc/hostname >/dev/null && echo read-ok; mkdir /tmp/y || echo mkdir-denied"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("read-ok"));
    EXPECT_THAT(r.out, HasSubstr("mkdir-denied"));
    EXPECT_THAT(r.err, HasSubstr("Operation not permitted"));
}

TEST_F(SeccompTest, AFilterThatStopsTheRuntimeIsExplained) {
    if (runtime_is_runc()) GTEST_SKIP() << "brig-oci's own message";
    Container c;
    // Kills on close_range, which the runtime calls after loading the filter (its fd sweep).
    c.config()["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                      {"syscalls", json::array({rule({"close_range"}, "SCMP_ACT_KILL_PROCESS")})}};
    auto r = c.run();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("killed by signal 31"));
    EXPECT_THAT(r.err, HasSubstr("linux.seccomp"));
    c.expect_nothing_left(c.id());
}

TEST_F(SeccompTest, BadSeccompConfigFailsBeforeAnythingRuns) {
    Container c;
    c.config()["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                      {"architectures", json::array({"SCMP_ARCH_NOPE"})}};
    auto r = c.run();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("linux.seccomp"));
    c.expect_nothing_left(c.id());
}

TEST_F(SeccompTest, ExecProcessesAreFilteredToo) {
    if (runtime_is_runc()) GTEST_SKIP() << "same behaviour expected; checked with brig-oci";
    Container c;
    c.config()["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls", json::array({rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", {{"errnoRet", 38}})})}};
    c.set_args({"sleep", "1000"});
    ASSERT_TRUE(c.run({"--detach"}).ok());
    auto r = c.runtime({"exec", c.id(), "sh", "-c", "mkdir /tmp/z; echo status=$?"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.err, HasSubstr("Function not implemented"));
}

TEST_F(SeccompTest, NotifyListenerReceivesTheFdAndAnswers) {
    Container c;
    fs::path sock = c.dir() / "seccomp.sock";
    int lfd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(lfd, 1), 0);
    c.config()["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                      {"listenerPath", sock.string()},
                                      {"listenerMetadata", "brig-test-metadata"},
                                      {"syscalls", json::array({rule({"mkdir", "mkdirat"}, "SCMP_ACT_NOTIFY")})}};
    c.set_args({"sh", "-c", "mkdir /tmp/n; echo status=$?"});
    c.write_config(c.id());

    // The listener: take the fd and the state, then answer every notification with EACCES.
    std::string state;
    int answered = 0;
    std::thread listener([&] {
        pollfd p{lfd, POLLIN, 0};
        if (::poll(&p, 1, 10000) != 1) return;
        int conn = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
        char buf[65536];
        iovec iov{buf, sizeof buf};
        alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctrl;
        msg.msg_controllen = sizeof ctrl;
        ssize_t n = ::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        int nfd = -1;
        if (n > 0) {
            state.assign(buf, static_cast<size_t>(n));
            if (cmsghdr* cm = CMSG_FIRSTHDR(&msg)) std::memcpy(&nfd, CMSG_DATA(cm), sizeof nfd);
        }
        ::close(conn);
        if (nfd < 0) return;
        for (;;) {
            pollfd q{nfd, POLLIN, 0};
            if (::poll(&q, 1, 5000) != 1 || (q.revents & POLLHUP)) break;
            seccomp_notif req{};
            if (::ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) break;
            seccomp_notif_resp resp{};
            resp.id = req.id;
            resp.error = -EACCES;
            if (::ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0) ++answered;
        }
        ::close(nfd);
    });
    auto r = c.runtime({"run", "--bundle", c.bundle().string(), c.id()});
    listener.join();
    ::close(lfd);
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.err, HasSubstr("Permission denied"));
    EXPECT_GE(answered, 1);
    EXPECT_THAT(state, HasSubstr("seccompFd"));
    EXPECT_THAT(state, HasSubstr("brig-test-metadata"));
    EXPECT_THAT(state, HasSubstr(c.id()));
}

}  // namespace
}  // namespace brig::it
