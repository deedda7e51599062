// linux.seccomp: building filters from config (errors name the JSON path), then real
// enforcement in forked children (each sets no_new_privs and loads the filter; the test
// process itself is never filtered), user notification and the seccomp agent hand-off.
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "linux/caps.hpp"
#include "linux/fdpass.hpp"
#include "linux/seccomp.hpp"

namespace brig::seccomp {
namespace {

oci::Seccomp profile(std::string default_action, std::optional<uint32_t> default_errno = {}) {
    oci::Seccomp s;
    s.defaultAction = std::move(default_action);
    s.defaultErrnoRet = default_errno;
    return s;
}

oci::SeccompSyscall rule(std::vector<std::string> names, std::string action, std::optional<uint32_t> errno_ret = {},
                         std::vector<oci::SeccompArg> args = {}) {
    oci::SeccompSyscall sc;
    sc.names = std::move(names);
    sc.action = std::move(action);
    sc.errnoRet = errno_ret;
    sc.args = std::move(args);
    return sc;
}

oci::SeccompArg arg(uint32_t index, std::string op, uint64_t value, uint64_t value_two = 0) {
    oci::SeccompArg a;
    a.index = index;
    a.op = std::move(op);
    a.value = value;
    a.valueTwo = value_two;
    return a;
}

// The error text of a failed build ("" if it succeeded).
std::string build_error(const oci::Seccomp& s) {
    auto f = SeccompFilter::build(s);
    return f ? std::string() : f.error().what();
}

std::string pfc_of(const SeccompFilter& f) {
    auto text = f.pfc();
    return text ? *text : "pfc failed: " + text.error().what();
}

// A freshly forked child: no core dumps (SIGSYS dumps core by default), a watchdog.
void child_prologue() {
    ::alarm(20);
    rlimit none{0, 0};
    ::setrlimit(RLIMIT_CORE, &none);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

// Fork; the child sets no_new_privs, loads `f` and exits with body()'s result.
// Returns the wait status. Codes 100+ are the harness's own failures.
int run_filtered(const SeccompFilter& f, const std::function<int()>& body) {
    pid_t pid = ::fork();
    if (pid == 0) {
        child_prologue();
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) ::_exit(100);
        bool has_listener = true;
        auto fd = f.load(has_listener);
        if (!fd) ::_exit(101);
        if (has_listener || *fd) ::_exit(102);
        int rc = body();
        // exit_group directly: a sanitizer's no-return hook before _exit would make system
        // calls (sigaltstack, mmap) that an allow-list filter refuses.
        ::syscall(SYS_exit_group, rc);
        ::_exit(rc);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

::testing::AssertionResult exited_with(int status, int code) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == code) return ::testing::AssertionSuccess();
    if (WIFEXITED(status)) return ::testing::AssertionFailure() << "child exited with " << WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return ::testing::AssertionFailure() << "child killed by signal " << WTERMSIG(status);
    return ::testing::AssertionFailure() << "child status " << status;
}

bool failed_with(long rc, int err) { return rc == -1 && errno == err; }

// ---------------------------------------------------------------- building

TEST(SeccompBuild, MinimalAllowProfile) {
    auto f = SeccompFilter::build(profile("SCMP_ACT_ALLOW"));
    ASSERT_TRUE(f) << f.error().what();
    EXPECT_GT(f->instructions(), 0u);
    EXPECT_FALSE(f->has_listener());
    EXPECT_EQ(f->load_flags(), 0u);
    EXPECT_TRUE(f->skipped_syscalls().empty());
    SeccompFilter moved = std::move(*f);  // move-only RAII
    EXPECT_GT(moved.instructions(), 0u);
    EXPECT_NE(pfc_of(moved).find("ALLOW"), std::string::npos);
}

TEST(SeccompBuild, ErrorsNameTheJsonPath) {
    EXPECT_NE(build_error(profile("")).find("linux.seccomp.defaultAction: is required"), std::string::npos);
    EXPECT_NE(build_error(profile("SCMP_ACT_FOO")).find("linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\""),
              std::string::npos);
    EXPECT_NE(build_error(profile("SCMP_ACT_ALLOW", 1)).find("linux.seccomp.defaultErrnoRet"), std::string::npos);
    EXPECT_NE(build_error(profile("SCMP_ACT_ERRNO", 5000)).find("linux.seccomp.defaultErrnoRet: 5000 is out of range"),
              std::string::npos);

    auto s = profile("SCMP_ACT_ALLOW");
    s.architectures = {"SCMP_ARCH_X86", "SCMP_ARCH_VAX"};
    EXPECT_NE(build_error(s).find("linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\""),
              std::string::npos);

    s = profile("SCMP_ACT_ALLOW");
    s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS"};
    EXPECT_NE(build_error(s).find("linux.seccomp.flags[1]: unknown flag"), std::string::npos);

    s = profile("SCMP_ACT_ALLOW");
    s.syscalls = {rule({"getcwd"}, "SCMP_ACT_ERRNO"), rule({"uname"}, "SCMP_ACT_BOGUS")};
    EXPECT_NE(build_error(s).find("linux.seccomp.syscalls[1].action: unknown action"), std::string::npos);

    s.syscalls = {rule({"getcwd"}, "SCMP_ACT_KILL", 1)};
    EXPECT_NE(build_error(s).find("linux.seccomp.syscalls[0].errnoRet: is only valid with SCMP_ACT_ERRNO"),
              std::string::npos);

    s.syscalls = {rule({}, "SCMP_ACT_ERRNO")};
    EXPECT_NE(build_error(s).find("linux.seccomp.syscalls[0].names: must contain"), std::string::npos);

    s.syscalls = {rule({"getcwd", ""}, "SCMP_ACT_ERRNO")};
    EXPECT_NE(build_error(s).find("linux.seccomp.syscalls[0].names[1]: must not be empty"), std::string::npos);

    s.syscalls = {rule({"getcwd"}, "SCMP_ACT_ERRNO", {}, {arg(0, "SCMP_CMP_EQ", 1), arg(1, "SCMP_CMP_ALMOST", 2)})};
    EXPECT_NE(build_error(s).find("linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_ALMOST\""),
              std::string::npos);

    s.syscalls = {rule({"getcwd"}, "SCMP_ACT_ERRNO", {}, {arg(6, "SCMP_CMP_EQ", 1)})};
    EXPECT_NE(build_error(s).find("linux.seccomp.syscalls[0].args[0].index: 6 is out of range"), std::string::npos);

    s.syscalls = {rule({"getcwd"}, "SCMP_ACT_ERRNO", 70000)};
    EXPECT_NE(build_error(s).find("linux.seccomp.syscalls[0].errnoRet: 70000 is out of range"), std::string::npos);
}

TEST(SeccompBuild, NotifyRules) {
    EXPECT_NE(build_error(profile("SCMP_ACT_NOTIFY")).find("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be"),
              std::string::npos);

    auto s = profile("SCMP_ACT_ALLOW");
    s.syscalls = {rule({"uname"}, "SCMP_ACT_NOTIFY")};
    EXPECT_NE(build_error(s).find("linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath"),
              std::string::npos);

    s.listenerPath = "/run/agent.sock";
    s.syscalls = {rule({"uname"}, "SCMP_ACT_ERRNO"), rule({"read", "write"}, "SCMP_ACT_NOTIFY")};
    EXPECT_NE(build_error(s).find("linux.seccomp.syscalls[1].action: SCMP_ACT_NOTIFY cannot be used for \"write\""),
              std::string::npos);

    s.syscalls = {rule({"uname"}, "SCMP_ACT_NOTIFY")};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    EXPECT_TRUE(f->has_listener());
    EXPECT_EQ(f->load_flags(), SECCOMP_FILTER_FLAG_NEW_LISTENER);

    // All notify names unknown: no notify rule, so no listener.
    s.syscalls = {rule({"no_such_syscall_for_brig"}, "SCMP_ACT_NOTIFY")};
    f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    EXPECT_FALSE(f->has_listener());
}

TEST(SeccompBuild, UnknownSyscallIsSkipped) {
    auto s = profile("SCMP_ACT_ALLOW");
    s.syscalls = {rule({"no_such_syscall_for_brig", "getcwd", "another_fake_call"}, "SCMP_ACT_ERRNO")};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    EXPECT_EQ(f->skipped_syscalls(), (std::vector<std::string>{"no_such_syscall_for_brig", "another_fake_call"}));
    auto text = pfc_of(*f);
    EXPECT_NE(text.find("getcwd"), std::string::npos) << text;
    EXPECT_EQ(text.find("no_such_syscall"), std::string::npos) << text;
}

TEST(SeccompBuild, RuleEqualToDefaultIsSkipped) {
    auto s = profile("SCMP_ACT_ERRNO");  // default errno EPERM
    s.syscalls = {rule({"getcwd"}, "SCMP_ACT_ERRNO"),           // ERRNO(EPERM) == default: skipped
                  rule({"uname"}, "SCMP_ACT_ERRNO", EPERM),     // same, spelled out
                  rule({"getppid"}, "SCMP_ACT_ERRNO", ENOSYS),  // differs: kept
                  rule({"exit_group", "exit"}, "SCMP_ACT_ALLOW")};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    auto text = pfc_of(*f);
    EXPECT_EQ(text.find("getcwd"), std::string::npos) << text;
    EXPECT_EQ(text.find("uname"), std::string::npos) << text;
    EXPECT_NE(text.find("getppid"), std::string::npos) << text;
    EXPECT_NE(text.find("exit_group"), std::string::npos) << text;

    // KILL and KILL_THREAD are the same action.
    s = profile("SCMP_ACT_KILL");
    s.syscalls = {rule({"getcwd"}, "SCMP_ACT_KILL_THREAD"), rule({"uname"}, "SCMP_ACT_ALLOW")};
    f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    EXPECT_EQ(pfc_of(*f).find("getcwd"), std::string::npos);
}

TEST(SeccompBuild, ArchitecturesAndFlags) {
    auto s = profile("SCMP_ACT_ERRNO", ENOSYS);
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};  // native repeated: fine
    s.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
    // socketcall and ipc exist only on some of these arches (pseudo-syscalls elsewhere).
    s.syscalls = {rule({"read", "write", "socketcall", "ipc", "exit_group"}, "SCMP_ACT_ALLOW")};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    EXPECT_EQ(f->load_flags(), SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
    auto text = pfc_of(*f);
    EXPECT_NE(text.find("filter for arch x86 "), std::string::npos) << text;
    EXPECT_NE(text.find("filter for arch x32 "), std::string::npos) << text;
    EXPECT_NE(text.find("filter for arch x86_64 "), std::string::npos) << text;
}

bool kernel_has_wait_killable_recv();

TEST(SeccompBuild, WaitKillableRecvNeedsAListener) {
    if (!kernel_has_wait_killable_recv()) GTEST_SKIP() << "needs Linux 5.19";
    auto s = profile("SCMP_ACT_ALLOW");
    s.listenerPath = "/run/agent.sock";
    s.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC"};
    s.syscalls = {rule({"uname"}, "SCMP_ACT_NOTIFY")};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    EXPECT_EQ(f->load_flags(), SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_TSYNC |
                                   SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH);

    s.syscalls = {rule({"uname"}, "SCMP_ACT_ERRNO")};  // no notify rule: the flag means nothing
    f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    EXPECT_EQ(f->load_flags(), SECCOMP_FILTER_FLAG_TSYNC);
}

TEST(SeccompBuild, AllActionsAndOperators) {
    auto s = profile("SCMP_ACT_ALLOW");
    s.listenerPath = "/run/agent.sock";
    s.syscalls = {
        rule({"getcwd"}, "SCMP_ACT_KILL"),
        rule({"getppid"}, "SCMP_ACT_KILL_PROCESS"),
        rule({"getpgrp"}, "SCMP_ACT_KILL_THREAD"),
        rule({"getsid"}, "SCMP_ACT_TRAP"),
        rule({"getuid"}, "SCMP_ACT_ERRNO", 38),
        rule({"getgid"}, "SCMP_ACT_TRACE", 7),
        rule({"geteuid"}, "SCMP_ACT_LOG"),
        rule({"getegid"}, "SCMP_ACT_NOTIFY"),
        rule({"lseek"}, "SCMP_ACT_ERRNO", {},
             {arg(0, "SCMP_CMP_NE", 1), arg(1, "SCMP_CMP_LT", 2), arg(2, "SCMP_CMP_LE", 3)}),
        rule({"pread64"}, "SCMP_ACT_ERRNO", {},
             {arg(0, "SCMP_CMP_EQ", 1), arg(1, "SCMP_CMP_GE", 2), arg(2, "SCMP_CMP_GT", 3),
              arg(3, "SCMP_CMP_MASKED_EQ", 0xf0, 0x10)}),
    };
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    EXPECT_TRUE(f->has_listener());
    auto text = pfc_of(*f);
    for (const char* want : {"KILL;", "KILL_PROCESS;", "TRAP;", "ERRNO(38);", "TRACE(7);", "LOG;", "ERRNO(1);"})
        EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
    // libseccomp 2.5's dump has no name for NOTIFY and prints the raw action.
    EXPECT_TRUE(text.find("NOTIFY;") != std::string::npos || text.find("0x7fc00000;") != std::string::npos) << text;
    EXPECT_NE(text.find("& 0x000000f0 == 16"), std::string::npos) << text;  // MASKED_EQ: value = mask, valueTwo
}

TEST(SeccompBuild, LongProfilesAreOptimized) {
    auto s = profile("SCMP_ACT_ERRNO");
    std::vector<std::string> names;
    for (const char* n : {"read", "write", "open", "close", "stat", "fstat", "lstat", "poll", "lseek", "mmap",
                          "mprotect", "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl",
                          "pread64", "pwrite64", "readv", "writev", "access", "pipe", "select", "sched_yield",
                          "mremap", "msync", "mincore", "madvise", "dup", "dup2", "pause", "nanosleep", "getpid",
                          "exit_group", "futex_waitv", "a_call_from_the_future"})
        names.push_back(n);
    s.syscalls = {rule(names, "SCMP_ACT_ALLOW")};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    EXPECT_EQ(f->skipped_syscalls(), std::vector<std::string>{"a_call_from_the_future"});
}

TEST(SeccompBuild, ContainerProcessStateJson) {
    std::string state = R"({"ociVersion":"1.3.0","id":"c1","status":"creating","pid":4422,"bundle":"/b"})";
    auto text = container_process_state_json("MKNOD=/dev/null;\"q\"", 4422, state);
    auto j = nlohmann::json::parse(text);
    EXPECT_EQ(j["ociVersion"], oci::kSpecVersion);
    EXPECT_EQ(j["fds"], nlohmann::json::array({"seccompFd"}));
    EXPECT_EQ(j["pid"], 4422);
    EXPECT_EQ(j["metadata"], "MKNOD=/dev/null;\"q\"");
    EXPECT_EQ(j["state"]["id"], "c1");
    EXPECT_EQ(j["state"]["status"], "creating");

    auto bare = nlohmann::json::parse(container_process_state_json("", 7, state));
    EXPECT_FALSE(bare.contains("metadata"));
    EXPECT_EQ(bare["pid"], 7);
}

TEST(SeccompBuild, SendToListenerErrorsNameThePath) {
    auto r = send_to_listener("/nonexistent/brig-agent.sock", 0, "{}");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().errnum, ENOENT);
    EXPECT_NE(r.error().what().find("linux.seccomp.listenerPath \"/nonexistent/brig-agent.sock\""), std::string::npos);
    r = send_to_listener("/" + std::string(200, 'x'), 0, "{}");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("longer than a unix socket address allows"), std::string::npos);
}

// ---------------------------------------------------------------- enforcement

TEST(SeccompEnforce, ErrnoRules) {
    auto s = profile("SCMP_ACT_ALLOW");
    s.syscalls = {rule({"getcwd"}, "SCMP_ACT_ERRNO", ENOSYS), rule({"uname"}, "SCMP_ACT_ERRNO"),
                  rule({"getppid"}, "SCMP_ACT_ERRNO", 0)};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    int status = run_filtered(*f, [] {
        char buf[256];
        if (!failed_with(::syscall(SYS_getcwd, buf, sizeof buf), ENOSYS)) return 1;
        utsname u;
        if (!failed_with(::syscall(SYS_uname, &u), EPERM)) return 2;  // errnoRet defaults to EPERM
        if (::syscall(SYS_getppid) != 0) return 3;                   // errnoRet 0: "succeeds", returns 0
        if (::syscall(SYS_getpid) <= 0) return 4;                    // untouched
        return 0;
    });
    EXPECT_TRUE(exited_with(status, 0));
}

TEST(SeccompEnforce, KillProcessKillsWithSigsys) {
    auto s = profile("SCMP_ACT_ALLOW");
    s.syscalls = {rule({"getcwd"}, "SCMP_ACT_KILL_PROCESS")};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    int status = run_filtered(*f, [] {
        char buf[256];
        ::syscall(SYS_getcwd, buf, sizeof buf);
        return 1;  // not reached
    });
    ASSERT_TRUE(WIFSIGNALED(status)) << status;
    EXPECT_EQ(WTERMSIG(status), SIGSYS);
}

TEST(SeccompEnforce, DefaultErrnoWithAllowList) {
    auto s = profile("SCMP_ACT_ERRNO", EXDEV);
    s.syscalls = {rule({"exit_group", "exit", "uname"}, "SCMP_ACT_ALLOW")};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    int status = run_filtered(*f, [] {
        utsname u;
        if (::syscall(SYS_uname, &u) != 0) return 1;
        if (!failed_with(::syscall(SYS_getppid), EXDEV)) return 2;
        if (!failed_with(::syscall(SYS_getpid), EXDEV)) return 3;
        return 0;
    });
    EXPECT_TRUE(exited_with(status, 0));
}

TEST(SeccompEnforce, ArgumentEqual) {
    // Docker's rule, inverted: personality is refused only for the query value 0xffffffff.
    auto s = profile("SCMP_ACT_ALLOW");
    s.syscalls = {rule({"personality"}, "SCMP_ACT_ERRNO", EACCES, {arg(0, "SCMP_CMP_EQ", 0xffffffff)})};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    int status = run_filtered(*f, [] {
        if (!failed_with(::syscall(SYS_personality, 0xffffffffUL), EACCES)) return 1;
        if (::syscall(SYS_personality, 0UL) < 0) return 2;  // PER_LINUX: allowed
        return 0;
    });
    EXPECT_TRUE(exited_with(status, 0));
}

TEST(SeccompEnforce, ArgumentMaskedEqual) {
    // umask is refused when (mask & 0700) == 0700, i.e. the owner would lose all access.
    auto s = profile("SCMP_ACT_ALLOW");
    s.syscalls = {rule({"umask"}, "SCMP_ACT_ERRNO", EPERM, {arg(0, "SCMP_CMP_MASKED_EQ", 0700, 0700)})};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    int status = run_filtered(*f, [] {
        if (!failed_with(::syscall(SYS_umask, 0722), EPERM)) return 1;
        if (!failed_with(::syscall(SYS_umask, 0777), EPERM)) return 2;
        if (::syscall(SYS_umask, 0022) < 0) return 3;
        if (::syscall(SYS_umask, 0677) != 0022) return 4;  // returns the previous mask
        return 0;
    });
    EXPECT_TRUE(exited_with(status, 0));
}

TEST(SeccompEnforce, DistinctIndexesAreAnded) {
    // getpriority(which, who): refused only for which == PRIO_PGRP AND who == 0.
    auto s = profile("SCMP_ACT_ALLOW");
    s.syscalls = {rule({"getpriority"}, "SCMP_ACT_ERRNO", EACCES,
                       {arg(0, "SCMP_CMP_EQ", PRIO_PGRP), arg(1, "SCMP_CMP_EQ", 0)})};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    int status = run_filtered(*f, [] {
        if (!failed_with(::syscall(SYS_getpriority, PRIO_PGRP, 0), EACCES)) return 1;
        if (::syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0) return 2;            // arg0 differs
        if (::syscall(SYS_getpriority, PRIO_PGRP, ::getpgrp()) < 0) return 3;     // arg1 differs
        return 0;
    });
    EXPECT_TRUE(exited_with(status, 0));
}

TEST(SeccompEnforce, RepeatedIndexMakesEveryConditionItsOwnRule) {
    // runc: with index 0 twice, all three conditions become separate rules (OR'ed),
    // including the one on index 1.
    auto s = profile("SCMP_ACT_ALLOW");
    s.syscalls = {rule({"getpriority"}, "SCMP_ACT_ERRNO", EACCES,
                       {arg(0, "SCMP_CMP_EQ", PRIO_PGRP), arg(0, "SCMP_CMP_EQ", PRIO_USER),
                        arg(1, "SCMP_CMP_EQ", 999999)})};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    int status = run_filtered(*f, [] {
        if (!failed_with(::syscall(SYS_getpriority, PRIO_PGRP, 0), EACCES)) return 1;
        if (!failed_with(::syscall(SYS_getpriority, PRIO_USER, 0), EACCES)) return 2;
        if (!failed_with(::syscall(SYS_getpriority, PRIO_PROCESS, 999999), EACCES)) return 3;
        if (::syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0) return 4;
        return 0;
    });
    EXPECT_TRUE(exited_with(status, 0));
}

volatile sig_atomic_t g_trapped_syscall = -1;

TEST(SeccompEnforce, TrapRaisesSigsys) {
    auto s = profile("SCMP_ACT_ALLOW");
    s.syscalls = {rule({"getcwd"}, "SCMP_ACT_TRAP")};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    int status = run_filtered(*f, [] {
        struct sigaction sa {};
        sa.sa_flags = SA_SIGINFO;
        sa.sa_sigaction = [](int, siginfo_t* si, void*) { g_trapped_syscall = si->si_syscall; };
        if (::sigaction(SIGSYS, &sa, nullptr) < 0) return 1;
        char buf[256];
        ::syscall(SYS_getcwd, buf, sizeof buf);
        return g_trapped_syscall == SYS_getcwd ? 0 : 2;
    });
    EXPECT_TRUE(exited_with(status, 0));
}

TEST(SeccompEnforce, LogLetsTheCallThrough) {
    auto s = profile("SCMP_ACT_ALLOW");
    s.syscalls = {rule({"getppid"}, "SCMP_ACT_LOG")};
    auto f = SeccompFilter::build(s);
    ASSERT_TRUE(f) << f.error().what();
    pid_t me = ::getpid();
    int status = run_filtered(*f, [me] { return ::syscall(SYS_getppid) == me ? 0 : 1; });
    EXPECT_TRUE(exited_with(status, 0));
}

TEST(SeccompEnforce, LoadWithoutNoNewPrivsNeedsCapSysAdmin) {
    auto f = SeccompFilter::build(profile("SCMP_ACT_ALLOW"));
    ASSERT_TRUE(f) << f.error().what();
    pid_t pid = ::fork();
    if (pid == 0) {
        child_prologue();
        if (!caps::set(0, 0, 0)) ::_exit(100);  // no CAP_SYS_ADMIN, and no no_new_privs
        bool l = false;
        auto fd = f->load(l);
        if (fd) ::_exit(1);
        if (fd.error().errnum != EACCES) ::_exit(2);
        if (fd.error().what().find("no_new_privs or CAP_SYS_ADMIN") == std::string::npos) ::_exit(3);
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(exited_with(status, 0));
}

// ---------------------------------------------------------------- user notification

bool send_fd(int sock, int fd) { return linuxfs::send_with_fd(sock, "F", 1, fd) == 1; }

// Receive up to `max` bytes and one fd (-1 if none came).
std::pair<std::string, int> recv_with_fd(int sock, std::size_t max) {
    std::string buf(max, '\0');
    UniqueFd fd;
    ssize_t n = linuxfs::recv_with_fd(sock, buf.data(), buf.size(), &fd);
    if (n < 0) return {"", -1};
    buf.resize(static_cast<std::size_t>(n));
    return {buf, fd.release()};
}

// The child's side of the notify tests: load (expecting a listener), hand the notify fd to
// the parent over `sock`, then call uname twice: the agent answers EPERM, then 42.
[[noreturn]] void notify_child(const SeccompFilter& f, int sock) {
    child_prologue();
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) ::_exit(100);
    bool has_listener = false;
    auto fd = f.load(has_listener);
    if (!fd) ::_exit(101);
    if (!has_listener || !*fd) ::_exit(102);
    if (!send_fd(sock, fd->get())) ::_exit(103);
    fd->reset();
    utsname u;
    if (!failed_with(::syscall(SYS_uname, &u), EPERM)) ::_exit(1);
    if (::syscall(SYS_uname, &u) != 42) ::_exit(2);
    if (::syscall(SYS_getpid) <= 0) ::_exit(3);  // not notified
    ::_exit(0);
}

// The agent's side: answer two notifications for uname on notify_fd. "" on success.
std::string answer_uname_twice(int notify_fd, pid_t child) {
    int uname_nr = seccomp_syscall_resolve_name("uname");
    for (int round = 0; round < 2; ++round) {
        pollfd p{notify_fd, POLLIN, 0};
        if (::poll(&p, 1, 10000) != 1) return "no notification within 10s";
        seccomp_notif* req = nullptr;
        seccomp_notif_resp* resp = nullptr;
        if (seccomp_notify_alloc(&req, &resp) != 0) return "seccomp_notify_alloc";
        std::string err;
        if (int rc = seccomp_notify_receive(notify_fd, req); rc != 0) {
            err = "seccomp_notify_receive: " + std::string(std::strerror(-rc));
        } else if (req->data.nr != uname_nr) {
            err = "notified for syscall " + std::to_string(req->data.nr);
        } else if (static_cast<pid_t>(req->pid) != child) {
            err = "notified for pid " + std::to_string(req->pid);
        } else if (uint64_t id = req->id; ::ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0) {
            err = "SECCOMP_IOCTL_NOTIF_ID_VALID failed";
        } else {
            resp->id = req->id;
            resp->flags = 0;
            resp->error = round == 0 ? -EPERM : 0;
            resp->val = round == 0 ? 0 : 42;
            if (int rc2 = seccomp_notify_respond(notify_fd, resp); rc2 != 0)
                err = "seccomp_notify_respond: " + std::string(std::strerror(-rc2));
        }
        seccomp_notify_free(req, resp);
        if (!err.empty()) return err;
    }
    return "";
}

// SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs Linux 5.19 (EFAULT: flags accepted, no program).
bool kernel_has_wait_killable_recv() {
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                        SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, nullptr);
    return rc < 0 && errno == EFAULT;
}

oci::Seccomp notify_profile() {
    auto s = profile("SCMP_ACT_ALLOW");
    s.listenerPath = "/run/unused-by-this-test.sock";
    s.listenerMetadata = "agent-metadata=1";
    if (kernel_has_wait_killable_recv()) s.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    s.syscalls = {rule({"uname"}, "SCMP_ACT_NOTIFY")};
    return s;
}

TEST(SeccompNotify, AgentAnswersForTheProcess) {
    auto f = SeccompFilter::build(notify_profile());
    ASSERT_TRUE(f) << f.error().what();
    ASSERT_TRUE(f->has_listener());
    int sp[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(sp[0]);
        notify_child(*f, sp[1]);
    }
    ::close(sp[1]);
    UniqueFd parent_sock(sp[0]);
    auto [bytes, raw] = recv_with_fd(parent_sock.get(), 16);
    UniqueFd notify_fd(raw);
    std::string err = notify_fd ? answer_uname_twice(notify_fd.get(), pid) : "no notify fd received";
    if (!err.empty()) ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_EQ(err, "");
    EXPECT_TRUE(exited_with(status, 0));
}

TEST(SeccompNotify, SendToListener) {
    auto f = SeccompFilter::build(notify_profile());
    ASSERT_TRUE(f) << f.error().what();

    // The seccomp agent's socket.
    char dir_template[] = "/tmp/brig-seccomp-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    std::string dir = dir_template;
    std::string path = dir + "/agent.sock";
    UniqueFd agent(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(agent);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path.c_str());
    ASSERT_EQ(::bind(agent.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(agent.get(), 4), 0);

    // The "init" hands its notify fd to the "runtime" (this process) over a sync socket...
    int sp[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(sp[0]);
        agent.reset();
        notify_child(*f, sp[1]);
    }
    ::close(sp[1]);
    UniqueFd sync(sp[0]);
    auto [unused, raw] = recv_with_fd(sync.get(), 16);
    UniqueFd runtime_copy(raw);

    // ... which passes it on to the agent with the container process state.
    std::string err;
    if (!runtime_copy) err = "no notify fd from the child";
    std::string state = fmt::format(R"({{"ociVersion":"1.3.0","id":"ctr","status":"creating","pid":{},"bundle":"/b"}})", pid);
    if (err.empty()) {
        auto sent = send_to_listener(path, runtime_copy.get(), container_process_state_json("agent-metadata=1", pid, state));
        if (!sent) err = sent.error().what();
    }
    runtime_copy.reset();  // the agent's copy is the only one now

    nlohmann::json j;
    UniqueFd agent_fd;
    if (err.empty()) {
        UniqueFd conn(::accept4(agent.get(), nullptr, nullptr, SOCK_CLOEXEC));
        auto [text, fd] = conn ? recv_with_fd(conn.get(), 65536) : std::pair<std::string, int>{"", -1};
        agent_fd.reset(fd);
        // One state per connection: the runtime closed it, so the next read is EOF.
        char extra;
        if (conn && ::read(conn.get(), &extra, 1) != 0) err = "connection not closed after the state";
        j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded()) err = "not JSON: " + text;
        if (!agent_fd) err = "no fd with the state";
    }
    if (err.empty()) err = answer_uname_twice(agent_fd.get(), pid);
    if (!err.empty()) ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    std::filesystem::remove_all(dir);

    EXPECT_EQ(err, "");
    EXPECT_TRUE(exited_with(status, 0));
    EXPECT_EQ(j["ociVersion"], oci::kSpecVersion);
    EXPECT_EQ(j["fds"], nlohmann::json::array({"seccompFd"}));
    EXPECT_EQ(j["pid"], pid);
    EXPECT_EQ(j["metadata"], "agent-metadata=1");
    EXPECT_EQ(j["state"]["id"], "ctr");
    EXPECT_EQ(j["state"]["pid"], pid);
}

}  // namespace
}  // namespace brig::seccomp
