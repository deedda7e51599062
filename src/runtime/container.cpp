#include "runtime/container.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "cgroup/manager.hpp"
#include "common/scope.hpp"
#include "common/time.hpp"
#include "linux/fs.hpp"
#include "linux/netlink.hpp"
#include "linux/proc.hpp"
#include "linux/seccomp.hpp"
#include "linux/syscalls.hpp"
#include "linux/userns.hpp"
#include "runtime/console.hpp"
#include "runtime/hooks.hpp"
#include "runtime/init.hpp"
#include "runtime/namespace_plan.hpp"
#include "runtime/notify.hpp"
#include "runtime/process_setup.hpp"
#include "runtime/rootfs.hpp"
#include "runtime/sync.hpp"

namespace brig::runtime {
namespace {

Result<std::string> absolute(const std::string& path) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) return sys_fail("{}", path);
    return std::string(buf);
}

// Signal the recorded init, but only if it is still the process we started (pid reuse).
Result<void> signal_init(const StateRecord& rec, int sig) {
    UniqueFd pidfd(sys::pidfd_open(rec.pid, 0));
    if (!pidfd) {
        if (errno == ESRCH) return fail("container {:?} is not running", rec.id);
        return sys_fail("pidfd_open {}", rec.pid);
    }
    if (!proc::is_running(rec.pid, rec.start_time)) return fail("container {:?} is not running", rec.id);
    if (sys::pidfd_send_signal(pidfd.get(), sig) < 0) {
        if (errno == ESRCH) return fail("container {:?} is not running", rec.id);
        return sys_fail("send signal {} to container {:?} (pid {})", sig, rec.id, rec.pid);
    }
    return {};
}

// Wait until pid is gone (or a zombie), up to timeout_ms.
bool wait_gone(pid_t pid, uint64_t start_time, int timeout_ms) {
    UniqueFd pidfd(sys::pidfd_open(pid, 0));
    if (!pidfd) return errno == ESRCH || errno == EINVAL;  // EINVAL: caught while being released
    if (!proc::is_running(pid, start_time)) return true;
    pollfd p{pidfd.get(), POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
}

void kill_cgroup(const StateRecord& rec, int sig) {
    for (pid_t p : cgroup::pids(rec.cgroup_dirs)) ::kill(p, sig);
}

// Unfreeze a paused container so that it can die (v1 freezer, v2 cgroup.freeze).
void thaw(const StateRecord& rec) {
    for (auto& d : rec.cgroup_dirs) {
        if (d.find("/freezer/") != std::string::npos) (void)linuxfs::write_file(d + "/freezer.state", "THAWED");
        else if (linuxfs::exists(d + "/cgroup.freeze")) (void)linuxfs::write_file(d + "/cgroup.freeze", "0");
    }
}

// Does the spec ask for any resource limit (rootless containers can run without a cgroup
// only if not)?
bool has_limits(const oci::Resources& r) {
    return r.memory || r.cpu || r.pids || r.blockIO || !r.hugepageLimits.empty() || r.network || !r.rdma.empty() ||
           !r.unified.empty();
}

// The init went away without a word: say how it ended, and the likely cause.
Error explain_silent_exit(Error e, int pidfd, bool has_seccomp) {
    // Its end of the socket closes early in its exit; tearing down its namespaces (an RCU
    // grace period or two) comes before it is reaped. Wait for that, briefly.
    pollfd p{pidfd, POLLIN, 0};
    while (::poll(&p, 1, 2000) < 0 && errno == EINTR) {
    }
    siginfo_t si{};
    if (::waitid(P_PIDFD, static_cast<id_t>(pidfd), &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
        return e;
    std::string how = si.si_code == CLD_EXITED ? fmt::format("exited with status {}", si.si_status)
                                               : fmt::format("was killed by signal {}", si.si_status);
    std::string hint = has_seccomp ? " (linux.seccomp may deny a system call the runtime still makes before execve)" : "";
    return Error{0, fmt::format("container init {} before it reported{}", how, hint)};
}

// ---- create, in three steps: prepare (read and check: nothing is made), launch the init,
// await its Ready. Runtime::create_impl strings them together and owns the undo. ----

// The namespace files of a plan, opened before anything is made (a bad path fails early).
struct NamespaceFds {
    std::vector<UniqueFd> fds;         // the joins' files, open until the init has them
    std::vector<NamespaceJoin> joins;  // for the init, user first
    UniqueFd pid, time;                // joined by the runtime
};

Result<NamespaceFds> open_namespaces(const NamespacePlan& plan) {
    auto open_ns = [](const NamespaceRef& ns) -> Result<UniqueFd> {
        UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return sys_fail("linux.namespaces[{}].path {}", ns.index, ns.path);
        return fd;
    };
    NamespaceFds out;
    for (const auto& ns : plan.joins) {
        auto fd = open_ns(ns);
        if (!fd) return std::unexpected(fd.error());
        out.joins.push_back({fd->get(), ns.nstype, ns.path});
        out.fds.push_back(std::move(*fd));
    }
    for (auto [ref, fd] : {std::pair{&plan.join_pid, &out.pid}, std::pair{&plan.join_time, &out.time}}) {
        if (!*ref) continue;
        auto opened = open_ns(**ref);
        if (!opened) return std::unexpected(opened.error());
        *fd = std::move(*opened);
    }
    return out;
}

// What create decided before it made anything.
struct CreatePlan {
    std::string bundle, rootfs;  // absolute
    std::string config_text;     // kept in the state dir for exec
    oci::Spec spec;
    std::optional<seccomp::SeccompFilter> filter;  // compiled before any process of the container exists
    NamespacePlan ns;
    NamespaceFds ns_fds;
    cgroup::System cgsys;
    cgroup::Cgroup cg;
};

// What a valid spec may still ask that brig-oci cannot create.
Result<void> check_creatable(const oci::Spec& spec, const std::string& bundle, const CreateOptions& opts,
                             bool foreground) {
    if (!spec.process) return fail("{}/config.json: process: required to create a container", bundle);
    if (spec.process->terminal && opts.console_socket.empty() && !foreground)
        return fail("process.terminal is true: a detached container needs --console-socket to hand the terminal to");
    if (spec.linux->intelRdt)
        return fail("linux.intelRdt: Intel RDT (resctrl) is not supported by brig-oci{}",
                    linuxfs::exists("/sys/fs/resctrl/schemata") ? " yet" : " and not available on this kernel");
    if (!spec.linux->find_namespace("mount")) return fail("linux.namespaces: a mount namespace is required");
    return {};
}

// root.path (relative to the bundle or absolute) as the absolute path of a directory.
Result<std::string> resolve_rootfs(const oci::Spec& spec, const std::string& bundle) {
    std::string path = spec.root.path.front() == '/' ? spec.root.path : bundle + "/" + spec.root.path;
    struct stat st;
    if (::stat(path.c_str(), &st) < 0) return sys_fail("root.path: rootfs {}", path);
    if (!S_ISDIR(st.st_mode)) return fail("root.path: rootfs {} is not a directory", path);
    auto rootfs = absolute(path);
    if (!rootfs) return std::unexpected(std::move(rootfs.error()).context("root.path"));
    return rootfs;
}

Result<CreatePlan> prepare_create(const CreateOptions& opts, bool foreground) {
    if (auto r = validate_id(opts.id); !r) return std::unexpected(r.error());
    CreatePlan p;
    auto bundle = absolute(opts.bundle.empty() ? "." : opts.bundle);
    if (!bundle) return std::unexpected(std::move(bundle.error()).context("bundle"));
    p.bundle = std::move(*bundle);
    auto loaded = oci::load_spec(p.bundle, &p.config_text);
    if (!loaded) return std::unexpected(loaded.error());
    p.spec = std::move(*loaded);
    if (auto r = check_creatable(p.spec, p.bundle, opts, foreground); !r) return std::unexpected(r.error());
    auto rootfs = resolve_rootfs(p.spec, p.bundle);
    if (!rootfs) return std::unexpected(rootfs.error());
    p.rootfs = std::move(*rootfs);

    if (p.spec.linux->seccomp) {
        auto f = seccomp::SeccompFilter::build(*p.spec.linux->seccomp);
        if (!f) return std::unexpected(f.error());
        p.filter.emplace(std::move(*f));
    }
    if (auto r = check_lsm(*p.spec.process, "process"); !r) return std::unexpected(r.error());
    auto ns = plan_namespaces(*p.spec.linux);
    if (!ns) return std::unexpected(ns.error());
    p.ns = std::move(*ns);
    auto fds = open_namespaces(p.ns);
    if (!fds) return std::unexpected(fds.error());
    p.ns_fds = std::move(*fds);

    auto cgsys = cgroup::detect();
    if (!cgsys) return std::unexpected(cgsys.error());
    p.cgsys = std::move(*cgsys);
    // Without a running systemd there is nobody to ask for a unit: refuse rather than
    // silently fall back to cgroupfs (the caller asked for systemd's bookkeeping).
    if (opts.systemd_cgroup && !linuxfs::exists("/run/systemd/system"))
        return fail("--systemd-cgroup: systemd is not running on this machine, so the cgroup {:?} cannot be "
                    "created through it (drop --systemd-cgroup to use cgroupfs)", p.spec.linux->cgroupsPath);
    auto cg = cgroup::plan(p.cgsys, p.spec.linux->cgroupsPath, opts.id);
    if (!cg) return std::unexpected(cg.error());
    p.cg = std::move(*cg);
    return p;
}

// Socket activation and sd_notify change what the process gets. The notify directory lives
// in the state dir, which create's undo removes.
Result<void> add_activation(const StateStore& store, const CreateOptions& opts, oci::Spec& spec) {
    if (opts.listen_fds > 0) {
        spec.process->env.push_back(fmt::format("LISTEN_FDS={}", opts.listen_fds));
        spec.process->env.push_back("LISTEN_PID=1");
    }
    if (!opts.notify_socket.empty()) {
        std::string dir = store.dir(opts.id) + "/notify";
        if (::mkdir(dir.c_str(), 0755) < 0) return sys_fail("create {}", dir);
        spec.mounts.push_back({kNotifyDirInContainer, "bind", dir, {"rbind", "nosuid", "nodev", "noexec"}, {}, {}});
        spec.process->env.push_back(fmt::format("NOTIFY_SOCKET={}", kNotifySocketInContainer));
    }
    return {};
}

StateRecord record_of(const CreateOptions& opts, const CreatePlan& p) {
    StateRecord rec;
    rec.id = opts.id;
    rec.bundle = p.bundle;
    rec.rootfs = p.rootfs;
    rec.annotations = p.spec.annotations;
    rec.own_pid_ns = p.ns.own_pid;
    rec.cgroup_dirs = p.cg.dirs;
    if (p.spec.hooks) rec.hooks_json = hooks_to_json(*p.spec.hooks);
    rec.notify_socket = opts.notify_socket;
    return rec;
}

// mkdir the cgroup and apply the limits.
Result<void> make_cgroup(CreatePlan& p, StateRecord& rec) {
    if (auto r = cgroup::create(p.cg); !r) {
        // Rootless without a delegated cgroup: run without one, as runc does, unless the
        // spec asks for limits that need it.
        bool denied = r.error().errnum == EACCES || r.error().errnum == EPERM || r.error().errnum == EROFS;
        if ((::geteuid() == 0 && !userns::running_in_user_ns()) || !denied) return std::unexpected(r.error());
        if (p.spec.linux->resources && has_limits(*p.spec.linux->resources))
            return std::unexpected(std::move(r.error()).context(
                "rootless: linux.resources needs a cgroup delegated to this user"));
        p.cg.dirs.clear();
        p.cg.created.clear();
        p.cg.v2_dir.clear();
        rec.cgroup_dirs.clear();
    }
    rec.cgroup_created = p.cg.created;
    // Always applied: runc's default device rules hold even when the spec lists no resources,
    // and the nodes of linux.devices are allowed. Errors name the field and the file.
    cgroup::ApplyOptions apply_opts;
    apply_opts.devices = p.spec.linux->devices;
    return cgroup::apply(p.cg, p.cgsys, p.spec.linux->resources.value_or(oci::Resources{}), apply_opts);
}

// The init as the runtime knows it; create's undo kills it.
struct InitProcess {
    pid_t pid = -1;
    UniqueFd pidfd;
};

InitConfig init_config(const CreatePlan& p, const CreateOptions& opts, const sigset_t& restore_mask) {
    InitConfig cfg;
    cfg.spec = &p.spec;
    cfg.rootfs = p.rootfs;
    cfg.no_pivot = opts.no_pivot;
    cfg.new_user_ns = p.ns.new_user;
    cfg.rootless = ::geteuid() != 0;
    cfg.joins = p.ns_fds.joins;
    cfg.unshare_flags = p.ns.unshare_flags;
    cfg.fork_for_pid = p.ns.fork_for_pid;
    cfg.new_cgroup_ns = p.ns.new_cgroup;
    cfg.new_net_ns = p.ns.new_net;
    cfg.new_time_ns = p.ns.new_time;
    cfg.cgroups = &p.cgsys;
    cfg.cgroup = &p.cg;
    cfg.preserve_fds = opts.listen_fds + opts.preserve_fds;
    cfg.restore_mask = restore_mask;
    cfg.seccomp = p.filter ? &*p.filter : nullptr;
    return cfg;
}

// clone3 the init into its new namespaces. v1 hierarchies: it moves itself in through the
// fds of cgroup::SelfJoin. The unified one: it is born there (CLONE_INTO_CGROUP: no window
// in which it runs outside its limits), or it is moved by pid: what is returned.
Result<std::vector<std::string>> clone_init(const CreatePlan& p, InitConfig& cfg, InitProcess& init) {
    auto self_join = cgroup::prepare_self_join(p.cg.dirs);
    if (!self_join) return std::unexpected(self_join.error());
    cfg.self_join = &*self_join;
    std::vector<std::string> join_by_pid = self_join->by_pid;
    UniqueFd cgroup_fd;
    clone_args args{};
    int pidfd = -1;
    args.flags = p.ns.clone_flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    if (join_by_pid.size() == 1 && join_by_pid[0] == p.cg.v2_dir) {
        cgroup_fd.reset(::open(p.cg.v2_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (cgroup_fd) {
            args.flags |= CLONE_INTO_CGROUP;
            args.cgroup = static_cast<uint64_t>(cgroup_fd.get());
            cfg.close_in_child.push_back(cgroup_fd.get());
        }
    }
    long r = sys::clone3(args);
    if (r < 0 && (args.flags & CLONE_INTO_CGROUP)) {
        // Refused for this cgroup: clone plainly and move the child by pid, which names
        // the cgroup if that fails too.
        args.flags &= ~static_cast<uint64_t>(CLONE_INTO_CGROUP);
        args.cgroup = 0;
        r = sys::clone3(args);
    }
    if (r < 0) return sys_fail("clone the container init");
    if (r == 0) run_init(cfg);
    init.pid = static_cast<pid_t>(r);
    init.pidfd.reset(pidfd);
    if (args.flags & CLONE_INTO_CGROUP) join_by_pid.clear();
    return join_by_pid;
}

// Between clone and Go, what only the runtime can do for the init: write its id maps, move
// host interfaces into its network namespace, make id-mapped mounts (they need privileges
// over the file system's own user namespace, which the init lacks), move it into its cgroup.
Result<void> hand_over(const CreatePlan& p, pid_t child, const std::vector<std::string>& join_by_pid,
                       const SyncSocket& sock) {
    const oci::Linux& lx = *p.spec.linux;
    if (p.ns.new_user)
        if (auto w = userns::write_maps(child, lx.uidMappings, lx.gidMappings); !w) return w;
    for (auto& [host_name, dev] : lx.netDevices) {
        if (!(p.ns.clone_flags & CLONE_NEWNET))
            return fail("linux.netDevices: needs a new network namespace created with the container");
        if (auto m = netlink::move_link_to_netns(host_name, child, dev.name.empty() ? host_name : dev.name); !m)
            return m;
    }
    auto idmapped = prepare_idmapped_mounts(p.spec, child, p.ns.new_user);
    if (!idmapped) return std::unexpected(idmapped.error());
    for (auto& [index, fd] : *idmapped)
        if (auto s = sock.send(SyncType::MountFd, 0, std::to_string(index), fd.get()); !s) return s;
    if (auto j = cgroup::join_dirs(join_by_pid, child); !j) return j;
    return sock.send(SyncType::Go);
}

// Everything from the first state record to Go: the cgroup, the start gate, the init.
// Returns the runtime's end of the sync socket.
Result<SyncSocket> launch(StateStore& store, const CreateOptions& opts, CreatePlan& p, const sigset_t& restore_mask,
                          int lock_fd, StateRecord& rec, InitProcess& init) {
    // Record what delete needs before making it, so a create killed at any point leaves
    // something `delete` can clean.
    for (auto& d : p.cg.dirs)
        if (!linuxfs::exists(d)) rec.cgroup_created.push_back(d);
    if (auto w = store.save(rec); !w) return std::unexpected(w.error());
    if (auto r = make_cgroup(p, rec); !r) return std::unexpected(r.error());
    // exec reads the container's config from here, not from a bundle that may have changed.
    if (auto w = linuxfs::write_file_atomic(store.config(opts.id), p.config_text, 0600, false); !w)
        return std::unexpected(w.error());
    std::string fifo = store.fifo(opts.id);
    if (::mkfifo(fifo.c_str(), 0622) < 0) return sys_fail("create {}", fifo);
    UniqueFd fifo_fd(::open(fifo.c_str(), O_RDWR | O_CLOEXEC));
    if (!fifo_fd) return sys_fail("open {}", fifo);
    auto socks = SyncSocket::make_pair();
    if (!socks) return std::unexpected(socks.error());
    auto& [parent_sock, child_sock] = *socks;
    if (p.ns_fds.pid && ::setns(p.ns_fds.pid.get(), CLONE_NEWPID) < 0) return sys_fail("join pid namespace");
    if (p.ns_fds.time && ::setns(p.ns_fds.time.get(), CLONE_NEWTIME) < 0) return sys_fail("join time namespace");

    InitConfig cfg = init_config(p, opts, restore_mask);
    cfg.sync_fd = child_sock.fd();
    cfg.fifo_fd = fifo_fd.get();
    // The state lock is an flock on an open file: a child holding a copy would hold the lock.
    cfg.close_in_child = {lock_fd, parent_sock.fd()};
    auto join_by_pid = clone_init(p, cfg, init);
    if (!join_by_pid) return std::unexpected(join_by_pid.error());
    child_sock.close();
    fifo_fd.reset();

    rec.pid = init.pid;
    rec.start_time = proc::start_time(init.pid);
    if (auto w = store.save(rec); !w) return std::unexpected(w.error());
    if (auto r = hand_over(p, init.pid, *join_by_pid, parent_sock); !r) return std::unexpected(r.error());
    return std::move(parent_sock);
}

// ---- the init's reports, until Ready ----

// Pid: the init made the pid namespace and forked the real init; adopt that one.
Result<void> adopt_init(StateStore& store, std::string_view text, StateRecord& rec, InitProcess& init) {
    auto parsed = parse_sync_number(text, INT32_MAX);
    pid_t pid = parsed ? static_cast<pid_t>(*parsed) : -1;
    ::waitpid(init.pid, nullptr, 0);
    init.pidfd.reset(pid > 0 ? sys::pidfd_open(pid, 0) : -1);
    if (!init.pidfd) return fail("container init: bad pid {:?} from the intermediate process", text);
    init.pid = rec.pid = pid;
    rec.start_time = proc::start_time(pid);
    return store.save(rec);
}

// Hooks: prestart and createRuntime run here, in the runtime's namespaces; Go carries the
// state they read on to the init.
Result<void> run_runtime_hooks(const oci::Spec& spec, const StateRecord& rec, pid_t pid, const SyncSocket& sock) {
    std::string state = hook_state_json(rec.id, "creating", pid, rec.bundle, rec.annotations);
    if (auto h = run_hooks(spec.hooks->prestart, "prestart", state); !h) return h;
    if (auto h = run_hooks(spec.hooks->createRuntime, "createRuntime", state); !h) return h;
    return sock.send(SyncType::Go, 0, state);
}

// SeccompFd: the filter's notify fd goes to linux.seccomp.listenerPath.
Result<void> pass_seccomp_fd(const oci::Spec& spec, const StateRecord& rec, pid_t pid, int fd) {
    const auto& sc = *spec.linux->seccomp;
    std::string state = hook_state_json(rec.id, "creating", pid, rec.bundle, rec.annotations);
    if (auto s = seccomp::send_to_listener(sc.listenerPath, fd, seccomp::container_process_state_json(
                                                                    sc.listenerMetadata, pid, state));
        !s)
        return std::unexpected(std::move(s.error()).context("linux.seccomp.listenerPath"));
    return {};
}

// The init reports in order: [Pid] [Hooks] [ConsoleFd] [SeccompFd] Ready, or Error at any
// point. Returns the pty master when it stays with the caller (no --console-socket).
Result<UniqueFd> await_ready(StateStore& store, const CreateOptions& opts, const oci::Spec& spec,
                             StateRecord& rec, InitProcess& init, const SyncSocket& sock) {
    UniqueFd console;
    for (;;) {
        UniqueFd fd;
        auto m = sock.recv(&fd);
        if (!m) return std::unexpected(explain_silent_exit(m.error(), init.pidfd.get(), spec.linux->seccomp.has_value()));
        Result<void> r;
        switch (m->type) {
            case SyncType::Ready: return console;
            case SyncType::Error: return std::unexpected(Error{m->errnum, std::move(m->text)});
            case SyncType::Pid: r = adopt_init(store, m->text, rec, init); break;
            case SyncType::Hooks: r = run_runtime_hooks(spec, rec, init.pid, sock); break;
            case SyncType::ConsoleFd:
                if (!fd) return fail("container init sent no terminal");
                if (opts.console_socket.empty()) console = std::move(fd);
                else r = send_console(opts.console_socket, fd.get());
                break;
            case SyncType::SeccompFd:
                if (!fd) return fail("container init sent no seccomp notify fd");
                r = pass_seccomp_fd(spec, rec, init.pid, fd.get());
                break;
            default: return fail("unexpected sync message type {} from the container init", static_cast<int>(m->type));
        }
        if (!r) return std::unexpected(r.error());
    }
}

}  // namespace

std::string StateView::json(bool pretty) const {
    nlohmann::ordered_json j;
    j["ociVersion"] = oci::kSpecVersion;
    j["id"] = rec.id;
    j["pid"] = status == Status::Stopped ? 0 : rec.pid;
    j["status"] = to_string(status);
    j["bundle"] = rec.bundle;
    j["rootfs"] = rec.rootfs;
    j["created"] = rec.created;
    j["owner"] = rec.owner;
    if (!rec.annotations.empty()) j["annotations"] = rec.annotations;
    return pretty ? j.dump(2) : j.dump();
}

Result<Runtime::Created> Runtime::create_impl(const CreateOptions& opts, const sigset_t& restore_mask,
                                              bool foreground) {
    auto plan = prepare_create(opts, foreground);
    if (!plan) return std::unexpected(plan.error());
    CreatePlan& p = *plan;

    // From here on we create things; the guard undoes them unless create succeeds.
    if (auto r = store_.claim(opts.id); !r) return std::unexpected(r.error());
    InitProcess init;
    ScopeGuard undo([&] {
        if (init.pidfd) {
            sys::pidfd_send_signal(init.pidfd.get(), SIGKILL);
            ::waitpid(init.pid, nullptr, 0);
        }
        (void)cgroup::destroy(p.cg.created, p.cg.dirs);
        (void)store_.remove(opts.id);
    });
    if (auto r = add_activation(store_, opts, p.spec); !r) return std::unexpected(r.error());
    auto lock = store_.lock(opts.id);
    if (!lock) return std::unexpected(lock.error());
    StateRecord rec = record_of(opts, p);
    auto sock = launch(store_, opts, p, restore_mask, lock->get(), rec, init);
    if (!sock) return std::unexpected(sock.error());
    auto console = await_ready(store_, opts, p.spec, rec, init, *sock);
    if (!console) return std::unexpected(console.error());

    rec.created = now_rfc3339_nano();
    if (auto w = store_.save(rec); !w) return std::unexpected(w.error());
    if (auto w = write_pid_file(opts.pid_file, init.pid); !w) return std::unexpected(w.error());
    undo.dismiss();
    return Created{init.pid, std::move(*console)};
}

Result<void> Runtime::create(const CreateOptions& opts) {
    sigset_t cur;
    ::sigprocmask(SIG_SETMASK, nullptr, &cur);
    auto c = create_impl(opts, cur, false);
    if (!c) return std::unexpected(c.error());
    return {};
}

Result<void> Runtime::start(const std::string& id) {
    auto lock = store_.lock(id);
    if (!lock) return std::unexpected(lock.error());
    auto rec = store_.load(id);
    if (!rec) return std::unexpected(rec.error());
    switch (status_of(store_, *rec)) {
        case Status::Created: break;
        case Status::Stopped: return fail("cannot start container {:?}: it has stopped", id);
        case Status::Creating: return fail("cannot start container {:?}: it is still being created", id);
        default: return fail("cannot start container {:?}: it is already running", id);
    }
    std::string fifo = store_.fifo(id);
    // Hold the fifo open for reading ourselves first: once the init has exec'd (its fifo fd
    // is close-on-exec) or died, no writer is left and poll reports POLLHUP. So `start`
    // returns only when the user's process runs, as poststart hooks require.
    UniqueFd rd(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!rd) return sys_fail("open {}", fifo);
    UniqueFd notify, init_pidfd;
    if (!rec->notify_socket.empty()) {
        // Listen before the process can speak; this process holds the socket from now on.
        auto n = bind_notify_socket(store_.dir(id) + "/notify");
        if (!n) return std::unexpected(n.error());
        notify = std::move(*n);
        init_pidfd.reset(sys::pidfd_open(rec->pid, 0));
    }
    {
        UniqueFd wr(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
        if (!wr) return sys_fail("open {}", fifo);
        if (::write(wr.get(), "0", 1) != 1) return sys_fail("write {}", fifo);
    }
    ::unlink(fifo.c_str());
    pollfd p{rd.get(), 0, 0};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    // The byte still unread means the init died at the gate (rather than ran and exited).
    int unread = 0;
    if (::ioctl(rd.get(), FIONREAD, &unread) == 0 && unread > 0)
        return fail("cannot start container {:?}: its init is gone", id);
    // poststart failures are warnings: the container is already running.
    auto hooks = hooks_from_json(rec->hooks_json);
    if (!hooks.poststart.empty())
        if (auto r = run_hooks(hooks.poststart, "poststart",
                               hook_state_json(id, "running", rec->pid, rec->bundle, rec->annotations));
            !r)
            std::fputs(fmt::format("brig-oci: warning: {}\n", r.error().what()).c_str(), stderr);  // never throws
    if (notify && init_pidfd)
        if (auto r = forward_notify(notify.get(), rec->notify_socket, init_pidfd.get(), rec->pid); !r)
            return std::unexpected(r.error());
    return {};
}

Result<int> Runtime::run(const CreateOptions& opts, bool detach, bool keep) {
    // Block the signals we forward (and SIGCHLD) before the child exists, so none is lost.
    sigset_t all = forwarded_signals(), old;
    ::sigprocmask(SIG_BLOCK, &all, &old);
    ScopeGuard restore([&] { ::sigprocmask(SIG_SETMASK, &old, nullptr); });
    if (!detach) ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

    auto c = create_impl(opts, old, !detach);
    if (!c) return std::unexpected(c.error());
    if (auto r = start(opts.id); !r) {
        (void)remove(opts.id, true);
        return std::unexpected(r.error());
    }
    if (detach) return 0;

    UniqueFd sigfd(::signalfd(-1, &all, SFD_CLOEXEC));
    if (!sigfd) return sys_fail("signalfd");
    int code = wait_forwarding(c->pid, sigfd.get(), c->console ? c->console.get() : -1);
    if (!keep)
        if (auto r = remove(opts.id, true); !r) return std::unexpected(r.error());
    return code;
}

Result<void> Runtime::kill(const std::string& id, int sig, bool all) {
    auto rec = store_.load(id);
    if (!rec) return std::unexpected(rec.error());
    Status st = status_of(store_, *rec);
    // --all signals whatever is left in the cgroup, also once the init has exited, as runc
    // does: containerd's shim sends `kill --all ID 9` after the init of a container that
    // shares its pid namespace (every container of a Kubernetes pod by default) exits.
    if (all && st == Status::Stopped) {
        kill_cgroup(*rec, sig);
        return {};
    }
    if (st == Status::Stopped || st == Status::Creating) return fail("container {:?} is not running", id);
    if (all) {
        kill_cgroup(*rec, sig);
        return {};
    }
    return signal_init(*rec, sig);
}

Result<void> Runtime::destroy(const StateRecord& rec) {
    auto hooks = hooks_from_json(rec.hooks_json);
    if (!hooks.poststop.empty())
        if (auto h = run_hooks(hooks.poststop, "poststop",
                               hook_state_json(rec.id, "stopped", 0, rec.bundle, rec.annotations));
            !h)
            std::fputs(fmt::format("brig-oci: warning: {}\n", h.error().what()).c_str(), stderr);  // never throws
    auto r = cgroup::destroy(rec.cgroup_created, rec.cgroup_dirs);
    if (auto s = store_.remove(rec.id); !s) return s;
    return r;
}

Result<void> Runtime::remove(const std::string& id, bool force) {
    auto lock = store_.lock(id, false);
    if (!lock) return std::unexpected(lock.error());
    auto rec = store_.load(id);
    if (!rec) return std::unexpected(rec.error());
    Status st = status_of(store_, *rec);
    if ((st == Status::Running || st == Status::Paused) && !force)
        return fail("cannot delete container {:?} that is not stopped: it is {}", id, to_string(st));
    if (st != Status::Stopped && rec->pid > 0) {
        // Created (or a create that died half-way): its init waits at the gate; kill it.
        if (!rec->own_pid_ns) kill_cgroup(*rec, SIGKILL);
        (void)signal_init(*rec, SIGKILL);
        if (st == Status::Paused) thaw(*rec);
        if (!wait_gone(rec->pid, rec->start_time, 10000))
            return fail("container {:?}: init (pid {}) did not exit after SIGKILL", id, rec->pid);
    }
    if (!rec->own_pid_ns) kill_cgroup(*rec, SIGKILL);
    return destroy(*rec);
}

Result<StateView> Runtime::state(const std::string& id) const {
    auto rec = store_.load(id);
    if (!rec) return std::unexpected(rec.error());
    return StateView{*rec, status_of(store_, *rec)};
}

Result<std::vector<StateView>> Runtime::list() const {
    std::vector<StateView> out;
    for (auto& id : store_.ids()) {
        auto rec = store_.load(id);
        if (!rec) continue;
        out.push_back(StateView{*rec, status_of(store_, *rec)});
    }
    return out;
}

}  // namespace brig::runtime
