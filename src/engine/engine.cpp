#include "engine/engine.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <thread>

#include "cgroup/manager.hpp"
#include "common/scope.hpp"
#include "engine/image_source.hpp"
#include "engine/monitor_proto.hpp"
#include "engine/netwire.hpp"
#include "engine/rootless.hpp"
#include "engine/usermap.hpp"
#include "engine/volumes.hpp"
#include "engine/spec.hpp"
#include "linux/fs.hpp"
#include "linux/signals.hpp"
#include "linux/spawn.hpp"

namespace brig::engine {

using namespace std::chrono_literals;

namespace {

std::string exe_dir() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return ".";
    std::string p(buf, static_cast<size_t>(n));
    return p.substr(0, p.rfind('/'));
}

std::string last_line(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (auto nl = text.rfind('\n'); nl != std::string::npos) text = text.substr(nl + 1);
    return text;
}

// Waits until the process is gone (pidfd), up to `timeout`. True when it exited.
bool wait_process_exit(pid_t pid, uint64_t start, std::chrono::milliseconds timeout) {
    if (!process_alive(pid, start)) return true;
    UniqueFd pfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pfd) return !process_alive(pid, start);
    if (!process_alive(pid, start)) return true;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() < 0) return !process_alive(pid, start);
        pollfd p{pfd.get(), POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n > 0) return true;
        if (n == 0) return !process_alive(pid, start);
    }
}

Result<void> touch(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) return sys_fail("create {}", path);
    return {};
}

}  // namespace

Result<Engine> Engine::open(const std::string& root, const std::string& runtime) {
    Engine e{Store(root), runtime, "", "", ""};
    std::string dir = exe_dir();
    e.brig_exe = dir + "/brig";
    e.monitor_exe = dir + "/brig-monitor";
    e.init_exe = dir + "/brig-init";
    if (e.runtime.empty()) e.runtime = dir + "/brig-oci";
    if (e.runtime.find('/') == std::string::npos) {
        // A bare name: look it up in PATH.
        const char* path = std::getenv("PATH");
        std::string p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
        size_t start = 0;
        while (start <= p.size()) {
            size_t colon = p.find(':', start);
            std::string d = p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
            if (!d.empty() && ::access((d + "/" + e.runtime).c_str(), X_OK) == 0) {
                e.runtime = d + "/" + e.runtime;
                break;
            }
            if (colon == std::string::npos) break;
            start = colon + 1;
        }
    }
    if (::access(e.runtime.c_str(), X_OK) != 0) return fail("OCI runtime {:?} not found or not executable", e.runtime);
    if (::access(e.monitor_exe.c_str(), X_OK) != 0) return fail("{} not found: brig is not installed completely", e.monitor_exe);
    if (auto r = e.store.ensure(); !r) return std::unexpected(r.error());
    // Any command finishes the deletions of an rm that was killed (store.hpp).
    e.store.sweep_trash();
    return e;
}

int start_error_exit_code(std::string_view m) {
    if (m.find("not found") != std::string_view::npos || m.find("No such file") != std::string_view::npos)
        return 127;
    if (m.find("ermission denied") != std::string_view::npos) return 126;
    return 125;
}

Result<void> run_runtime(const Engine& e, const std::vector<std::string>& args, std::string* out,
                         const std::string& runtime) {
    const std::string& rt = runtime.empty() ? e.runtime : runtime;
    std::vector<std::string> argv = {rt, "--root", e.store.runtime_root()};
    argv.insert(argv.end(), args.begin(), args.end());
    spawn::Options o;
    o.argv = std::move(argv);
    auto s = spawn::run_capture(std::move(o));
    if (!s) return std::unexpected(s.error());
    if (out != nullptr) *out = s->out;
    if (s->status != 0) {
        std::string msg = last_line(s->err);
        if (msg.empty()) msg = fmt::format("exit status {}", s->status);
        return fail("{} {}: {}", rt.substr(rt.rfind('/') + 1), args.empty() ? "" : args[0], msg);
    }
    return {};
}

Result<UniqueFd> start_container(Engine& e, const StartRequest& rq) {
    const std::string& id = rq.id;
    const bool attach = rq.attach;
    auto lock = e.store.lock(id);
    if (!lock) return std::unexpected(lock.error());
    auto rec = e.store.load(id);
    if (!rec) return std::unexpected(rec.error());
    auto live = e.store.live_state(*rec);
    if (live.running() && live.monitor_alive) {
        if (attach) return fail("container {} is already running", rec->name);
        return UniqueFd();
    }
    std::string dir = e.store.dir(id);
    for (const char* f : {"stop-requested", "removing", "paused", "pidfile", "attach.sock"}) ::unlink((dir + "/" + f).c_str());
    if (live.status == "exited" && !live.error.empty() && live.error.find("monitor") != std::string::npos) {
        // A monitor killed earlier may have left the container running: clean it up first.
        (void)run_runtime(e, {"delete", "--force", id}, nullptr, rec->host.runtime);
    }

    if (auto r = ensure_image_rootfs(e.store.root(), *rec); !r) return std::unexpected(r.error());
    if (auto r = usermap::prepare(e.store.root(), dir, owns_netns(*rec) ? container_netns(e.store.root(), *rec) : "", *rec); !r)
        return std::unexpected(r.error());
    // Volumes backed by a file system of their own (volume create --opt type=...): mounted now
    // (they are unmounted when their last user stops). Their shared locks are held until the
    // container runs, so a concurrent release (volumes::release) sees it running.
    auto volume_locks = volumes::activate(e.store.root(), *rec);
    if (!volume_locks) return std::unexpected(volume_locks.error());
    if (auto r = setup_network(e.store.root(), *rec); !r) return std::unexpected(r.error());
    // A start that fails releases the network again (stop and rm do it otherwise).
    ScopeGuard net_undo([&] { release_network(e.store.root(), *rec); });
    std::vector<std::string> argv = {e.monitor_exe, "--id", id, "--dir", dir, "--runtime", rec->host.runtime,
                                     "--runtime-root", e.store.runtime_root(), "--bundle", dir + "/bundle",
                                     "--sync-fd", "3"};
    if (rec->tty) argv.push_back("--tty");
    if (rec->open_stdin) argv.push_back("--stdin");
    argv.insert(argv.end(), {"--log-driver", rec->host.log.driver, "--log-max-size", std::to_string(rec->host.log.max_size),
                             "--log-max-file", std::to_string(rec->host.log.max_file), "--restart", rec->host.restart.name,
                             "--restart-max", std::to_string(rec->host.restart.max_retries)});
    if (rec->host.auto_remove) argv.insert(argv.end(), {"--rm", e.brig_exe, e.store.root()});
    // An attached start (run --rm in the foreground, start -a) removes the container itself.
    if (rec->host.auto_remove && attach) argv.push_back("--rm-by-client");
    // The monitor reads the cgroup's OOM kill counter when the container exits (State.OOMKilled).
    for (const auto& d : container_cgroup_dirs(*rec)) argv.insert(argv.end(), {"--cgroup-dir", d});
    if (rec->health && !rec->health->test.empty() && rec->health->test[0] != "NONE") {
        std::vector<std::string> cmd;
        if (rec->health->test[0] == "CMD-SHELL") cmd = {"/bin/sh", "-c"};
        cmd.insert(cmd.end(), rec->health->test.begin() + 1, rec->health->test.end());
        for (const auto& a : cmd) argv.insert(argv.end(), {"--health-arg", a});
        argv.insert(argv.end(), {"--health-interval", std::to_string(rec->health->interval_ns), "--health-timeout",
                                 std::to_string(rec->health->timeout_ns), "--health-start-period",
                                 std::to_string(rec->health->start_period_ns), "--health-retries",
                                 std::to_string(rec->health->retries)});
    }

    int sp[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) return sys_fail("socketpair");
    UniqueFd ours(sp[0]), theirs(sp[1]);
    // A daemon: in its own session and not our child, so it outlives us.
    spawn::Options mon;
    mon.argv = std::move(argv);
    mon.fds = {{theirs.get(), 3}};
    mon.close_other_fds = true;
    mon.clear_signal_mask = true;
    mon.default_signal_actions = true;
    if (auto r = spawn::spawn_daemon(mon); !r) return std::unexpected(std::move(r.error()).context("start the monitor"));
    theirs.reset();
    // The monitor's first packet: Started or Error (EOF: it died).
    char buf[proto::kMaxPacket];
    while (true) {
        pollfd p{ours.get(), POLLIN, 0};
        int n = ::poll(&p, 1, 120000);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) return fail("container {}: the monitor did not report within 120 s", rec->name);
        ssize_t r = proto::recv_packet(ours.get(), buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return fail("container {}: the monitor exited before starting it", rec->name);
        std::string_view payload(buf + 1, static_cast<size_t>(r) - 1);
        if (buf[0] == proto::Started) break;
        if (buf[0] == proto::Error) return fail("{}", payload);
    }
    net_undo.dismiss();
    if (!attach) return UniqueFd();
    return ours;
}

Result<UniqueFd> attach_container(Engine& e, const std::string& id) {
    auto rec = e.store.load(id);
    if (!rec) return std::unexpected(rec.error());
    auto live = e.store.live_state(*rec);
    if (!live.running()) return fail("You cannot attach to a stopped container, start it first");
    UniqueFd dirfd(::open(e.store.dir(id).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dirfd) return sys_fail("open {}", e.store.dir(id));
    UniqueFd s(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/attach.sock", dirfd.get());
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        return sys_fail("attach to container {}", rec->name);
    return s;
}

Result<void> kill_container(Engine& e, const KillRequest& rq) {
    const std::string& id = rq.id;
    const std::string& signal = rq.signal;
    auto rec = e.store.load(id);
    if (!rec) return std::unexpected(rec.error());
    auto sig = signals::parse_signal(signal);
    if (!sig) return fail("invalid signal: {}", signal);
    auto live = e.store.live_state(*rec);
    if (!live.running()) return fail("Cannot kill container: {}: container {} is not running", rec->name, id);
    return run_runtime(e, {"kill", id, std::to_string(*sig)}, nullptr, rec->host.runtime);
}

namespace {
Result<void> stop_container_impl(Engine& e, const std::string& id, std::optional<int> timeout);
}

// docker's behaviour: a stopped container gives its addresses and ports back; start attaches again.
Result<void> stop_container(Engine& e, const StopRequest& rq) {
    const std::string& id = rq.id;
    if (auto r = stop_container_impl(e, id, rq.timeout); !r) return r;
    auto lock = e.store.lock(id);
    if (!lock) return std::unexpected(lock.error());
    auto rec = e.store.load(id);
    if (!rec) return std::unexpected(rec.error());
    if (!e.store.live_state(*rec).running()) {
        release_network(e.store.root(), *rec);
        volumes::release(e.store, *rec);
    }
    return {};
}

namespace {
Result<void> stop_container_impl(Engine& e, const std::string& id, std::optional<int> timeout) {
    auto lock = e.store.lock(id);
    if (!lock) return std::unexpected(lock.error());
    auto rec = e.store.load(id);
    if (!rec) return std::unexpected(rec.error());
    std::string dir = e.store.dir(id);
    if (auto r = touch(dir + "/stop-requested"); !r) return r;
    auto live = e.store.live_state(*rec);
    if (!live.running()) return {};
    if (!live.monitor_alive) {
        (void)run_runtime(e, {"delete", "--force", id}, nullptr, rec->host.runtime);
        return {};
    }
    if (live.status == "paused") {
        (void)run_runtime(e, {"resume", id}, nullptr, rec->host.runtime);
        ::unlink((dir + "/paused").c_str());
    }
    int t = timeout.value_or(rec->stop_timeout);
    auto sig = signals::parse_signal(rec->stop_signal);
    if (live.status == "running") (void)run_runtime(e, {"kill", id, std::to_string(sig ? *sig : SIGTERM)}, nullptr, rec->host.runtime);
    if (wait_process_exit(live.monitor_pid, live.monitor_start, std::chrono::seconds(t < 0 ? 0 : t))) return {};
    (void)run_runtime(e, {"kill", id, "KILL"}, nullptr, rec->host.runtime);
    if (wait_process_exit(live.monitor_pid, live.monitor_start, 30s)) return {};
    return fail("container {} did not stop after SIGKILL", rec->name);
}
}  // namespace

Result<void> pause_container(Engine& e, const PauseRequest& rq) {
    const std::string& id = rq.id;
    const bool pause = rq.pause;
    auto lock = e.store.lock(id);
    if (!lock) return std::unexpected(lock.error());
    auto rec = e.store.load(id);
    if (!rec) return std::unexpected(rec.error());
    auto live = e.store.live_state(*rec);
    if (pause && live.status != "running") return fail("container {} is not running", rec->name);
    if (!pause && live.status != "paused") return fail("container {} is not paused", rec->name);
    if (auto r = run_runtime(e, {pause ? "pause" : "resume", id}, nullptr, rec->host.runtime); !r) return r;
    std::string marker = e.store.dir(id) + "/paused";
    if (pause) return touch(marker);
    ::unlink(marker.c_str());
    return {};
}

Result<void> remove_container(Engine& e, const RemoveRequest& rq) {
    const std::string& id = rq.id;
    const bool force = rq.force, with_volumes = rq.volumes;
    auto lock = e.store.lock(id);
    if (!lock) return std::unexpected(lock.error());
    auto rec = e.store.load(id);
    if (!rec) return std::unexpected(rec.error());
    std::string dir = e.store.dir(id);
    auto live = e.store.live_state(*rec);
    // After a wait without the lock: the lock and the record again. A container removed
    // meanwhile (an --rm monitor's own `brig rm`) is done: that success is returned.
    auto relock = [&]() -> std::optional<Result<void>> {
        auto gone_or = [](const Error& err) -> Result<void> {
            if (err.message.starts_with("No such container")) return {};
            return std::unexpected(err);
        };
        lock = e.store.lock(id);
        if (!lock) return gone_or(lock.error());
        rec = e.store.load(id);
        if (!rec) return gone_or(rec.error());
        return std::nullopt;
    };
    // A monitor still starting the container (its `run` was killed, or is racing us) holds
    // the runtime's lock: let the start finish, unlocked, then remove what it became.
    for (auto deadline = std::chrono::steady_clock::now() + 30s;
         live.status == "created" && live.monitor_alive && std::chrono::steady_clock::now() < deadline;) {
        lock->reset();
        std::this_thread::sleep_for(20ms);
        if (auto done = relock()) return *done;
        live = e.store.live_state(*rec);
    }
    if (live.running() && live.monitor_alive) {
        if (!force)
            return fail("cannot remove container \"/{}\": container is {}: stop the container before removing or force remove",
                        rec->name, live.status);
        (void)touch(dir + "/stop-requested");
        (void)touch(dir + "/removing");  // an --rm monitor leaves the removal to us
        if (live.status == "paused") (void)run_runtime(e, {"resume", id}, nullptr, rec->host.runtime);
        (void)run_runtime(e, {"kill", id, "KILL"}, nullptr, rec->host.runtime);
        // Unlocked while waiting: an --rm monitor that saw the exit first runs `brig rm` itself,
        // which needs the lock. Whoever gets it next removes the container.
        lock->reset();
        if (!wait_process_exit(live.monitor_pid, live.monitor_start, 30s))
            return fail("cannot remove container {}: its monitor does not exit", rec->name);
        if (auto done = relock()) return *done;
    }
    // Whatever the runtime still has (a monitor killed mid-way, a create interrupted).
    if (linuxfs::exists(e.store.runtime_root() + "/" + id)) {
        if (auto r = run_runtime(e, {"delete", "--force", id}, nullptr, rec->host.runtime); !r && linuxfs::exists(e.store.runtime_root() + "/" + id))
            return fail("cannot remove container {}: {}", rec->name, r.error().message);
    }
    release_network(e.store.root(), *rec);
    volumes::release(e.store, *rec);
    usermap::release(dir);
    release_image_rootfs(e.store.root(), *rec);
    auto removed = e.store.remove(*rec);
    if (removed && (with_volumes || rec->host.auto_remove)) {
        // rm -v and --rm: the container's anonymous volumes go with it (unless another
        // container still mounts them, through --volumes-from); named ones stay.
        volumes::remove_anonymous(e.store, *rec);
    }
    return removed;
}

Result<void> rename_container(Engine& e, const RenameRequest& rq) {
    auto lock = e.store.lock(rq.id);
    if (!lock) return std::unexpected(lock.error());
    auto rec = e.store.load(rq.id);
    if (!rec) return std::unexpected(rec.error());
    return e.store.rename(*rec, rq.name);
}

Result<int> wait_container(Engine& e, const std::string& id) {
    while (true) {
        auto rec = e.store.load(id);
        if (!rec) return std::unexpected(rec.error());
        auto live = e.store.live_state(*rec);
        if (!live.running() && !(live.status == "created" && live.monitor_alive)) return live.exit_code;
        if (live.status == "restarting" || live.status == "created") {
            std::this_thread::sleep_for(50ms);
            continue;
        }
        // Running: the monitor tells us when the container exits.
        auto s = attach_container(e, id);
        if (!s) {
            std::this_thread::sleep_for(50ms);
            continue;
        }
        char buf[proto::kMaxPacket];
        while (true) {
            ssize_t r = proto::recv_packet(s->get(), buf, sizeof buf, 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;  // the monitor exited: read its final state
            std::string_view payload(buf + 1, static_cast<size_t>(r) - 1);
            if (buf[0] == proto::Status && payload.starts_with("exited ")) return std::atoi(payload.data() + 7);
            if (buf[0] == proto::Exit) return std::atoi(std::string(payload).c_str());
        }
    }
}

std::vector<std::string> container_cgroup_dirs(const ContainerRecord& rec) {
    auto sys = cgroup::detect();
    if (!sys) return {};
    auto cg = cgroup::plan(*sys, rec.host.cgroup_parent + "/" + rec.id, rec.id);
    if (!cg) return {};
    return cg->dirs;
}

std::vector<pid_t> container_pids(const ContainerRecord& rec) { return cgroup::pids(container_cgroup_dirs(rec)); }

CgroupInfo cgroup_info() {
    CgroupInfo out;
    if (auto sys = cgroup::detect()) {
        if (sys->layout == cgroup::Layout::V2) out = {"2", "v2"};
        else if (sys->layout == cgroup::Layout::Hybrid) out.layout = "hybrid";
    }
    return out;
}

}  // namespace brig::engine
