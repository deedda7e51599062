#include "runtime/mount_plan.hpp"

#include <sys/mount.h>

#include "oci/names.hpp"

namespace brig::runtime {

uint64_t attr_of(unsigned long ms) {
    uint64_t a = 0;
    if (ms & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
    if (ms & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
    if (ms & MS_NODEV) a |= MOUNT_ATTR_NODEV;
    if (ms & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
    if (ms & MS_NOATIME) a |= MOUNT_ATTR_NOATIME;
    if (ms & MS_STRICTATIME) a |= MOUNT_ATTR_STRICTATIME;
    if (ms & MS_RELATIME) a |= MOUNT_ATTR_RELATIME;
    if (ms & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
    if (ms & MS_NOSYMFOLLOW) a |= MOUNT_ATTR_NOSYMFOLLOW;
    return a;
}

MountPlan plan_mount(const oci::Mount& m) {
    MountPlan p;
    p.bind = m.type == "bind";
    for (auto& o : m.options) {
        auto info = oci::lookup_mount_option(o);
        if (!info) {
            p.data += (p.data.empty() ? "" : ",") + o;
            continue;
        }
        switch (info->kind) {
            case oci::MountOptionKind::Flag:
                if (info->clear) p.flags &= ~info->flags;
                else p.flags |= info->flags;
                break;
            case oci::MountOptionKind::Bind:
                p.bind = true;
                p.flags |= info->flags;
                break;
            case oci::MountOptionKind::Propagation: p.propagation.push_back(info->propagation); break;
            case oci::MountOptionKind::RecursiveAttr:
                if (info->clear) p.rattr_clr |= info->flags;
                else {
                    p.rattr_set |= info->flags;
                    // An access-time mode replaces the current one (and MOUNT_ATTR_RELATIME is 0).
                    if (info->atime) p.rattr_clr |= MOUNT_ATTR__ATIME;
                }
                break;
            case oci::MountOptionKind::Idmap:
            case oci::MountOptionKind::Other: break;
        }
    }
    if (p.bind) {
        // Options that are attributes of the new bind mount.
        p.attr_set = attr_of(p.flags & ~(MS_BIND | MS_REC));
        // Tested on the MS_* flags: MOUNT_ATTR_RELATIME is 0, so attr_set cannot show it.
        if (p.flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) p.attr_clr |= MOUNT_ATTR__ATIME;
        for (auto& o : m.options)  // explicit "rw", "suid", ... clear attributes
            if (auto info = oci::lookup_mount_option(o); info && info->kind == oci::MountOptionKind::Flag && info->clear)
                p.attr_clr |= attr_of(info->flags);
    }
    return p;
}

}  // namespace brig::runtime
