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
#include "linux/fs.hpp"
#include "linux/netlink.hpp"
#include "linux/seccomp.hpp"
#include "linux/syscalls.hpp"
#include "linux/userns.hpp"
#include "oci/names.hpp"
#include "runtime/console.hpp"
#include "runtime/hooks.hpp"
#include "runtime/init.hpp"
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
Result<void> signal_init(const ContainerRecord& rec, int sig) {
    UniqueFd pidfd(sys::pidfd_open(rec.pid, 0));
    if (!pidfd) {
        if (errno == ESRCH) return fail("container {:?} is not running", rec.id);
        return sys_fail("pidfd_open {}", rec.pid);
    }
    if (process_start_time(rec.pid) != rec.start_time) return fail("container {:?} is not running", rec.id);
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
    if (process_start_time(pid) != start_time) return true;
    pollfd p{pidfd.get(), POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
}

void kill_cgroup(const ContainerRecord& rec, int sig) {
    for (pid_t p : cgroup::pids(rec.cgroup_dirs)) ::kill(p, sig);
}

// Unfreeze a paused container so that it can die (v1 freezer, v2 cgroup.freeze).
void thaw(const ContainerRecord& rec) {
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

struct NamespacePlan {
    uint64_t clone_flags = 0;
    int unshare_flags = 0;
    bool new_user = false, new_cgroup = false, new_time = false, new_net = false, own_pid = false;
    bool fork_for_pid = false;  // the init is a grandchild (pid ns made after joining a userns)
    std::vector<UniqueFd> fds;
    std::vector<NamespaceJoin> joins;  // user first
    UniqueFd join_pid, join_time;      // entered by the parent (they apply to its children)
};

Result<NamespacePlan> plan_namespaces(const oci::Linux& l) {
    NamespacePlan p;
    bool join_user = false, new_pid = false;
    for (size_t i = 0; i < l.namespaces.size(); ++i) {
        const auto& ns = l.namespaces[i];
        auto flag = oci::namespace_clone_flag(ns.type);
        if (!flag) return fail("linux.namespaces[{}].type: unknown namespace type {:?}", i, ns.type);
        if (ns.path.empty()) {
            if (*flag == CLONE_NEWUSER) p.new_user = true;
            else if (*flag == CLONE_NEWCGROUP) p.new_cgroup = true;
            else if (*flag == CLONE_NEWTIME) p.new_time = true;
            else if (*flag == CLONE_NEWPID) new_pid = true;
            else p.unshare_flags |= *flag;
            if (*flag == CLONE_NEWNET) p.new_net = true;
            if (*flag == CLONE_NEWPID) p.own_pid = true;
            continue;
        }
        UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return sys_fail("linux.namespaces[{}].path {}", i, ns.path);
        if (*flag == CLONE_NEWPID) {
            p.join_pid = std::move(fd);
            p.own_pid = false;
        } else if (*flag == CLONE_NEWTIME) {
            p.join_time = std::move(fd);
        } else {
            NamespaceJoin j{fd.get(), *flag, ns.path};
            if (*flag == CLONE_NEWUSER) {
                join_user = true;
                p.joins.insert(p.joins.begin(), j);
            } else {
                p.joins.push_back(j);
            }
            p.fds.push_back(std::move(fd));
        }
    }
    if (join_user) {
        // In a joined user namespace the new namespaces must be made by the child after
        // setns, so that they belong to it; a new pid namespace then needs one more fork.
        if (new_pid) {
            p.unshare_flags |= CLONE_NEWPID;
            p.fork_for_pid = true;
        }
    } else {
        p.clone_flags = static_cast<uint64_t>(p.unshare_flags) | (p.new_user ? CLONE_NEWUSER : 0) |
                        (new_pid ? CLONE_NEWPID : 0);
        p.unshare_flags = 0;
    }
    return p;
}

}  // namespace

Result<int> parse_signal(std::string_view s) {
    if (s.empty()) return fail("signal must not be empty");
    if (std::isdigit(static_cast<unsigned char>(s[0]))) {
        int n = 0;
        for (char c : s) {
            if (!std::isdigit(static_cast<unsigned char>(c)) || n > 1000) return fail("invalid signal {:?}", s);
            n = n * 10 + (c - '0');
        }
        if (n <= 0 || n > SIGRTMAX) return fail("invalid signal number {}", n);
        return n;
    }
    std::string name;
    for (char c : s) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.rfind("SIG", 0) == 0) name = name.substr(3);
    static constexpr std::pair<const char*, int> table[] = {
        {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
        {"ABRT", SIGABRT},   {"IOT", SIGIOT},       {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},
        {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
        {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP},
        {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},
        {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
        {"POLL", SIGPOLL},   {"PWR", SIGPWR},       {"SYS", SIGSYS},
    };
    for (auto& [n, v] : table)
        if (name == n) return v;
    if (name.rfind("RTMIN", 0) == 0 || name.rfind("RTMAX", 0) == 0) {
        bool min = name[3] == 'I';
        int off = 0;
        if (name.size() > 5) {
            if (name[5] != (min ? '+' : '-')) return fail("unknown signal {:?}", s);
            off = std::atoi(name.c_str() + 6);
        }
        int v = min ? SIGRTMIN + off : SIGRTMAX - off;
        if (v < SIGRTMIN || v > SIGRTMAX) return fail("unknown signal {:?}", s);
        return v;
    }
    return fail("unknown signal {:?}", s);
}

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
    if (auto r = validate_id(opts.id); !r) return std::unexpected(r.error());
    auto bundle = absolute(opts.bundle.empty() ? "." : opts.bundle);
    if (!bundle) return std::unexpected(std::move(bundle.error()).context("bundle"));
    std::string config_text;
    auto loaded = oci::load_spec(*bundle, &config_text);
    if (!loaded) return std::unexpected(loaded.error());
    oci::Spec& spec = *loaded;
    if (!spec.process) return fail("{}/config.json: process: required to create a container", *bundle);
    if (spec.process->terminal && opts.console_socket.empty() && !foreground)
        return fail("process.terminal is true: a detached container needs --console-socket to hand the terminal to");
    if (spec.linux->intelRdt)
        return fail("linux.intelRdt: Intel RDT (resctrl) is not supported by brig-oci{}",
                    linuxfs::exists("/sys/fs/resctrl/schemata") ? " yet" : " and not available on this kernel");

    std::string root_path = spec.root.path.front() == '/' ? spec.root.path : *bundle + "/" + spec.root.path;
    struct stat st;
    if (::stat(root_path.c_str(), &st) < 0) return sys_fail("root.path: rootfs {}", root_path);
    if (!S_ISDIR(st.st_mode)) return fail("root.path: rootfs {} is not a directory", root_path);
    auto rootfs = absolute(root_path);
    if (!rootfs) return std::unexpected(std::move(rootfs.error()).context("root.path"));
    if (!spec.linux->find_namespace("mount")) return fail("linux.namespaces: a mount namespace is required");

    // The filter is compiled here, before any process of the container exists; the init
    // only loads the finished program.
    std::optional<seccomp::SeccompFilter> filter;
    if (spec.linux->seccomp) {
        auto f = seccomp::SeccompFilter::build(*spec.linux->seccomp);
        if (!f) return std::unexpected(f.error());
        filter.emplace(std::move(*f));
    }
    if (auto r = check_lsm(*spec.process, "process"); !r) return std::unexpected(r.error());
    auto ns = plan_namespaces(*spec.linux);
    if (!ns) return std::unexpected(ns.error());
    auto cgsys = cgroup::detect();
    if (!cgsys) return std::unexpected(cgsys.error());
    // Without a running systemd there is nobody to ask for a unit: refuse rather than
    // silently fall back to cgroupfs (the caller asked for systemd's bookkeeping).
    if (opts.systemd_cgroup && !linuxfs::exists("/run/systemd/system"))
        return fail("--systemd-cgroup: systemd is not running on this machine, so the cgroup {:?} cannot be "
                    "created through it (drop --systemd-cgroup to use cgroupfs)", spec.linux->cgroupsPath);
    auto cg = cgroup::plan(*cgsys, spec.linux->cgroupsPath, opts.id);
    if (!cg) return std::unexpected(cg.error());

    // From here on we create things; the guard undoes them unless create succeeds.
    if (auto r = store_.claim(opts.id); !r) return std::unexpected(r.error());
    pid_t child = -1;
    UniqueFd child_pidfd;
    ScopeGuard undo([&] {
        if (child_pidfd) {
            sys::pidfd_send_signal(child_pidfd.get(), SIGKILL);
            ::waitpid(child, nullptr, 0);
        }
        (void)cgroup::destroy(cg->created, cg->dirs);
        (void)store_.remove(opts.id);
    });
    // Socket activation and sd_notify change what the process gets; the notify directory
    // lives in the state dir, which the undo guard removes.
    if (opts.listen_fds > 0) {
        spec.process->env.push_back(fmt::format("LISTEN_FDS={}", opts.listen_fds));
        spec.process->env.push_back("LISTEN_PID=1");
    }
    if (!opts.notify_socket.empty()) {
        std::string dir = store_.dir(opts.id) + "/notify";
        if (::mkdir(dir.c_str(), 0755) < 0) return sys_fail("create {}", dir);
        spec.mounts.push_back({kNotifyDirInContainer, "bind", dir, {"rbind", "nosuid", "nodev", "noexec"}, {}, {}});
        spec.process->env.push_back(fmt::format("NOTIFY_SOCKET={}", kNotifySocketInContainer));
    }
    auto lock = store_.lock(opts.id);
    if (!lock) return std::unexpected(lock.error());

    ContainerRecord rec;
    rec.id = opts.id;
    rec.bundle = *bundle;
    rec.rootfs = *rootfs;
    rec.annotations = spec.annotations;
    rec.own_pid_ns = ns->own_pid;
    rec.cgroup_dirs = cg->dirs;
    if (spec.hooks) rec.hooks_json = hooks_to_json(*spec.hooks);
    rec.notify_socket = opts.notify_socket;

    // Record what delete needs before making it, so a create killed at any point leaves
    // something `delete` can clean.
    for (auto& d : cg->dirs)
        if (!linuxfs::exists(d)) rec.cgroup_created.push_back(d);
    if (auto w = store_.save(rec); !w) return std::unexpected(w.error());
    if (auto r = cgroup::create(*cg); !r) {
        // Rootless without a delegated cgroup: run without one, as runc does, unless the
        // spec asks for limits that need it.
        bool denied = r.error().errnum == EACCES || r.error().errnum == EPERM || r.error().errnum == EROFS;
        if ((::geteuid() == 0 && !userns::running_in_user_ns()) || !denied) return std::unexpected(r.error());
        if (spec.linux->resources && has_limits(*spec.linux->resources))
            return std::unexpected(std::move(r.error()).context(
                "rootless: linux.resources needs a cgroup delegated to this user"));
        cg->dirs.clear();
        cg->created.clear();
        cg->v2_dir.clear();
        rec.cgroup_dirs.clear();
    }
    rec.cgroup_created = cg->created;
    // Always applied: runc's default device rules hold even when the spec lists no resources,
    // and the nodes of linux.devices are allowed. Errors name the field and the file.
    cgroup::ApplyOptions apply_opts;
    apply_opts.devices = spec.linux->devices;
    if (auto r = cgroup::apply(*cg, *cgsys, spec.linux->resources.value_or(oci::Resources{}), apply_opts); !r)
        return std::unexpected(r.error());

    // exec reads the container's config from here, not from a bundle that may have changed.
    if (auto w = linuxfs::write_file_atomic(store_.config(opts.id), config_text, 0600, false); !w)
        return std::unexpected(w.error());
    std::string fifo = store_.fifo(opts.id);
    if (::mkfifo(fifo.c_str(), 0622) < 0) return sys_fail("create {}", fifo);
    UniqueFd fifo_fd(::open(fifo.c_str(), O_RDWR | O_CLOEXEC));
    if (!fifo_fd) return sys_fail("open {}", fifo);
    auto socks = SyncSocket::make_pair();
    if (!socks) return std::unexpected(socks.error());
    auto& [parent_sock, child_sock] = *socks;

    if (ns->join_pid && ::setns(ns->join_pid.get(), CLONE_NEWPID) < 0) return sys_fail("join pid namespace");
    if (ns->join_time && ::setns(ns->join_time.get(), CLONE_NEWTIME) < 0) return sys_fail("join time namespace");

    InitConfig cfg;
    cfg.spec = &spec;
    cfg.rootfs = *rootfs;
    cfg.no_pivot = opts.no_pivot;
    cfg.sync_fd = child_sock.fd();
    cfg.fifo_fd = fifo_fd.get();
    cfg.new_user_ns = ns->new_user;
    cfg.rootless = ::geteuid() != 0;
    cfg.joins = ns->joins;
    cfg.unshare_flags = ns->unshare_flags;
    cfg.fork_for_pid = ns->fork_for_pid;
    cfg.new_cgroup_ns = ns->new_cgroup;
    cfg.new_net_ns = ns->new_net;
    cfg.new_time_ns = ns->new_time;
    cfg.cgroups = &*cgsys;
    cfg.cgroup = &*cg;
    cfg.preserve_fds = opts.listen_fds + opts.preserve_fds;
    cfg.restore_mask = restore_mask;
    cfg.seccomp = filter ? &*filter : nullptr;
    // The state lock is an flock on an open file: a child holding a copy would hold the lock.
    cfg.close_in_child = {lock->get(), parent_sock.fd()};

    // v1 hierarchies: the init moves itself in through these (see cgroup::SelfJoin); the
    // unified one: it is born there (CLONE_INTO_CGROUP), or we move it by pid below.
    auto self_join = cgroup::prepare_self_join(cg->dirs);
    if (!self_join) return std::unexpected(self_join.error());
    cfg.self_join = &*self_join;
    std::vector<std::string> join_by_pid = self_join->by_pid;
    UniqueFd cgroup_fd;
    clone_args args{};
    int pidfd = -1;
    args.flags = ns->clone_flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    if (join_by_pid.size() == 1 && join_by_pid[0] == cg->v2_dir) {
        // Born in its cgroup: no window in which the child runs outside its limits.
        cgroup_fd.reset(::open(cg->v2_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
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
    if (args.flags & CLONE_INTO_CGROUP) join_by_pid.clear();
    self_join->fds.clear();
    child = static_cast<pid_t>(r);
    child_pidfd.reset(pidfd);
    child_sock.close();
    fifo_fd.reset();

    rec.pid = child;
    rec.start_time = process_start_time(child);
    if (auto w = store_.save(rec); !w) return std::unexpected(w.error());
    if (ns->new_user) {
        if (auto w = userns::write_maps(child, spec.linux->uidMappings, spec.linux->gidMappings); !w)
            return std::unexpected(w.error());
    }
    // linux.netDevices: host interfaces move into the new network namespace (renamed if asked).
    for (auto& [host_name, dev] : spec.linux->netDevices) {
        if (!(args.flags & CLONE_NEWNET))
            return fail("linux.netDevices: needs a new network namespace created with the container");
        if (auto m = netlink::move_link_to_netns(host_name, child, dev.name.empty() ? host_name : dev.name); !m)
            return std::unexpected(m.error());
    }
    // Id-mapped mounts need privileges over the file system's own user namespace, which
    // the init in its new namespace lacks: the runtime makes them and hands them over.
    auto idmapped = prepare_idmapped_mounts(spec, child, ns->new_user);
    if (!idmapped) return std::unexpected(idmapped.error());
    for (auto& [index, fd] : *idmapped)
        if (auto s = parent_sock.send(SyncType::MountFd, 0, std::to_string(index), fd.get()); !s)
            return std::unexpected(s.error());
    if (auto j = cgroup::join_dirs(join_by_pid, child); !j) return std::unexpected(j.error());
    if (auto s = parent_sock.send(SyncType::Go); !s) return std::unexpected(s.error());
    // The init reports in order: [Pid] [Hooks] [ConsoleFd] Ready (or Error at any point).
    Created out;
    for (bool ready = false; !ready;) {
        UniqueFd fd;
        auto m = parent_sock.recv(&fd);
        if (!m) return std::unexpected(explain_silent_exit(m.error(), child_pidfd.get(), spec.linux->seccomp.has_value()));
        switch (m->type) {
            case SyncType::Error: return std::unexpected(Error{m->errnum, std::move(m->text)});
            case SyncType::Pid: {
                // The child made the pid namespace and forked the real init: adopt its pid.
                auto parsed = parse_sync_number(m->text, INT32_MAX);
                pid_t init = parsed ? static_cast<pid_t>(*parsed) : -1;
                ::waitpid(child, nullptr, 0);
                child_pidfd.reset(init > 0 ? sys::pidfd_open(init, 0) : -1);
                if (!child_pidfd) return fail("container init: bad pid {:?} from the intermediate process", m->text);
                child = rec.pid = init;
                rec.start_time = process_start_time(init);
                if (auto w = store_.save(rec); !w) return std::unexpected(w.error());
                break;
            }
            case SyncType::Hooks: {
                std::string state = hook_state_json(rec.id, "creating", child, rec.bundle, rec.annotations);
                if (auto h = run_hooks(spec.hooks->prestart, "prestart", state); !h) return std::unexpected(h.error());
                if (auto h = run_hooks(spec.hooks->createRuntime, "createRuntime", state); !h)
                    return std::unexpected(h.error());
                if (auto s = parent_sock.send(SyncType::Go, 0, state); !s) return std::unexpected(s.error());
                break;
            }
            case SyncType::ConsoleFd:
                if (!fd) return fail("container init sent no terminal");
                if (!opts.console_socket.empty()) {
                    if (auto s = send_console(opts.console_socket, fd.get()); !s) return std::unexpected(s.error());
                } else {
                    out.console = std::move(fd);
                }
                break;
            case SyncType::SeccompFd: {
                if (!fd) return fail("container init sent no seccomp notify fd");
                const auto& sc = *spec.linux->seccomp;
                std::string state = hook_state_json(rec.id, "creating", child, rec.bundle, rec.annotations);
                if (auto s = seccomp::send_to_listener(
                        sc.listenerPath, fd.get(), seccomp::container_process_state_json(sc.listenerMetadata, child, state));
                    !s)
                    return std::unexpected(std::move(s.error()).context("linux.seccomp.listenerPath"));
                break;
            }
            case SyncType::Ready: ready = true; break;
            default: return fail("unexpected sync message type {} from the container init", static_cast<int>(m->type));
        }
    }

    rec.created = now_rfc3339();
    if (auto w = store_.save(rec); !w) return std::unexpected(w.error());
    if (auto w = write_pid_file(opts.pid_file, child); !w) return std::unexpected(w.error());
    undo.dismiss();
    out.pid = child;
    return out;
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

Result<void> Runtime::destroy(const ContainerRecord& rec) {
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
