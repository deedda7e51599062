// The container's init: the child of clone3 that finishes the namespaces, builds the
// root, drops privileges, reports Ready, waits at the start gate and execs the process.
// It runs in the parent's copied memory: no re-exec, no re-parse of config.json.
#pragma once

#include <signal.h>

#include <string>
#include <vector>

#include "cgroup/manager.hpp"
#include "linux/seccomp.hpp"
#include "oci/spec.hpp"

namespace brig::runtime {

struct NamespaceJoin {
    int fd;      // open namespace file (opened by the parent, before clone)
    int nstype;  // CLONE_NEW*
    std::string path;
};

struct InitConfig {
    const oci::Spec* spec = nullptr;
    std::string rootfs;
    bool no_pivot = false;
    int sync_fd = -1;     // child end of the sync socketpair
    int fifo_fd = -1;     // exec.fifo, opened O_RDWR: read blocks until `start` writes
    bool new_user_ns = false;
    bool rootless = false;  // the runtime's euid (host view, taken before clone) is not 0
    std::vector<NamespaceJoin> joins;  // user namespace first
    int unshare_flags = 0;             // namespaces the child must create itself
    bool fork_for_pid = false;         // unshare_flags has CLONE_NEWPID: fork the real init
    bool new_cgroup_ns = false;
    bool new_net_ns = false;
    bool new_time_ns = false;
    const cgroup::System* cgroups = nullptr;
    const cgroup::Cgroup* cgroup = nullptr;
    cgroup::SelfJoin* self_join = nullptr;  // v1 cgroups the init moves itself into, first thing
    int preserve_fds = 0;
    std::vector<int> close_in_child;  // the parent's fds the child must not keep (state lock, ...)
    sigset_t restore_mask{};  // the signal mask to restore before exec
    const seccomp::SeccompFilter* seccomp = nullptr;  // built by the runtime before clone
};

[[noreturn]] void run_init(const InitConfig& cfg);

}  // namespace brig::runtime
