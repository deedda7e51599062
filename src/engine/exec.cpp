#include "engine/exec.hpp"

#include <signal.h>

#include <fmt/core.h>

#include "engine/spec.hpp"
#include "linux/spawn.hpp"

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
    spawn::Options o;
    o.argv = std::move(argv);
    o.in = rq.interactive && !rq.detach ? spawn::kInherit : spawn::kDevNull;
    o.out = o.err = rq.detach ? spawn::kDevNull : spawn::kInherit;
    auto child = spawn::spawn(o);
    if (!child) return std::unexpected(ExecError{125, child.error().message});
    // The runtime's exec gets the terminal's signals; its exit code is the answer.
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_IGN);
    auto code = spawn::wait_exit(*child);
    if (!code) return std::unexpected(ExecError{125, code.error().message});
    return *code;
}

}  // namespace brig::engine
