// brig-oci exec: a new process inside a running container. The runtime forks a child
// that joins the init's namespaces (user first) and cgroup, takes the process settings
// (the container's, overridden by the request) and execs; stdio passes through, or a pty
// made inside the container goes to --console-socket or is proxied.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <optional>

#include "cgroup/manager.hpp"
#include "common/scope.hpp"
#include "linux/cpuset.hpp"
#include "linux/fs.hpp"
#include "linux/proc.hpp"
#include "linux/seccomp.hpp"
#include "linux/syscalls.hpp"
#include "oci/names.hpp"
#include "runtime/console.hpp"
#include "runtime/hooks.hpp"
#include "runtime/container.hpp"
#include "runtime/process_setup.hpp"
#include "runtime/sync.hpp"

namespace brig::runtime {
namespace {

struct Join {
    UniqueFd fd;
    int nstype;
};

// The request applied on top of the container's own process.
Result<oci::Process> build_process(const ExecRequest& req, const oci::Spec& spec) {
    oci::Process p;
    if (!req.process_file.empty()) {
        auto text = linuxfs::read_file(req.process_file == "-" ? "/dev/stdin" : req.process_file);
        if (!text) return std::unexpected(std::move(text.error()).context("--process"));
        auto parsed = oci::parse_process(*text);
        if (!parsed) return std::unexpected(std::move(parsed.error()).context(fmt::format("--process {}", req.process_file)));
        return *parsed;
    }
    if (req.args.empty()) return fail("exec: a command to run is required (brig-oci exec ID COMMAND [ARG...])");
    p = *spec.process;
    p.args = req.args;
    p.terminal = req.tty;
    p.consoleSize.reset();
    if (!req.cwd.empty()) p.cwd = req.cwd;
    for (auto& e : req.env) {
        auto eq = e.find('=');
        if (eq == std::string::npos || eq == 0) return fail("exec: --env {:?}: must be NAME=VALUE", e);
        std::string prefix = e.substr(0, eq + 1);
        std::erase_if(p.env, [&](const std::string& x) { return x.rfind(prefix, 0) == 0; });
        p.env.push_back(e);
    }
    if (!req.user.empty()) {
        auto colon = req.user.find(':');
        auto num = [&](const std::string& s) -> std::optional<uint32_t> {
            if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 10) return std::nullopt;
            unsigned long v = std::stoul(s);
            if (v > UINT32_MAX) return std::nullopt;
            return static_cast<uint32_t>(v);
        };
        auto uid = num(req.user.substr(0, colon));
        auto gid = colon == std::string::npos ? std::optional<uint32_t>(p.user.gid) : num(req.user.substr(colon + 1));
        if (!uid || !gid) return fail("exec: --user {:?}: must be UID[:GID] (numbers)", req.user);
        p.user.uid = *uid;
        p.user.gid = *gid;
    }
    if (!req.additional_gids.empty()) p.user.additionalGids = req.additional_gids;
    if (!req.caps.empty()) {
        if (!p.capabilities) p.capabilities.emplace();
        for (auto& c : req.caps) {
            if (!oci::capability_from_name(c)) return fail("exec: --cap {:?}: unknown capability", c);
            for (auto* set : {&p.capabilities->bounding, &p.capabilities->effective, &p.capabilities->permitted,
                              &p.capabilities->ambient})
                set->push_back(c);
        }
        if (auto r = oci::resolve_names(p, "process"); !r) return std::unexpected(r.error());  // new masks
    }
    if (req.no_new_privs) p.noNewPrivileges = true;
    if (!req.apparmor.empty()) p.apparmorProfile = req.apparmor;
    if (!req.process_label.empty()) p.selinuxLabel = req.process_label;
    if (auto v = oci::validate_process(p, "process"); !v) return std::unexpected(v.error());
    return p;
}

// The child: join, set up, report, exec. Never returns.
[[noreturn]] void exec_child(const oci::Process& p, std::vector<Join>& joins, cgroup::SelfJoin& cgroups,
                             const SyncSocket& sync, const std::vector<int>& close_fds, int preserve_fds,
                             const sigset_t& restore, const seccomp::SeccompFilter* filter) {
    for (int fd : close_fds)
        if (fd >= 0) ::close(fd);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // no /proc/<pid>/exe of ours for the container
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    auto setup = [&]() -> Result<std::string> {
        // "initial" applies before the process joins the container's cgroup (whose
        // cpuset may be narrower), "final" once it is inside.
        if (p.execCPUAffinity && !p.execCPUAffinity->initial.empty())
            if (auto r = cpuset::apply_cpu_affinity(p.execCPUAffinity->initial, "process.execCPUAffinity.initial"); !r)
                return std::unexpected(r.error());
        // Into the container's v1 cgroups ourselves (see cgroup::SelfJoin); reported after
        // Go, when the parent listens.
        auto joined = cgroup::join_self(cgroups);
        bool in_userns = false;
        for (auto& j : joins)
            if (j.nstype == CLONE_NEWUSER) {
                if (::setns(j.fd.get(), CLONE_NEWUSER) < 0) return sys_fail("join the container's user namespace");
                in_userns = true;
            }
        if (auto m = sync.expect(SyncType::Go); !m) return std::unexpected(m.error());
        if (!joined) return std::unexpected(std::move(joined.error()).context("exec: join the container's cgroup"));
        // The exec label goes through the host's procfs, before we enter the container's mounts.
        if (auto r = apply_lsm(p); !r) return std::unexpected(r.error());
        for (auto& j : joins)
            if (j.nstype != CLONE_NEWUSER && ::setns(j.fd.get(), j.nstype) < 0)
                return sys_fail("join the container's namespace (type {:#x})", j.nstype);
        joins.clear();
        if (::setsid() < 0) return sys_fail("setsid");
        if (p.terminal) {
            auto master = setup_container_console(p, false);
            if (!master) return std::unexpected(master.error());
            if (auto r = sync.send(SyncType::ConsoleFd, 0, {}, master->get()); !r) return std::unexpected(r.error());
        }
        if (auto r = apply_process_limits(p); !r) return std::unexpected(r.error());
        if (auto r = enter_cwd(p.cwd, "cwd"); !r) return std::unexpected(r.error());
        bool setgroups_allowed = true;
        if (in_userns) {
            auto sg = linuxfs::read_file("/proc/self/setgroups");
            setgroups_allowed = !sg || sg->rfind("deny", 0) != 0;
        }
        // The container's seccomp filter applies to exec'd processes too (same order as init).
        auto load_filter = [&]() -> Result<void> {
            auto notify = load_seccomp(filter);
            if (!notify) return std::unexpected(notify.error());
            if (*notify) return sync.send(SyncType::SeccompFd, 0, {}, notify->get());
            return {};
        };
        if (!p.noNewPrivileges)
            if (auto r = load_filter(); !r) return std::unexpected(r.error());
        if (auto r = switch_user(p, setgroups_allowed); !r) return std::unexpected(r.error());
        if (p.execCPUAffinity && !p.execCPUAffinity->final.empty())
            if (auto r = cpuset::apply_cpu_affinity(p.execCPUAffinity->final, "process.execCPUAffinity.final"); !r)
                return std::unexpected(r.error());
        if (auto r = apply_no_new_privs(p); !r) return std::unexpected(r.error());
        auto exe = find_executable(p);
        if (exe && p.noNewPrivileges)
            if (auto r = load_filter(); !r) return std::unexpected(r.error());
        return exe;
    };
    auto exe = setup();
    if (!exe) {
        (void)sync.send(SyncType::Error, exe.error().errnum, exe.error().message);
        ::_exit(1);
    }
    ExecArgs args = make_exec_args(p);
    ::close_range(3 + static_cast<unsigned>(preserve_fds), ~0U, CLOSE_RANGE_CLOEXEC);
    for (int fd = 3; fd < 3 + preserve_fds; ++fd) ::fcntl(fd, F_SETFD, 0);
    ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    // Ready goes out just before execve; the socket is close-on-exec, so the runtime
    // sees EOF next, or an Error if execve itself fails.
    if (!sync.send(SyncType::Ready)) ::_exit(1);
    ::sigprocmask(SIG_SETMASK, &restore, nullptr);
    ::execve(exe->c_str(), args.argv.data(), args.envp.data());
    (void)sync.send(SyncType::Error, errno, fmt::format("exec {}", *exe));
    ::_exit(127);
}

}  // namespace

Result<int> Runtime::exec(const ExecRequest& req) {
    auto rec = store_.load(req.id);
    if (!rec) return std::unexpected(rec.error());
    Status st = status_of(store_, *rec);
    if (st == Status::Paused && !req.ignore_paused)
        return fail("cannot exec in container {:?}: it is paused (use --ignore-paused)", req.id);
    if (st != Status::Running && st != Status::Created && st != Status::Paused)
        return fail("cannot exec in container {:?}: it is {}", req.id, to_string(st));
    if (req.tty && req.detach && req.console_socket.empty())
        return fail("exec: --tty with --detach needs --console-socket to hand the terminal to");
    auto text = linuxfs::read_file(store_.config(req.id));
    if (!text) return std::unexpected(std::move(text.error()).context(fmt::format("container {:?}", req.id)));
    auto spec = oci::parse_spec(*text);
    if (!spec) return std::unexpected(std::move(spec.error()).context(fmt::format("container {:?} config", req.id)));
    auto proc = build_process(req, *spec);
    if (!proc) return std::unexpected(proc.error());
    if (auto v = check_lsm(*proc, "process"); !v) return std::unexpected(v.error());
    std::optional<seccomp::SeccompFilter> filter;
    if (spec->linux->seccomp) {
        auto f = seccomp::SeccompFilter::build(*spec->linux->seccomp);
        if (!f) return std::unexpected(std::move(f.error()).context(fmt::format("container {:?}", req.id)));
        filter.emplace(std::move(*f));
    }

    // Namespaces: every one of the init's that differs from ours. pid and time are
    // entered here (they apply to our children); the rest by the child, user first.
    std::vector<Join> joins;
    UniqueFd pid_ns, time_ns;
    static constexpr std::pair<const char*, int> kinds[] = {
        {"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},       {"net", CLONE_NEWNET},
        {"cgroup", CLONE_NEWCGROUP}, {"pid", CLONE_NEWPID}, {"time", CLONE_NEWTIME}, {"mnt", CLONE_NEWNS}};
    for (auto& [name, type] : kinds) {
        struct stat theirs, ours;
        std::string path = fmt::format("/proc/{}/ns/{}", rec->pid, name);
        if (::stat(path.c_str(), &theirs) < 0) {
            if (errno == ENOENT && proc::is_running(rec->pid)) continue;  // kernel without this namespace
            return sys_fail("container {:?}: {}", req.id, path);
        }
        if (::stat(fmt::format("/proc/self/ns/{}", name).c_str(), &ours) == 0 && ours.st_ino == theirs.st_ino) continue;
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return sys_fail("container {:?}: open {}", req.id, path);
        if (type == CLONE_NEWPID) pid_ns = std::move(fd);
        else if (type == CLONE_NEWTIME) time_ns = std::move(fd);
        else joins.push_back({std::move(fd), type});
    }
    // The pid reuse check comes after the namespace files are open: they then belong to it.
    if (!proc::is_running(rec->pid, rec->start_time)) return fail("container {:?} is not running", req.id);
    if (pid_ns && ::setns(pid_ns.get(), CLONE_NEWPID) < 0) return sys_fail("join the container's pid namespace");
    if (time_ns && ::setns(time_ns.get(), CLONE_NEWTIME) < 0) return sys_fail("join the container's time namespace");

    std::vector<std::string> cgroup_dirs = rec->cgroup_dirs;
    if (!req.sub_cgroup.empty()) {
        if (req.sub_cgroup.find("..") != std::string::npos)
            return fail("exec: --cgroup {:?}: must be a path below the container's cgroup", req.sub_cgroup);
        for (auto& d : cgroup_dirs) d += "/" + req.sub_cgroup;
    }

    auto socks = SyncSocket::make_pair();
    if (!socks) return std::unexpected(socks.error());
    auto& [parent_sock, child_sock] = *socks;
    sigset_t forward = forwarded_signals(), old;
    ::sigprocmask(SIG_BLOCK, &forward, &old);
    ScopeGuard restore([&] { ::sigprocmask(SIG_SETMASK, &old, nullptr); });
    if (!req.detach) ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

    // v1 hierarchies: the child moves itself in (cgroup::SelfJoin); the unified one: it is
    // born there (CLONE_INTO_CGROUP), or we move it by pid below.
    auto self_join = cgroup::prepare_self_join(cgroup_dirs);
    if (!self_join) return std::unexpected(std::move(self_join.error()).context("exec: join the container's cgroup"));
    std::vector<std::string> join_by_pid = self_join->by_pid;
    UniqueFd cgroup_fd;
    clone_args args{};
    int pidfd = -1;
    args.flags = CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    if (join_by_pid.size() == 1) {
        cgroup_fd.reset(::open(join_by_pid[0].c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (cgroup_fd) {
            args.flags |= CLONE_INTO_CGROUP;
            args.cgroup = static_cast<uint64_t>(cgroup_fd.get());
        }
    }
    long r = sys::clone3(args);
    if (r < 0 && (args.flags & CLONE_INTO_CGROUP)) {
        // Refused for this cgroup: fork plainly and move the child by pid, which names the
        // cgroup if that fails too.
        args.flags &= ~static_cast<uint64_t>(CLONE_INTO_CGROUP);
        args.cgroup = 0;
        r = sys::clone3(args);
    }
    if (r < 0) return sys_fail("fork the exec process");
    if (r == 0)
        exec_child(*proc, joins, *self_join, child_sock, {parent_sock.fd(), cgroup_fd.get()}, req.preserve_fds, old,
                   filter ? &*filter : nullptr);
    if (args.flags & CLONE_INTO_CGROUP) join_by_pid.clear();
    self_join->fds.clear();
    cgroup_fd.reset();
    pid_t child = static_cast<pid_t>(r);
    UniqueFd child_pidfd(pidfd);
    child_sock.close();
    ScopeGuard kill_child([&] {
        sys::pidfd_send_signal(child_pidfd.get(), SIGKILL);
        ::waitpid(child, nullptr, 0);
    });

    if (auto w = cgroup::join_dirs(join_by_pid, child); !w)
        return std::unexpected(std::move(w.error()).context("exec: join the container's cgroup"));
    if (auto s = parent_sock.send(SyncType::Go); !s) return std::unexpected(s.error());
    UniqueFd console;
    for (bool ready = false; !ready;) {
        UniqueFd fd;
        auto m = parent_sock.recv(&fd);
        if (!m) return std::unexpected(m.error());
        if (m->type == SyncType::Error) return std::unexpected(Error{m->errnum, std::move(m->text)});
        if (m->type == SyncType::ConsoleFd && fd) {
            if (!req.console_socket.empty()) {
                if (auto s = send_console(req.console_socket, fd.get()); !s) return std::unexpected(s.error());
            } else {
                console = std::move(fd);
            }
        } else if (m->type == SyncType::SeccompFd && fd) {
            const auto& sc = *spec->linux->seccomp;
            std::string state = hook_state_json(rec->id, "running", rec->pid, rec->bundle, rec->annotations);
            if (auto s = seccomp::send_to_listener(sc.listenerPath, fd.get(),
                                                   seccomp::container_process_state_json(sc.listenerMetadata, child, state));
                !s)
                return std::unexpected(std::move(s.error()).context("linux.seccomp.listenerPath"));
        } else if (m->type == SyncType::Ready) {
            ready = true;
        } else {
            return fail("unexpected message from the exec process");
        }
    }
    // After Ready only an Error (a failed execve) or EOF (success) can follow.
    if (auto m = parent_sock.recv(); m && m->type == SyncType::Error)
        return std::unexpected(Error{m->errnum, std::move(m->text)});
    kill_child.dismiss();

    if (auto w = write_pid_file(req.pid_file, child); !w) return std::unexpected(w.error());
    if (req.detach) return 0;
    UniqueFd sigfd(::signalfd(-1, &forward, SFD_CLOEXEC));
    if (!sigfd) return sys_fail("signalfd");
    return wait_forwarding(child, sigfd.get(), console ? console.get() : -1);
}

}  // namespace brig::runtime
