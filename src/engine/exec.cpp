#include "engine/exec.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>

#include "engine/spec.hpp"

namespace brig::engine {

std::expected<int, ExecError> exec_container(Engine& e, const ExecRequest& rq) {
    auto rec = e.store.load(rq.id);
    if (!rec) return std::unexpected(ExecError{125, rec.error().message});
    auto live = e.store.live_state(*rec);
    if (live.status == "paused")
        return std::unexpected(ExecError{125, fmt::format("container {} is paused, unpause the container before exec", rq.id)});
    if (!live.running() || live.status != "running")
        return std::unexpected(ExecError{125, fmt::format("container {} is not running", rq.id)});
    if (rq.cmd.empty()) return std::unexpected(ExecError{125, "exec: no command given"});
    std::vector<std::string> argv = {rec->host.runtime, "--root", e.store.runtime_root(), "exec"};
    if (rq.tty) argv.push_back("--tty");
    if (rq.detach) argv.push_back("--detach");
    for (const auto& kv : rq.env) argv.insert(argv.end(), {"--env", kv});
    if (!rq.workdir.empty()) argv.insert(argv.end(), {"--cwd", rq.workdir});
    if (!rq.user.empty()) {
        auto u = resolve_user(rec->rootfs, rq.user);
        if (!u) return std::unexpected(ExecError{126, u.error().what()});
        argv.insert(argv.end(), {"--user", fmt::format("{}:{}", u->uid, u->gid)});
        for (auto gid : u->additional_gids) argv.insert(argv.end(), {"--additional-gids", std::to_string(gid)});
    }
    argv.push_back(rq.id);
    argv.insert(argv.end(), rq.cmd.begin(), rq.cmd.end());
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    pid_t child = ::fork();
    if (child < 0) return std::unexpected(ExecError{125, "fork failed"});
    if (child == 0) {
        if (!rq.interactive || rq.detach) {
            int devnull = ::open("/dev/null", O_RDONLY);
            ::dup2(devnull, 0);
        }
        if (rq.detach) {
            int devnull = ::open("/dev/null", O_WRONLY);
            ::dup2(devnull, 1);
            ::dup2(devnull, 2);
        }
        ::execv(a[0], a.data());
        _exit(125);
    }
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_IGN);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace brig::engine
