// Applying process.* of the spec to the calling process: used by the container's init
// (and by exec later) after the namespaces and the root are in place.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "linux/seccomp.hpp"
#include "oci/spec.hpp"

namespace brig::runtime {

// rlimits, ioPriority, scheduler, umask (done while still privileged).
Result<void> apply_process_limits(const oci::Process& p);

// chdir to process.cwd, then check the result is inside the root we now have: a cwd the
// root does not contain (an fd or directory left over from the host) reads as
// "(unreachable)" or fails, and is refused. `what` names the field for errors.
Result<void> enter_cwd(const std::string& cwd, std::string_view what);

// linux.personality.
Result<void> apply_personality(const oci::Linux& l);

// Supplementary groups, gid, uid and the five capability sets, in the order that keeps
// the capabilities across the uid change. `setgroups_allowed` is false in a user namespace
// whose setgroups is denied.
Result<void> switch_user(const oci::Process& p, bool setgroups_allowed);

// Install the seccomp filter (if any). Callers do it where runc does: with no_new_privs,
// last; without it, while CAP_SYS_ADMIN is still held (before switch_user). Returns the
// notify fd when the filter has a listener (empty otherwise).
Result<UniqueFd> load_seccomp(const seccomp::SeccompFilter* filter);

// LSM checks before anything is created: an AppArmor profile on a kernel without AppArmor
// is an error (as in runc); an SELinux label without SELinux is ignored (as in runc).
Result<void> check_lsm(const oci::Process& p, std::string_view where);
// Set the labels the next execve takes (call while the host's /proc is still reachable).
Result<void> apply_lsm(const oci::Process& p);

// no_new_privs.
Result<void> apply_no_new_privs(const oci::Process& p);

// Look args[0] up in the process's PATH (as execvp would), inside the current root.
Result<std::string> find_executable(const oci::Process& p);

// A NULL-terminated argv/envp pair kept alive for execve.
struct ExecArgs {
    std::vector<std::string> storage;
    std::vector<char*> argv, envp;
};
ExecArgs make_exec_args(const oci::Process& p);

}  // namespace brig::runtime
