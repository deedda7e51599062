// Name tables of the runtime-spec: the strings config.json uses and the kernel
// numbers they stand for. Validation (parse.cpp), the features document
// (features.cpp) and the code that applies a config all read these tables,
// so "recognized by the parser" and "listed in features" cannot drift apart.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace brig::oci {

// ---- process.rlimits: "RLIMIT_NOFILE" -> RLIMIT_NOFILE ----
std::optional<int> rlimit_from_name(std::string_view name);
std::span<const std::string_view> rlimit_names();  // in kernel number order

// ---- capabilities: "CAP_SYS_ADMIN" -> CAP_SYS_ADMIN ----
std::optional<int> capability_from_name(std::string_view name);
std::span<const std::string_view> capability_names();  // CAP_CHOWN .. CAP_CHECKPOINT_RESTORE, number order

// ---- linux.namespaces[].type: "pid" -> CLONE_NEWPID ----
std::optional<int> namespace_clone_flag(std::string_view type);
std::span<const std::string_view> namespace_types();  // sorted

// ---- mounts[].options ----
enum class MountOptionKind {
    Flag,           // set or clear MS_* bits of mount(2): ro, nosuid, noatime, remount, ...
    Propagation,    // change propagation with mount(2): MS_PRIVATE, MS_SHARED, ... (| MS_REC for r*)
    RecursiveAttr,  // MOUNT_ATTR_* applied to the whole tree with mount_setattr(AT_RECURSIVE): rro, rnosuid, ...
    Bind,           // bind mount: MS_BIND (| MS_REC for rbind)
    Idmap,          // id-mapped mount (idmap: top mount only; ridmap: the whole tree)
    Other,          // runtime extension handled outside mount(2): tmpcopyup
};

struct MountOptionInfo {
    MountOptionKind kind = MountOptionKind::Other;
    // Flag: MS_* bits. Bind: MS_BIND[|MS_REC]. RecursiveAttr: MOUNT_ATTR_* bits.
    unsigned long flags = 0;
    bool clear = false;             // Flag/RecursiveAttr: clear `flags` instead of setting them (rw, suid, rrw, ...)
    bool recursive_attr = false;    // same as kind == RecursiveAttr; kept so callers can test it directly
    unsigned long propagation = 0;  // Propagation: MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE [| MS_REC]
    bool recursive = false;         // rbind, ridmap, rshared/rslave/rprivate/runbindable, all RecursiveAttr
    // RecursiveAttr only: an access-time mode (rnoatime, ratime, rrelatime, ...). The kernel
    // treats MOUNT_ATTR__ATIME as one enum-like field (MOUNT_ATTR_RELATIME is 0), so setting one
    // of these needs MOUNT_ATTR__ATIME in attr_clr as well; see mount_setattr(2).
    bool atime = false;
};

// Info for a recognized option, or nullopt: the option is then filesystem data
// ("mode=755", "size=65536k", "newinstance") to pass in mount(2)'s data argument.
std::optional<MountOptionInfo> lookup_mount_option(std::string_view option);
std::span<const std::string_view> mount_option_names();  // sorted

// ---- linux.rootfsPropagation: "rslave" -> MS_SLAVE | MS_REC ----
std::optional<unsigned long> rootfs_propagation_flags(std::string_view value);

// ---- process.ioPriority.class: "IOPRIO_CLASS_BE" -> IOPRIO_CLASS_BE ----
std::optional<int> ioprio_class_from_name(std::string_view name);

// ---- process.scheduler ----
std::optional<int> sched_policy_from_name(std::string_view name);     // "SCHED_FIFO" -> SCHED_FIFO
std::optional<uint64_t> sched_flag_from_name(std::string_view name);  // "SCHED_FLAG_RESET_ON_FORK" -> 0x01

// ---- linux.memoryPolicy ----
std::optional<int> mempolicy_mode_from_name(std::string_view name);  // "MPOL_BIND" -> MPOL_BIND
std::optional<int> mempolicy_flag_from_name(std::string_view name);  // "MPOL_F_STATIC_NODES" -> 1 << 15
std::span<const std::string_view> mempolicy_mode_names();
std::span<const std::string_view> mempolicy_flag_names();

// ---- linux.seccomp (names only: translating them is libseccomp's/the filter builder's job) ----
std::span<const std::string_view> seccomp_action_names();    // SCMP_ACT_*, sorted
std::span<const std::string_view> seccomp_operator_names();  // SCMP_CMP_*, sorted
std::span<const std::string_view> seccomp_arch_names();      // SCMP_ARCH_*, sorted
std::span<const std::string_view> seccomp_flag_names();      // SECCOMP_FILTER_FLAG_*
std::optional<unsigned long> seccomp_flag_from_name(std::string_view name);

// ---- hooks ----
std::span<const std::string_view> hook_names();  // in lifecycle order

// True if `name` is one of `names` (for the name-only tables above).
bool is_one_of(std::string_view name, std::span<const std::string_view> names);

}  // namespace brig::oci
