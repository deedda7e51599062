#include "engine/exec.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "engine/profiles.hpp"
#include "engine/spec.hpp"
#include "linux/console_socket.hpp"
#include "linux/fs.hpp"
#include "linux/syscalls.hpp"

namespace brig::engine {

namespace {

// The runtime's pid file and log: a private directory, removed once the start is decided.
struct ScratchDir {
    std::string path;
    ScratchDir() {
        char tmpl[] = "/tmp/brig-exec-XXXXXX";
        if (::mkdtemp(tmpl) != nullptr) path = tmpl;
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir() {
        if (path.empty()) return;
        ::unlink((path + "/pid").c_str());
        ::unlink((path + "/log").c_str());
        ::rmdir(path.c_str());
    }
};

pid_t read_pid(const std::string& file) {
    auto text = linuxfs::read_file(file);
    if (!text || text->empty()) return 0;
    char* end = nullptr;
    long n = std::strtol(text->c_str(), &end, 10);
    return n > 0 ? static_cast<pid_t>(n) : 0;
}

// The last error the runtime logged (--log-format json: one object a line, "msg" and "level").
std::string logged_error(const std::string& file) {
    auto text = linuxfs::read_file(file);
    if (!text) return {};
    std::string last;
    size_t pos = 0;
    while (pos < text->size()) {
        size_t nl = text->find('\n', pos);
        std::string_view line(text->data() + pos, (nl == std::string::npos ? text->size() : nl) - pos);
        pos = nl == std::string::npos ? text->size() : nl + 1;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("msg") || !j["msg"].is_string()) continue;
        std::string level = j.value("level", "");
        if (level == "error" || level == "fatal" || level.empty()) last = j["msg"].get<std::string>();
    }
    return last;
}

// docker's codes for an exec that could not start: 127 when the command is not there, else 126.
int failed_start_code(std::string_view message) {
    int code = start_error_exit_code(message);
    return code == 125 ? 126 : code;
}

Result<std::vector<std::string>> runtime_argv(Engine& e, const ContainerRecord& rec, const ExecRequest& rq,
                                              const std::string& scratch, const std::string& console) {
    std::vector<std::string> argv = {rec.host.runtime.empty() ? e.runtime : rec.host.runtime, "--root", e.store.runtime_root(),
                                     "--log", scratch + "/log", "--log-format", "json", "exec", "--pid-file", scratch + "/pid"};
    if (rq.tty) argv.push_back("--tty");
    if (!console.empty()) argv.insert(argv.end(), {"--console-socket", console});
    if (rq.detach) argv.push_back("--detach");
    for (const auto& kv : rq.env) argv.insert(argv.end(), {"--env", kv});
    if (!rq.workdir.empty()) argv.insert(argv.end(), {"--cwd", rq.workdir});
    if (!rq.user.empty()) {
        auto u = resolve_user(rec.rootfs, rq.user);
        if (!u) return std::unexpected(u.error());
        argv.insert(argv.end(), {"--user", fmt::format("{}:{}", u->uid, u->gid)});
        for (auto gid : u->additional_gids) argv.insert(argv.end(), {"--additional-gids", std::to_string(gid)});
    }
    if (rq.privileged)
        for (const auto& cap : grantable_capabilities()) argv.insert(argv.end(), {"--cap", cap});
    argv.push_back(rq.id);
    argv.insert(argv.end(), rq.cmd.begin(), rq.cmd.end());
    return argv;
}

}  // namespace

std::optional<std::string> exec_state_error(const std::string& id, const LiveState& live) {
    if (live.status == "paused") return fmt::format("Container {} is paused, unpause the container before exec", id);
    if (live.status == "restarting") return fmt::format("Container {} is restarting, wait until the container is running", id);
    if (live.status != "running") return fmt::format("Container {} is not running", id);
    return std::nullopt;
}

std::expected<ExecProcess, ExecError> start_exec(Engine& e, const ExecRequest& rq, const ExecStdio& io) {
    auto rec = e.store.load(rq.id);
    if (!rec) return std::unexpected(ExecError{125, rec.error().message});
    auto live = e.store.live_state(*rec);
    if (auto refused = exec_state_error(rq.id, live)) return std::unexpected(ExecError{125, *refused});
    if (rq.cmd.empty()) return std::unexpected(ExecError{125, "No exec command specified"});
    bool take_console = rq.tty && io.take_console;
    ScratchDir scratch;
    if (scratch.path.empty()) return std::unexpected(ExecError{125, fmt::format("exec: a scratch directory: {}", std::strerror(errno))});
    linuxfs::ConsoleSocket console;
    if (take_console)
        if (int err = console.open(); err != 0) return std::unexpected(ExecError{125, fmt::format("exec: console socket: {}", std::strerror(err))});
    auto argv = runtime_argv(e, *rec, rq, scratch.path, take_console ? console.path() : "");
    if (!argv) return std::unexpected(ExecError{126, argv.error().what()});

    spawn::Options o;
    o.argv = std::move(*argv);
    o.in = io.in;
    o.out = io.out;
    o.err = io.err;
    o.close_other_fds = true;         // another exec's pipes must not live on in this one
    o.clear_signal_mask = true;       // the process gets docker's defaults, not ours (the service
    o.default_signal_actions = true;  // ignores SIGPIPE; threads block signals)
    auto child = spawn::spawn(o);
    if (!child) return std::unexpected(ExecError{125, child.error().message});

    ExecProcess p;
    p.runtime_pid = *child;
    UniqueFd pidfd(sys::pidfd_open(*child, 0));
    // Started: the pid file is written (and the terminal received). Or the runtime is done.
    for (int wait_ms = 1;; wait_ms = std::min(wait_ms * 2, 20)) {
        pollfd fds[2] = {{pidfd.get(), POLLIN, 0}, {take_console && !p.console ? console.listen_fd() : -1, POLLIN, 0}};
        if (::poll(fds, 2, wait_ms) < 0 && errno != EINTR) break;
        if (fds[1].revents & POLLIN) {
            p.console = console.receive(0);
            if (p.console && (rq.rows != 0 || rq.cols != 0)) {
                winsize ws{};
                ws.ws_row = rq.rows;
                ws.ws_col = rq.cols;
                ::ioctl(p.console.get(), TIOCSWINSZ, &ws);
            }
        }
        int status = 0;
        if (::waitpid(*child, &status, WNOHANG) == *child) {
            p.exit_code = spawn::exit_code(status);
            break;
        }
        if (p.pid == 0) p.pid = read_pid(scratch.path + "/pid");
        if (p.pid > 0 && (!take_console || p.console)) break;
    }
    if (p.pid == 0) p.pid = read_pid(scratch.path + "/pid");
    bool shown = io.err != spawn::kDevNull && !take_console;
    if (p.exit_code && p.pid == 0 && *p.exit_code != 0) {
        std::string msg = logged_error(scratch.path + "/log");
        if (msg.empty()) msg = fmt::format("exec failed: {} exited with status {}", o.argv[0], *p.exit_code);
        return std::unexpected(ExecError{failed_start_code(msg), msg, shown});
    }
    if (take_console && !p.console && !p.exit_code) {
        // The process runs, but its terminal never came: no way to talk to it.
        if (p.pid > 0) ::kill(p.pid, SIGKILL);
        (void)spawn::wait_exit(p.runtime_pid);
        return std::unexpected(ExecError{126, "exec: no terminal received from the runtime"});
    }
    return p;
}

Result<int> wait_exec(ExecProcess& p) {
    if (!p.exit_code) {
        auto code = spawn::wait_exit(p.runtime_pid);
        if (!code) return std::unexpected(code.error());
        p.exit_code = *code;
    }
    return *p.exit_code;
}

std::expected<int, ExecError> exec_container(Engine& e, const ExecRequest& rq) {
    ExecStdio io;
    io.in = rq.interactive && !rq.detach ? spawn::kInherit : spawn::kDevNull;
    io.out = io.err = rq.detach ? spawn::kDevNull : spawn::kInherit;
    // The runtime's exec gets the terminal's signals (it starts with default actions); its
    // exit code is the answer.
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_IGN);
    auto p = start_exec(e, rq, io);
    if (!p) return std::unexpected(p.error());
    auto code = wait_exec(*p);
    if (!code) return std::unexpected(ExecError{125, code.error().message});
    return rq.detach ? 0 : *code;
}

}  // namespace brig::engine
