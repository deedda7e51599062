#include "runtime/init.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <cstdlib>
#include <map>

#include "linux/cpuset.hpp"
#include "linux/fs.hpp"
#include "linux/numa.hpp"
#include "linux/syscalls.hpp"
#include "linux/userns.hpp"
#include "runtime/console.hpp"
#include "runtime/hooks.hpp"
#include "runtime/process_setup.hpp"
#include "runtime/rootfs.hpp"
#include "runtime/sync.hpp"

namespace brig::runtime {
namespace {

// Writes to procfs files of the host's /proc, verified to be a real procfs, before
// pivot_root: a container cannot redirect them with a fake /proc.
Result<void> write_proc(const std::string& path, std::string_view value) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return sys_fail("open {}", path);
    struct statfs sfs;
    if (::fstatfs(fd.get(), &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) return fail("{} is not on procfs", path);
    if (::write(fd.get(), value.data(), value.size()) < 0) return sys_fail("write {:?} to {}", value, path);
    return {};
}

Result<void> apply_sysctls(const oci::Linux& l) {
    for (auto& [key, value] : l.sysctl) {
        std::string path = "/proc/sys/" + key;
        for (auto& c : path)
            if (c == '.') c = '/';
        if (auto r = write_proc(path, value); !r) return std::unexpected(std::move(r.error()).context(fmt::format("linux.sysctl {:?}", key)));
    }
    return {};
}

Result<void> apply_time_offsets(const oci::Linux& l) {
    if (::unshare(CLONE_NEWTIME) < 0) return sys_fail("unshare time namespace");
    std::string offsets;
    for (auto& [clock, off] : l.timeOffsets) offsets += fmt::format("{} {} {}\n", clock, off.secs, off.nanosecs);
    if (!offsets.empty())
        if (auto r = write_proc("/proc/self/timens_offsets", offsets); !r) return r;
    // A new time namespace applies to children; enter it ourselves.
    UniqueFd fd(::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC));
    if (!fd || ::setns(fd.get(), CLONE_NEWTIME) < 0) return sys_fail("enter time namespace");
    return {};
}

// Joined namespaces, the parent's Go (with the id-mapped mounts it made before it), then
// the namespaces the init makes itself. Returns those mounts, keyed by mounts[] index;
// `joined_user` says whether a user namespace was joined.
Result<std::map<size_t, UniqueFd>> enter_namespaces(const InitConfig& cfg, const SyncSocket& sync, bool& joined_user) {
    const oci::Spec& spec = *cfg.spec;
    // Into our v1 cgroups before anything else (the unified one, if any, we were born in or
    // the parent moves us into). A failure is reported after Go: the parent is not
    // listening before that.
    Result<void> joined;
    if (cfg.self_join) joined = cgroup::join_self(*cfg.self_join);
    // Joined user namespace first: the others are owned by it.
    joined_user = !cfg.joins.empty() && cfg.joins[0].nstype == CLONE_NEWUSER;
    if (joined_user && ::setns(cfg.joins[0].fd, CLONE_NEWUSER) < 0)
        return sys_fail("join user namespace {}", cfg.joins[0].path);
    // The parent writes our id maps and hands over id-mapped mounts, then says Go.
    std::map<size_t, UniqueFd> premade;
    for (;;) {
        UniqueFd fd;
        auto m = sync.recv(&fd);
        if (!m) return std::unexpected(m.error());
        if (m->type == SyncType::Go) break;
        if (m->type != SyncType::MountFd || !fd) return fail("unexpected sync message {}", static_cast<int>(m->type));
        auto index = parse_sync_number(m->text, spec.mounts.size() - 1);
        if (spec.mounts.empty() || !index) return fail("sync: mount index {:?} out of range", m->text);
        premade[*index] = std::move(fd);
    }
    if (!joined) return std::unexpected(joined.error());
    if (cfg.rootless) ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // rootless: maps are written now
    if (cfg.new_user_ns || joined_user) {
        if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0) return sys_fail("become root in the user namespace");
    }
    for (size_t i = joined_user ? 1 : 0; i < cfg.joins.size(); ++i)
        if (::setns(cfg.joins[i].fd, cfg.joins[i].nstype) < 0) return sys_fail("join namespace {}", cfg.joins[i].path);
    if (cfg.unshare_flags && ::unshare(cfg.unshare_flags) < 0) return sys_fail("unshare namespaces");
    if (cfg.fork_for_pid) {
        // unshare(CLONE_NEWPID) applies to children only: the init proper is our child,
        // pid 1 of the new namespace. We tell the runtime its pid and leave.
        clone_args args{};
        args.exit_signal = SIGCHLD;
        long pid = sys::clone3(args);
        if (pid < 0) return sys_fail("fork the init into the new pid namespace");
        if (pid > 0) {
            (void)sync.send(SyncType::Pid, 0, std::to_string(pid));
            ::_exit(0);
        }
    }
    // The cgroup namespace comes after the parent moved us into the container's cgroup,
    // so that cgroup becomes the namespace's root.
    if (cfg.new_cgroup_ns && ::unshare(CLONE_NEWCGROUP) < 0) return sys_fail("unshare cgroup namespace");
    if (cfg.new_time_ns)
        if (auto r = apply_time_offsets(*spec.linux); !r) return std::unexpected(r.error());
    return premade;
}

// The root file system, with the hooks that run before pivot_root.
Result<void> build_root(const InitConfig& cfg, const SyncSocket& sync, bool in_user_ns,
                        std::map<size_t, UniqueFd>& premade, std::string& hook_state) {
    const oci::Spec& spec = *cfg.spec;
    ::umask(0);  // devices and mount points get exactly the modes asked for
    RootfsContext rctx{spec, cfg.rootfs, cfg.no_pivot, in_user_ns, cfg.new_cgroup_ns,
                       cfg.new_net_ns, cfg.cgroups, cfg.cgroup, &premade, {}};
    if (spec.hooks && (!spec.hooks->prestart.empty() || !spec.hooks->createRuntime.empty() ||
                       !spec.hooks->createContainer.empty() || !spec.hooks->startContainer.empty())) {
        // Before pivot_root: the runtime runs prestart + createRuntime in its namespaces, then
        // we run createContainer in ours. The runtime's Go carries the state they all read.
        rctx.before_pivot = [&]() -> Result<void> {
            if (auto r = sync.send(SyncType::Hooks); !r) return r;
            auto m = sync.expect(SyncType::Go);
            if (!m) return std::unexpected(m.error());
            hook_state = std::move(m->text);
            return run_hooks(spec.hooks->createContainer, "createContainer", hook_state);
        };
    }
    return setup_rootfs(rctx);
}

// process.* inside the new root: terminal, limits, cwd, then the user, the capabilities
// and seccomp, in the order that keeps each step possible.
Result<void> enter_process(const InitConfig& cfg, const SyncSocket& sync, bool in_user_ns) {
    const oci::Process& proc = *cfg.spec->process;
    const oci::Linux& lnx = *cfg.spec->linux;
    if (proc.terminal) {
        auto master = setup_container_console(proc);
        if (!master) return std::unexpected(master.error());
        if (auto r = sync.send(SyncType::ConsoleFd, 0, {}, master->get()); !r) return r;
    }
    if (auto r = apply_personality(lnx); !r) return r;
    if (auto r = apply_process_limits(proc); !r) return r;
    if (auto r = enter_cwd(proc.cwd, "process.cwd"); !r) return r;
    bool setgroups_allowed = true;
    if (in_user_ns) {
        auto sg = linuxfs::read_file("/proc/self/setgroups");
        setgroups_allowed = !sg || sg->rfind("deny", 0) != 0;
    }
    // seccomp: without no_new_privs the kernel wants CAP_SYS_ADMIN to load a filter, so
    // it goes in before the capabilities are dropped; with it, as late as possible.
    auto load_filter = [&]() -> Result<void> {
        auto notify = load_seccomp(cfg.seccomp);
        if (!notify) return std::unexpected(notify.error());
        if (*notify) return sync.send(SyncType::SeccompFd, 0, {}, notify->get());
        return {};
    };
    if (!proc.noNewPrivileges)
        if (auto r = load_filter(); !r) return r;
    if (auto r = switch_user(proc, setgroups_allowed); !r) return r;
    if (lnx.memoryPolicy)
        if (auto r = numa::apply_memory_policy(*lnx.memoryPolicy); !r) return r;
    if (proc.execCPUAffinity && !proc.execCPUAffinity->final.empty())
        if (auto r = cpuset::apply_cpu_affinity(proc.execCPUAffinity->final, "process.execCPUAffinity.final"); !r)
            return r;
    if (auto r = apply_no_new_privs(proc); !r) return r;
    if (proc.noNewPrivileges)
        if (auto r = load_filter(); !r) return r;
    return {};
}

Result<void> setup(const InitConfig& cfg, const SyncSocket& sync, std::string& hook_state) {
    const oci::Spec& spec = *cfg.spec;
    bool joined_user = false;
    auto premade = enter_namespaces(cfg, sync, joined_user);
    if (!premade) return std::unexpected(premade.error());
    bool in_user_ns = cfg.new_user_ns || joined_user || userns::running_in_user_ns();

    if (::setsid() < 0) return sys_fail("setsid");
    if (spec.process->oomScoreAdj)
        if (auto r = write_proc("/proc/self/oom_score_adj", std::to_string(*spec.process->oomScoreAdj)); !r) return r;
    if (auto r = apply_sysctls(*spec.linux); !r) return r;
    if (auto r = apply_lsm(*spec.process); !r) return r;  // through the host's procfs, before pivot_root

    if (auto r = build_root(cfg, sync, in_user_ns, *premade, hook_state); !r) return r;
    if (!spec.hostname.empty() && ::sethostname(spec.hostname.data(), spec.hostname.size()) < 0)
        return sys_fail("set hostname {:?}", spec.hostname);
    if (!spec.domainname.empty() && ::setdomainname(spec.domainname.data(), spec.domainname.size()) < 0)
        return sys_fail("set domainname {:?}", spec.domainname);
    return enter_process(cfg, sync, in_user_ns);
}

}  // namespace

void run_init(const InitConfig& cfg) {
    for (int fd : cfg.close_in_child) ::close(fd);
    SyncSocket sync{UniqueFd(cfg.sync_fd)};
    // Nobody may open our /proc/<pid>/exe or memory while we run host code in the
    // container's namespaces; execve resets this for the user's process. A rootless
    // runtime must first write the id maps of a new user namespace, which needs us
    // dumpable: then it waits for Go (nothing of the container runs in that namespace yet).
    // cfg.rootless, not geteuid(): in a new user namespace geteuid() turns 0 the moment the
    // parent writes uid_map, which may come before this line, and a non-dumpable child's
    // gid_map can no longer be opened by the unprivileged parent.
    if (!cfg.rootless || !cfg.new_user_ns) ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // If the runtime dies during setup, so do we.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

    auto report = [&](const Error& e) {
        (void)sync.send(SyncType::Error, e.errnum, e.message);
        ::_exit(1);
    };
    std::string hook_state;
    if (auto r = setup(cfg, sync, hook_state); !r) report(r.error());
    auto exe = find_executable(*cfg.spec->process);
    if (!exe) report(exe.error());
    ExecArgs args = make_exec_args(*cfg.spec->process);

    // Only stdio and the preserved fds survive into the container (all ours are CLOEXEC;
    // this also catches any inherited without it).
    ::close_range(3 + static_cast<unsigned>(cfg.preserve_fds), ~0U, CLOSE_RANGE_CLOEXEC);
    for (int fd = 3; fd < 3 + cfg.preserve_fds; ++fd) ::fcntl(fd, F_SETFD, 0);

    // Past this point the runtime exits once it has recorded us: we must outlive it.
    ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (auto r = sync.send(SyncType::Ready); !r) ::_exit(1);
    sync.close();

    // The start gate: blocks until `start` writes a byte into exec.fifo.
    char byte;
    ssize_t n;
    do n = ::read(cfg.fifo_fd, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) ::_exit(1);

    if (cfg.spec->hooks && !cfg.spec->hooks->startContainer.empty())
        if (auto r = run_hooks(cfg.spec->hooks->startContainer, "startContainer", hook_state); !r) {
            dprintf(2, "brig-oci: %s\n", r.error().what().c_str());
            ::_exit(1);
        }
    ::sigprocmask(SIG_SETMASK, &cfg.restore_mask, nullptr);
    ::execve(exe->c_str(), args.argv.data(), args.envp.data());
    int e = errno;
    dprintf(2, "brig-oci: exec %s: %s\n", exe->c_str(), strerror(e));
    ::_exit(e == ENOENT ? 127 : 126);
}

}  // namespace brig::runtime
