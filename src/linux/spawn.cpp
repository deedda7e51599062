#include "linux/spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace brig::spawn {

namespace {

constexpr size_t kMaxFds = 16;

// What the child does, decided (and allocated) before the fork.
struct Plan {
    std::vector<char*> argv, envp;  // null-terminated, pointing into the Options' strings
    struct Map {
        int ours;  // an fd of ours, or kDevNull
        int theirs;
    };
    Map maps[3 + kMaxFds];
    size_t n = 0;
    int highest = 2;  // the highest fd number the child is given
};

Result<Plan> make_plan(const Options& o) {
    if (o.argv.empty()) return fail("spawn: no program");
    if (o.fds.size() > kMaxFds) return fail("spawn {}: more than {} fds to pass", o.argv[0], kMaxFds);
    Plan p;
    for (const auto& a : o.argv) p.argv.push_back(const_cast<char*>(a.c_str()));
    p.argv.push_back(nullptr);
    if (o.env) {
        for (const auto& e : *o.env) p.envp.push_back(const_cast<char*>(e.c_str()));
        p.envp.push_back(nullptr);
    }
    auto add = [&](int ours, int theirs) {
        p.maps[p.n++] = {ours, theirs};
        if (theirs > p.highest) p.highest = theirs;
    };
    int stdio[3] = {o.in, o.out, o.err};
    for (int i = 0; i < 3; ++i)
        if (stdio[i] != kInherit) add(stdio[i], i);
    for (auto [ours, theirs] : o.fds) {
        if (ours < 0 || theirs < 3) return fail("spawn {}: bad fd mapping {} -> {}", o.argv[0], ours, theirs);
        add(ours, theirs);
    }
    return p;
}

// In the child: async-signal-safe calls only, no allocation.
[[noreturn]] void exec_child(const Options& o, const Plan& p, bool new_session) {
    if (o.default_signal_actions) {
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);  // SIGKILL, SIGSTOP: EINVAL, fine
    }
    if (o.clear_signal_mask) {
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
    }
    if (new_session) ::setsid();
    if (o.cwd_fd >= 0 && ::fchdir(o.cwd_fd) < 0) ::_exit(kChdirFailed);
    // Each source first goes to a number above every target (close-on-exec), so that no dup2
    // below overwrites a source still to be used, whatever the numbers are.
    int moved[3 + kMaxFds];
    for (size_t i = 0; i < p.n; ++i) {
        int src = p.maps[i].ours;
        int opened = -1;
        if (src == kDevNull) src = opened = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        moved[i] = src < 0 ? -1 : ::fcntl(src, F_DUPFD_CLOEXEC, p.highest + 1);
        if (opened >= 0) ::close(opened);
        if (moved[i] < 0) ::_exit(kExecFailed);
    }
    for (size_t i = 0; i < p.n; ++i)  // dup2 clears close-on-exec on the target
        if (::dup2(moved[i], p.maps[i].theirs) < 0) ::_exit(kExecFailed);
    if (o.close_other_fds) {
        for (int fd = 3; fd <= p.highest; ++fd) {
            bool given = false;
            for (size_t i = 0; i < p.n; ++i) given = given || p.maps[i].theirs == fd;
            if (!given) ::close(fd);
        }
        ::close_range(static_cast<unsigned>(p.highest) + 1, ~0U, 0);
    }
    if (o.env) {
        if (o.search_path) ::execvpe(p.argv[0], p.argv.data(), p.envp.data());
        else ::execve(p.argv[0], p.argv.data(), p.envp.data());
    } else {
        if (o.search_path) ::execvp(p.argv[0], p.argv.data());
        else ::execv(p.argv[0], p.argv.data());
    }
    ::_exit(kExecFailed);
}

}  // namespace

Result<pid_t> spawn(const Options& o) {
    auto plan = make_plan(o);
    if (!plan) return std::unexpected(plan.error());
    pid_t pid = ::fork();
    if (pid < 0) return sys_fail("run {}: fork", o.argv[0]);
    if (pid == 0) exec_child(o, *plan, o.new_session);
    return pid;
}

Result<void> spawn_daemon(const Options& o) {
    auto plan = make_plan(o);
    if (!plan) return std::unexpected(plan.error());
    pid_t mid = ::fork();
    if (mid < 0) return sys_fail("run {}: fork", o.argv[0]);
    if (mid == 0) {
        ::setsid();
        pid_t pid = ::fork();
        if (pid != 0) ::_exit(pid < 0 ? 1 : 0);
        exec_child(o, *plan, false);  // not a session leader: it can never gain a controlling terminal
    }
    auto code = wait_exit(mid);
    if (!code) return std::unexpected(code.error());
    if (*code != 0) return fail("run {}: the second fork failed", o.argv[0]);
    return {};
}

int exit_code(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return -1;
}

Result<int> wait_exit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return sys_fail("wait for process {}", pid);
    return exit_code(status);
}

Result<int> run(const Options& o) {
    auto pid = spawn(o);
    if (!pid) return std::unexpected(pid.error());
    return wait_exit(*pid);
}

}  // namespace brig::spawn
