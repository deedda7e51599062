// fork/exec with redirections, sessions and daemons; exit codes.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "common/fd.hpp"
#include "linux/spawn.hpp"

namespace brig::spawn {
namespace {

struct Pipe {
    UniqueFd r, w;
    Pipe() {
        int p[2];
        EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
        r.reset(p[0]);
        w.reset(p[1]);
    }
    std::string drain() {
        w.reset();
        std::string out;
        char buf[256];
        ssize_t n;
        while ((n = ::read(r.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
        return out;
    }
};

Options sh(const std::string& script) {
    Options o;
    o.argv = {"/bin/sh", "-c", script};
    return o;
}

TEST(Spawn, ExitCodes) {
    EXPECT_EQ(run(sh("exit 0")).value(), 0);
    EXPECT_EQ(run(sh("exit 3")).value(), 3);
    EXPECT_EQ(run(sh("kill -TERM $$")).value(), 128 + SIGTERM);
    Options missing;
    missing.argv = {"/nonexistent/program"};
    EXPECT_EQ(run(missing).value(), kExecFailed);
    EXPECT_FALSE(spawn(Options{}).has_value());
}

TEST(Spawn, RedirectsStdio) {
    Pipe out, err;
    Options o = sh("echo out; echo err >&2; cat");  // cat: stdin is /dev/null, so nothing
    o.out = out.w.get();
    o.err = err.w.get();
    auto pid = spawn(o);
    ASSERT_TRUE(pid);
    EXPECT_EQ(wait_exit(*pid).value(), 0);
    EXPECT_EQ(out.drain(), "out\n");
    EXPECT_EQ(err.drain(), "err\n");
}

TEST(Spawn, StdinFromAnFd) {
    Pipe in, out;
    ASSERT_EQ(::write(in.w.get(), "data", 4), 4);
    in.w.reset();
    Options o;
    o.argv = {"cat"};
    o.search_path = true;
    o.in = in.r.get();
    o.out = out.w.get();
    EXPECT_EQ(run(o).value(), 0);
    EXPECT_EQ(out.drain(), "data");
}

TEST(Spawn, SwappedFdsSurvive) {
    // The child's stdout is our fd 2's file and its stderr our fd 1's: sources that are also
    // targets must not be overwritten before they are used.
    Pipe a, b;
    int saved1 = ::dup(1), saved2 = ::dup(2);
    ::dup2(a.w.get(), 1);
    ::dup2(b.w.get(), 2);
    Options o = sh("echo to-out; echo to-err >&2");
    o.out = 2;
    o.err = 1;
    auto code = run(o);
    ::dup2(saved1, 1);
    ::dup2(saved2, 2);
    ::close(saved1);
    ::close(saved2);
    EXPECT_EQ(code.value(), 0);
    EXPECT_EQ(a.drain(), "to-err\n");
    EXPECT_EQ(b.drain(), "to-out\n");
}

TEST(Spawn, ExtraFdsAndClosingTheRest) {
    Pipe extra, out, stray;
    Options o = sh("echo via3 >&3; [ -e /proc/self/fd/" + std::to_string(stray.w.get()) + " ] && echo leak; true");
    o.fds = {{extra.w.get(), 3}};
    o.out = out.w.get();
    // Not close-on-exec: only close_other_fds closes it.
    ::fcntl(stray.w.get(), F_SETFD, 0);
    o.close_other_fds = true;
    EXPECT_EQ(run(o).value(), 0);
    EXPECT_EQ(extra.drain(), "via3\n");
    EXPECT_EQ(out.drain(), "");
}

TEST(Spawn, EnvironmentAndCwd) {
    Pipe out;
    Options o;
    o.argv = {"sh", "-c", "echo \"$ONLY:$HOME:$(pwd)\""};
    o.search_path = true;
    o.env = std::vector<std::string>{"ONLY=1", "PATH=/usr/bin:/bin"};
    UniqueFd tmp(::open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    o.cwd_fd = tmp.get();
    o.out = out.w.get();
    EXPECT_EQ(run(o).value(), 0);
    EXPECT_EQ(out.drain(), "1::/tmp\n");
}

TEST(Spawn, SignalsAreReset) {
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    ::sigprocmask(SIG_BLOCK, &block, &old);
    auto prev = ::signal(SIGUSR2, SIG_IGN);
    Pipe out;
    Options o = sh("grep -E '^(SigBlk|SigIgn)' /proc/self/status");
    o.out = out.w.get();
    o.clear_signal_mask = true;
    o.default_signal_actions = true;
    EXPECT_EQ(run(o).value(), 0);
    std::string status = out.drain();
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    ::signal(SIGUSR2, prev);
    EXPECT_NE(status.find("SigBlk:\t0000000000000000"), std::string::npos) << status;
    EXPECT_NE(status.find("SigIgn:\t0000000000000000"), std::string::npos) << status;
}

TEST(Spawn, NewSession) {
    Pipe out;
    Options o = sh("cut -d' ' -f6 /proc/self/stat; echo $$");  // field 6: the session id
    o.out = out.w.get();
    o.new_session = true;
    EXPECT_EQ(run(o).value(), 0);
    std::string text = out.drain();
    auto nl = text.find('\n');
    ASSERT_NE(nl, std::string::npos);
    EXPECT_EQ(text.substr(0, nl) + "\n", text.substr(nl + 1)) << text;  // session leader: sid = pid
}

TEST(Spawn, DaemonIsNotOurChild) {
    Pipe out;
    Options o = sh("echo $PPID; cut -d' ' -f6 /proc/self/stat; echo $$");
    o.out = out.w.get();
    ASSERT_TRUE(spawn_daemon(o));
    std::string text = out.drain();  // EOF once the daemon has exited
    EXPECT_NE(text.substr(0, text.find('\n')), std::to_string(::getpid())) << text;
    // No child is left for us to reap.
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
}

TEST(SpawnCapture, SeparateStreamsAndStatus) {
    auto got = run_capture(sh("echo out; echo err >&2; exit 4"));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 4);
    EXPECT_EQ(got->out, "out\n");
    EXPECT_EQ(got->err, "err\n");
}

TEST(SpawnCapture, MergedStreams) {
    Capture c;
    c.err = Capture::Err::merged;
    auto got = run_capture(sh("echo a; echo b >&2; echo c"), c);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->out, "a\nb\nc\n");
    EXPECT_EQ(got->err, "");
}

TEST(SpawnCapture, InputLargerThanAPipeWhileOutputFlows) {
    // 1 MiB in, 1 MiB out through cat: the writer and readers must interleave, or both block.
    Capture c;
    c.input = std::string(1u << 20, 'x');
    Options o;
    o.argv = {"cat"};
    o.search_path = true;
    auto got = run_capture(o, c);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 0);
    EXPECT_EQ(got->out, *c.input);
}

TEST(SpawnCapture, ChildThatIgnoresItsInputDoesNotRaiseSigpipe) {
    Capture c;
    c.input = std::string(1u << 20, 'x');
    auto got = run_capture(sh("exec 0<&-; echo done"), c);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->out, "done\n");
    sigset_t pending;
    sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGPIPE));
}

TEST(SpawnCapture, OutputIsCappedButDrained) {
    Capture c;
    c.max_bytes = 10;
    auto got = run_capture(sh("head -c 100000 /dev/zero; echo e >&2"), c);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 0);
    EXPECT_EQ(got->out.size(), 10u);
    EXPECT_EQ(got->err, "e\n");
}

TEST(SpawnCapture, ProgramNotFound) {
    Options o;
    o.argv = {"brig-no-such-program"};
    o.search_path = true;
    auto got = run_capture(o);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, kExecFailed);
}

}  // namespace
}  // namespace brig::spawn
