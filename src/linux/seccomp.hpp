// linux.seccomp: the runtime-spec syscall filter, compiled with libseccomp.
//
// Two phases, so the container init does as little as possible:
//
//   runtime (before the init is cloned)      container init (clone3 child, a copy of that memory)
//   -----------------------------------      ---------------------------------------------------
//   SeccompFilter::build(spec.seccomp):      ... all setup, no_new_privs ...
//     libseccomp ctx, rules, arches, flags;  filter.load(has_listener)   <- one seccomp(2) call
//     the BPF program is generated here      [send the notify fd to the runtime]
//     and kept as a plain array              execve
//
// build() does every allocation, every libseccomp call and every check, so each mistake
// in config.json is reported by `create` with its JSON path
// ("linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"").
// load() is a single seccomp(SECCOMP_SET_MODE_FILTER) system call on the ready program:
// it does not allocate (except to describe a failure) and never throws.
//
// Following runc:
//   - a syscall name libseccomp does not know (newer than libseccomp, or misspelled) is
//     skipped silently; the skipped names are listed by skipped_syscalls();
//   - a rule whose action equals the default action is skipped (libseccomp refuses it);
//   - conditions: if no two args of a rule share an index, they are AND'ed in one rule;
//     if any index repeats, EVERY condition becomes its own rule (all OR'ed), which is
//     how runc (and Docker's profiles, e.g. `personality`) express "arg0 is A or B";
//   - SCMP_ACT_ERRNO and SCMP_ACT_TRACE take errnoRet, default EPERM;
//     SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD;
//   - more than 32 syscall names turn on libseccomp's binary-tree optimization.
//   - when the default action denies, a syscall numbered above every syscall the profile
//     names (per architecture) returns ENOSYS instead, so libc falls back to an older call
//     as it would on an older kernel (runc's "ENOSYS stub", prepended to the program).
#pragma once

#include <linux/filter.h>  // sock_filter
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "oci/spec.hpp"

namespace brig::seccomp {

class SeccompFilter {
public:
    // Compile linux.seccomp. The native architecture is always included; each
    // architectures[] entry is added to it. Flags (checked against the running kernel here):
    //   SECCOMP_FILTER_FLAG_TSYNC                -> synchronize all threads on load
    //   SECCOMP_FILTER_FLAG_LOG                  -> SCMP_FLTATR_CTL_LOG
    //   SECCOMP_FILTER_FLAG_SPEC_ALLOW           -> SCMP_FLTATR_CTL_SSB
    //   SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV   -> passed to seccomp(2) with the listener
    //     (the kernel defines it only together with NEW_LISTENER, so without any
    //     SCMP_ACT_NOTIFY rule it has no effect). libseccomp 2.5 has no attribute for it;
    //     since load() calls seccomp(2) itself, the flag works with any libseccomp.
    static Result<SeccompFilter> build(const oci::Seccomp& s);

    SeccompFilter(SeccompFilter&& o) noexcept;
    SeccompFilter& operator=(SeccompFilter&& o) noexcept;
    SeccompFilter(const SeccompFilter&) = delete;
    SeccompFilter& operator=(const SeccompFilter&) = delete;
    ~SeccompFilter();

    // Install the filter on the calling thread (all threads with TSYNC). The caller must have
    // set no_new_privs, or hold CAP_SYS_ADMIN in its user namespace (runc's order: without
    // process.noNewPrivileges, load before dropping capabilities; with it, last before execve).
    // Every syscall made after this is filtered, including the runtime's own ones up to execve.
    // If a rule uses SCMP_ACT_NOTIFY, returns the listener (notify) fd, O_CLOEXEC, and sets
    // has_listener; otherwise returns an empty UniqueFd and has_listener = false.
    Result<UniqueFd> load(bool& has_listener) const;

    // Some rule uses SCMP_ACT_NOTIFY: load() will return a notify fd (known before cloning).
    bool has_listener() const noexcept { return listener_; }
    // The SECCOMP_FILTER_FLAG_* bits load() passes to seccomp(2).
    unsigned int load_flags() const noexcept { return flags_; }
    // Length of the BPF program, in instructions.
    std::size_t instructions() const noexcept { return program_.size(); }
    // Syscall names libseccomp could not resolve (skipped, in config order).
    const std::vector<std::string>& skipped_syscalls() const noexcept { return skipped_; }
    // libseccomp's pseudo-filter-code dump of the rules (for debugging and tests).
    Result<std::string> pfc() const;

private:
    SeccompFilter() = default;

    void* ctx_ = nullptr;                // scmp_filter_ctx (a void*), owned
    std::vector<sock_filter> program_;   // the generated BPF program
    unsigned int flags_ = 0;             // SECCOMP_FILTER_FLAG_* for seccomp(2)
    bool listener_ = false;
    std::vector<std::string> skipped_;
};

// The runtime-spec "container process state" sent to a seccomp agent:
//   {"ociVersion":..,"fds":["seccompFd"],"pid":pid,"metadata":metadata,"state":<state_json>}
// `metadata` (linux.seccomp.listenerMetadata) is omitted when empty. `state_json` must be the
// container's state as a JSON object (as `state` prints it; status "creating" at that point).
std::string container_process_state_json(std::string_view metadata, pid_t pid, const std::string& state_json);

// Connect to the agent's AF_UNIX SOCK_STREAM socket at listener_path (linux.seccomp.listenerPath),
// send `state_json_with_metadata` (see container_process_state_json) with notify_fd attached as
// SCM_RIGHTS to the first sendmsg, and close the connection: one state per connection.
// notify_fd stays open (the caller owns it).
Result<void> send_to_listener(const std::string& listener_path, int notify_fd,
                              const std::string& state_json_with_metadata);

}  // namespace brig::seccomp
