#include "runtime/process_setup.hpp"

#include <grp.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include "linux/caps.hpp"
#include "runtime/capability_plan.hpp"
#include "linux/lsm.hpp"

namespace brig::runtime {
namespace {

struct SchedAttr {  // struct sched_attr of sched_setattr(2)
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
};

}  // namespace

Result<void> apply_process_limits(const oci::Process& p) {
    for (auto& rl : p.rlimits) {
        rlimit lim{rl.soft, rl.hard};
        if (::setrlimit(static_cast<__rlimit_resource>(rl.resource), &lim) < 0) {
            int e = errno;
            rlimit cur{};
            ::getrlimit(static_cast<__rlimit_resource>(rl.resource), &cur);
            if (e == EPERM && rl.hard > cur.rlim_max)
                return errno_fail(e, "set {} to soft {} hard {} (the hard limit is {} and cannot be raised without "
                                     "CAP_SYS_RESOURCE)", rl.type, rl.soft, rl.hard, cur.rlim_max);
            return errno_fail(e, "set {} to soft {} hard {}", rl.type, rl.soft, rl.hard);
        }
    }
    if (p.ioPriority) {
        int cls = p.ioPriority->class_number;
        if (::syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(cls, p.ioPriority->priority)) < 0)
            return sys_fail("set io priority {} {}", p.ioPriority->ioClass, p.ioPriority->priority);
    }
    if (p.scheduler) {
        SchedAttr a{};
        a.size = sizeof a;
        a.sched_policy = static_cast<uint32_t>(p.scheduler->policy_number);
        a.sched_flags = p.scheduler->flag_bits;
        a.sched_nice = p.scheduler->nice;
        a.sched_priority = static_cast<uint32_t>(p.scheduler->priority);
        a.sched_runtime = p.scheduler->runtime;
        a.sched_deadline = p.scheduler->deadline;
        a.sched_period = p.scheduler->period;
        if (::syscall(SYS_sched_setattr, 0, &a, 0) < 0) return sys_fail("set scheduler {}", p.scheduler->policy);
    }
    ::umask(p.user.umask.value_or(022));
    return {};
}

Result<void> enter_cwd(const std::string& cwd, std::string_view what) {
    if (::chdir(cwd.c_str()) < 0) return sys_fail("chdir to {} {:?}", what, cwd);
    char buf[PATH_MAX];
    // The raw syscall: glibc would turn "(unreachable)/..." into ENOENT as well, but the
    // kernel's answer is the one to trust here.
    long n = ::syscall(SYS_getcwd, buf, sizeof buf);
    if (n <= 0 || buf[0] != '/') return errno_fail(n < 0 ? errno : ENOENT, "{} {:?} is outside the container's root", what, cwd);
    return {};
}

Result<void> apply_personality(const oci::Linux& l) {
    if (!l.personality) return {};
    unsigned long persona = l.personality->domain == "LINUX32" ? PER_LINUX32 : PER_LINUX;
    if (::personality(persona) < 0) return sys_fail("set personality {}", l.personality->domain);
    return {};
}

Result<void> switch_user(const oci::Process& p, bool setgroups_allowed) {
    const auto& u = p.user;
    const caps::Sets c = plan_capabilities(p.capabilities, caps::last_cap());
    // The bounding set can only shrink while we still hold CAP_SETPCAP: drop it first.
    if (auto r = caps::drop_bounding(c.bounding); !r) return r;
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return sys_fail("prctl(PR_SET_KEEPCAPS)");
    if (setgroups_allowed) {
        std::vector<gid_t> groups(u.additionalGids.begin(), u.additionalGids.end());
        if (::setgroups(groups.size(), groups.data()) < 0) return sys_fail("setgroups");
    } else if (!u.additionalGids.empty()) {
        return fail("process.user.additionalGids: cannot set groups in a user namespace with setgroups denied");
    }
    if (::setresgid(u.gid, u.gid, u.gid) < 0) return sys_fail("setgid {}", u.gid);
    if (::setresuid(u.uid, u.uid, u.uid) < 0) return sys_fail("setuid {}", u.uid);
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return sys_fail("prctl(PR_SET_KEEPCAPS)");
    if (auto r = caps::set(c.effective, c.permitted, c.inheritable); !r) return r;
    if (auto r = caps::set_ambient(c.ambient); !r) return r;
    return {};
}

Result<UniqueFd> load_seccomp(const seccomp::SeccompFilter* filter) {
    if (!filter) return UniqueFd();
    bool has_listener = false;
    auto fd = filter->load(has_listener);
    if (!fd) return std::unexpected(std::move(fd.error()).context("linux.seccomp: load the filter"));
    return std::move(*fd);
}

Result<void> check_lsm(const oci::Process& p, std::string_view where) {
    if (!p.apparmorProfile.empty() && !lsm::apparmor_enabled())
        return fail("{}.apparmorProfile {:?}: AppArmor is not enabled on this kernel", where, p.apparmorProfile);
    return {};
}

Result<void> apply_lsm(const oci::Process& p) {
    if (!p.apparmorProfile.empty())
        if (auto r = lsm::set_apparmor_exec(p.apparmorProfile); !r) return r;
    if (!p.selinuxLabel.empty() && lsm::selinux_enabled())
        if (auto r = lsm::set_selinux_exec(p.selinuxLabel); !r) return r;
    return {};
}

Result<void> apply_no_new_privs(const oci::Process& p) {
    if (p.noNewPrivileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return sys_fail("set no_new_privs");
    return {};
}

Result<std::string> find_executable(const oci::Process& p) {
    const std::string& name = p.args.at(0);
    auto executable = [](const std::string& path) {
        struct stat st;
        return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
    };
    if (name.find('/') != std::string::npos) {
        if (executable(name)) return name;
        return errno_fail(errno ? errno : EACCES, "exec {:?}", name);
    }
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (auto& e : p.env)
        if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find(':', i);
        if (j == std::string::npos) j = path.size();
        std::string dir = path.substr(i, j - i);
        std::string cand = (dir.empty() ? "." : dir) + "/" + name;
        if (executable(cand)) return cand;
        i = j + 1;
    }
    return fail("exec {:?}: executable file not found in $PATH", name);
}

ExecArgs make_exec_args(const oci::Process& p) {
    ExecArgs a;
    a.storage.reserve(p.args.size() + p.env.size());
    for (auto& s : p.args) a.storage.push_back(s);
    for (auto& s : p.env) a.storage.push_back(s);
    for (size_t i = 0; i < p.args.size(); ++i) a.argv.push_back(a.storage[i].data());
    a.argv.push_back(nullptr);
    for (size_t i = 0; i < p.env.size(); ++i) a.envp.push_back(a.storage[p.args.size() + i].data());
    a.envp.push_back(nullptr);
    return a;
}

}  // namespace brig::runtime
