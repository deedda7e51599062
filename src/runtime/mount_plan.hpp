// A spec mount's options sorted into what each kernel interface takes: MS_* flags for
// mount(2), MOUNT_ATTR_* for mount_setattr(2) (bind mounts, and the recursive r* options),
// propagation changes, and the file system's own data string. Pure, so it is unit-tested
// without root (tests/unit/runtime_mount_plan_test.cpp); rootfs.cpp carries it out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "oci/spec.hpp"

namespace brig::runtime {

struct MountPlan {
    bool bind = false;                      // type "bind", or a bind/rbind option
    unsigned long flags = 0;                // MS_* for mount(2)
    uint64_t attr_set = 0, attr_clr = 0;    // MOUNT_ATTR_* for the top mount (bind mounts)
    uint64_t rattr_set = 0, rattr_clr = 0;  // MOUNT_ATTR_* for the whole tree (rro, ...)
    std::vector<unsigned long> propagation; // MS_SHARED, MS_PRIVATE | MS_REC, ... in order
    std::string data;                       // the options mount(2) passes to the file system
    bool operator==(const MountPlan&) const = default;
};

MountPlan plan_mount(const oci::Mount& m);

// The MOUNT_ATTR_* twins of MS_* flags: bind mounts are changed with mount_setattr, which
// leaves flags the kernel locked (in user namespaces) alone instead of failing like a remount.
uint64_t attr_of(unsigned long ms);

}  // namespace brig::runtime
