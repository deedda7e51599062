// Building the container's file system view inside its new mount namespace: the bundle's
// rootfs bind-mounted on itself, the spec's mounts, /dev, masked and read-only paths,
// then pivot_root. Runs in the container's init before any untrusted code.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cgroup/manager.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "oci/spec.hpp"

namespace brig::runtime {

struct RootfsContext {
    const oci::Spec& spec;
    std::string rootfs;       // absolute host path
    bool no_pivot = false;
    bool in_user_ns = false;  // device nodes are bind-mounted, not made with mknod
    bool new_cgroup_ns = false;
    bool new_net_ns = false;
    const cgroup::System* cgroups = nullptr;
    const cgroup::Cgroup* cgroup = nullptr;
    std::map<size_t, UniqueFd>* premade = nullptr;  // mounts[i] -> detached mount made by the runtime
    std::function<Result<void>()> before_pivot;     // hooks that run with the mounts in place
};

// In the runtime, after the init's user namespace exists: detached id-mapped mounts for
// every mount with idmap/ridmap or its own uid/gid mappings, keyed by mounts[] index.
Result<std::vector<std::pair<size_t, UniqueFd>>> prepare_idmapped_mounts(const oci::Spec& spec, pid_t init,
                                                                         bool new_user_ns);

// Everything up to and including pivot_root (or chroot with --no-pivot).
Result<void> setup_rootfs(const RootfsContext& ctx);

}  // namespace brig::runtime
