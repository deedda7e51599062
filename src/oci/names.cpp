#include "oci/names.hpp"

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mount.h>  // MS_*; glibc also pulls in <linux/mount.h> for MOUNT_ATTR_*
#include <sys/resource.h>

#include <algorithm>
#include <array>

namespace brig::oci {

namespace {

template <class V>
struct Entry {
    std::string_view name;
    V value;
};

template <class V, std::size_t N>
std::optional<V> find(const std::array<Entry<V>, N>& table, std::string_view name) {
    for (const auto& e : table)
        if (e.name == name) return e.value;
    return std::nullopt;
}

// The names column of a table, in table order (or sorted), built at compile time.
template <class V, std::size_t N>
constexpr std::array<std::string_view, N> names_of(const std::array<Entry<V>, N>& table, bool sorted = false) {
    std::array<std::string_view, N> names{};
    for (std::size_t i = 0; i < N; ++i) names[i] = table[i].name;
    if (sorted) std::sort(names.begin(), names.end());
    return names;
}

template <std::size_t N>
constexpr std::array<std::string_view, N> sorted(std::array<std::string_view, N> names) {
    std::sort(names.begin(), names.end());
    return names;
}

// ---- rlimits (getrlimit(2)) ----
constexpr auto kRlimits = std::to_array<Entry<int>>({
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
});
static_assert(kRlimits.size() == RLIMIT_NLIMITS, "every rlimit the kernel headers know is listed");
constexpr auto kRlimitNames = names_of(kRlimits);

// ---- capabilities (capabilities(7)) ----
constexpr auto kCapabilities = std::to_array<Entry<int>>({
    {"CAP_CHOWN", CAP_CHOWN},
    {"CAP_DAC_OVERRIDE", CAP_DAC_OVERRIDE},
    {"CAP_DAC_READ_SEARCH", CAP_DAC_READ_SEARCH},
    {"CAP_FOWNER", CAP_FOWNER},
    {"CAP_FSETID", CAP_FSETID},
    {"CAP_KILL", CAP_KILL},
    {"CAP_SETGID", CAP_SETGID},
    {"CAP_SETUID", CAP_SETUID},
    {"CAP_SETPCAP", CAP_SETPCAP},
    {"CAP_LINUX_IMMUTABLE", CAP_LINUX_IMMUTABLE},
    {"CAP_NET_BIND_SERVICE", CAP_NET_BIND_SERVICE},
    {"CAP_NET_BROADCAST", CAP_NET_BROADCAST},
    {"CAP_NET_ADMIN", CAP_NET_ADMIN},
    {"CAP_NET_RAW", CAP_NET_RAW},
    {"CAP_IPC_LOCK", CAP_IPC_LOCK},
    {"CAP_IPC_OWNER", CAP_IPC_OWNER},
    {"CAP_SYS_MODULE", CAP_SYS_MODULE},
    {"CAP_SYS_RAWIO", CAP_SYS_RAWIO},
    {"CAP_SYS_CHROOT", CAP_SYS_CHROOT},
    {"CAP_SYS_PTRACE", CAP_SYS_PTRACE},
    {"CAP_SYS_PACCT", CAP_SYS_PACCT},
    {"CAP_SYS_ADMIN", CAP_SYS_ADMIN},
    {"CAP_SYS_BOOT", CAP_SYS_BOOT},
    {"CAP_SYS_NICE", CAP_SYS_NICE},
    {"CAP_SYS_RESOURCE", CAP_SYS_RESOURCE},
    {"CAP_SYS_TIME", CAP_SYS_TIME},
    {"CAP_SYS_TTY_CONFIG", CAP_SYS_TTY_CONFIG},
    {"CAP_MKNOD", CAP_MKNOD},
    {"CAP_LEASE", CAP_LEASE},
    {"CAP_AUDIT_WRITE", CAP_AUDIT_WRITE},
    {"CAP_AUDIT_CONTROL", CAP_AUDIT_CONTROL},
    {"CAP_SETFCAP", CAP_SETFCAP},
    {"CAP_MAC_OVERRIDE", CAP_MAC_OVERRIDE},
    {"CAP_MAC_ADMIN", CAP_MAC_ADMIN},
    {"CAP_SYSLOG", CAP_SYSLOG},
    {"CAP_WAKE_ALARM", CAP_WAKE_ALARM},
    {"CAP_BLOCK_SUSPEND", CAP_BLOCK_SUSPEND},
    {"CAP_AUDIT_READ", CAP_AUDIT_READ},
    {"CAP_PERFMON", CAP_PERFMON},
    {"CAP_BPF", CAP_BPF},
    {"CAP_CHECKPOINT_RESTORE", CAP_CHECKPOINT_RESTORE},
});
// If newer kernel headers add a capability, this fails so the table gets updated.
static_assert(kCapabilities.size() == CAP_LAST_CAP + 1, "every capability the kernel headers know is listed");
constexpr auto kCapabilityNames = names_of(kCapabilities);

// ---- namespaces ----
constexpr auto kNamespaces = std::to_array<Entry<int>>({
    {"cgroup", CLONE_NEWCGROUP},
    {"ipc", CLONE_NEWIPC},
    {"mount", CLONE_NEWNS},
    {"network", CLONE_NEWNET},
    {"pid", CLONE_NEWPID},
    {"time", CLONE_NEWTIME},
    {"user", CLONE_NEWUSER},
    {"uts", CLONE_NEWUTS},
});
constexpr auto kNamespaceTypes = names_of(kNamespaces, true);

// ---- mount options ----
constexpr MountOptionInfo set_flag(unsigned long f) { return {.kind = MountOptionKind::Flag, .flags = f}; }
constexpr MountOptionInfo clear_flag(unsigned long f) {
    return {.kind = MountOptionKind::Flag, .flags = f, .clear = true};
}
constexpr MountOptionInfo propagate(unsigned long type, bool recursive) {
    return {.kind = MountOptionKind::Propagation,
            .propagation = type | (recursive ? static_cast<unsigned long>(MS_REC) : 0UL),
            .recursive = recursive};
}
constexpr MountOptionInfo set_attr(unsigned long a, bool atime = false) {
    return {
        .kind = MountOptionKind::RecursiveAttr, .flags = a, .recursive_attr = true, .recursive = true, .atime = atime};
}
constexpr MountOptionInfo clear_attr(unsigned long a, bool atime = false) {
    return {.kind = MountOptionKind::RecursiveAttr,
            .flags = a,
            .clear = true,
            .recursive_attr = true,
            .recursive = true,
            .atime = atime};
}
constexpr MountOptionInfo bind_mount(bool recursive) {
    return {.kind = MountOptionKind::Bind,
            .flags = MS_BIND | (recursive ? static_cast<unsigned long>(MS_REC) : 0UL),
            .recursive = recursive};
}
constexpr MountOptionInfo idmap(bool recursive) { return {.kind = MountOptionKind::Idmap, .recursive = recursive}; }

constexpr auto kMountOptions = std::to_array<Entry<MountOptionInfo>>({
    // mount(8) flags
    {"defaults", set_flag(0)},
    {"ro", set_flag(MS_RDONLY)},
    {"rw", clear_flag(MS_RDONLY)},
    {"nosuid", set_flag(MS_NOSUID)},
    {"suid", clear_flag(MS_NOSUID)},
    {"nodev", set_flag(MS_NODEV)},
    {"dev", clear_flag(MS_NODEV)},
    {"noexec", set_flag(MS_NOEXEC)},
    {"exec", clear_flag(MS_NOEXEC)},
    {"sync", set_flag(MS_SYNCHRONOUS)},
    {"async", clear_flag(MS_SYNCHRONOUS)},
    {"dirsync", set_flag(MS_DIRSYNC)},
    {"remount", set_flag(MS_REMOUNT)},
    {"mand", set_flag(MS_MANDLOCK)},
    {"nomand", clear_flag(MS_MANDLOCK)},
    {"noatime", set_flag(MS_NOATIME)},
    {"atime", clear_flag(MS_NOATIME)},
    {"nodiratime", set_flag(MS_NODIRATIME)},
    {"diratime", clear_flag(MS_NODIRATIME)},
    {"relatime", set_flag(MS_RELATIME)},
    {"norelatime", clear_flag(MS_RELATIME)},
    {"strictatime", set_flag(MS_STRICTATIME)},
    {"nostrictatime", clear_flag(MS_STRICTATIME)},
    {"lazytime", set_flag(MS_LAZYTIME)},
    {"nolazytime", clear_flag(MS_LAZYTIME)},
    {"iversion", set_flag(MS_I_VERSION)},
    {"noiversion", clear_flag(MS_I_VERSION)},
    {"acl", set_flag(MS_POSIXACL)},
    {"noacl", clear_flag(MS_POSIXACL)},
    {"silent", set_flag(MS_SILENT)},
    {"loud", clear_flag(MS_SILENT)},
    {"nosymfollow", set_flag(MS_NOSYMFOLLOW)},
    {"symfollow", clear_flag(MS_NOSYMFOLLOW)},
    // bind mounts
    {"bind", bind_mount(false)},
    {"rbind", bind_mount(true)},
    // propagation
    {"private", propagate(MS_PRIVATE, false)},
    {"rprivate", propagate(MS_PRIVATE, true)},
    {"shared", propagate(MS_SHARED, false)},
    {"rshared", propagate(MS_SHARED, true)},
    {"slave", propagate(MS_SLAVE, false)},
    {"rslave", propagate(MS_SLAVE, true)},
    {"unbindable", propagate(MS_UNBINDABLE, false)},
    {"runbindable", propagate(MS_UNBINDABLE, true)},
    // recursive attributes (mount_setattr(2) with AT_RECURSIVE)
    {"rro", set_attr(MOUNT_ATTR_RDONLY)},
    {"rrw", clear_attr(MOUNT_ATTR_RDONLY)},
    {"rnosuid", set_attr(MOUNT_ATTR_NOSUID)},
    {"rsuid", clear_attr(MOUNT_ATTR_NOSUID)},
    {"rnodev", set_attr(MOUNT_ATTR_NODEV)},
    {"rdev", clear_attr(MOUNT_ATTR_NODEV)},
    {"rnoexec", set_attr(MOUNT_ATTR_NOEXEC)},
    {"rexec", clear_attr(MOUNT_ATTR_NOEXEC)},
    {"rnodiratime", set_attr(MOUNT_ATTR_NODIRATIME)},
    {"rdiratime", clear_attr(MOUNT_ATTR_NODIRATIME)},
    {"rnosymfollow", set_attr(MOUNT_ATTR_NOSYMFOLLOW)},
    {"rsymfollow", clear_attr(MOUNT_ATTR_NOSYMFOLLOW)},
    {"rnoatime", set_attr(MOUNT_ATTR_NOATIME, true)},
    {"ratime", clear_attr(MOUNT_ATTR_NOATIME, true)},
    {"rrelatime", set_attr(MOUNT_ATTR_RELATIME, true)},
    {"rnorelatime", clear_attr(MOUNT_ATTR_RELATIME, true)},
    {"rstrictatime", set_attr(MOUNT_ATTR_STRICTATIME, true)},
    {"rnostrictatime", clear_attr(MOUNT_ATTR_STRICTATIME, true)},
    // id-mapped mounts
    {"idmap", idmap(false)},
    {"ridmap", idmap(true)},
    // runtime extensions
    {"tmpcopyup", {.kind = MountOptionKind::Other}},
});
constexpr auto kMountOptionNames = names_of(kMountOptions, true);

// ---- process.ioPriority / process.scheduler / linux.memoryPolicy ----
// Literal uapi values: not every libc/kernel-header version the build may see
// defines all of them (SCHED_ISO is reserved, MPOL_WEIGHTED_INTERLEAVE is 6.9+).
constexpr auto kIoprioClasses = std::to_array<Entry<int>>({
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
});

constexpr auto kSchedPolicies = std::to_array<Entry<int>>({
    {"SCHED_OTHER", 0},
    {"SCHED_FIFO", 1},
    {"SCHED_RR", 2},
    {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},
    {"SCHED_IDLE", 5},
    {"SCHED_DEADLINE", 6},
});

constexpr auto kSchedFlags = std::to_array<Entry<uint64_t>>({
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},
    {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},
    {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},
    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
});

constexpr auto kMempolicyModes = std::to_array<Entry<int>>({
    {"MPOL_DEFAULT", 0},
    {"MPOL_PREFERRED", 1},
    {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3},
    {"MPOL_LOCAL", 4},
    {"MPOL_PREFERRED_MANY", 5},
    {"MPOL_WEIGHTED_INTERLEAVE", 6},
});
constexpr auto kMempolicyModeNames = names_of(kMempolicyModes);

constexpr auto kMempolicyFlags = std::to_array<Entry<int>>({
    {"MPOL_F_NUMA_BALANCING", 1 << 13},
    {"MPOL_F_RELATIVE_NODES", 1 << 14},
    {"MPOL_F_STATIC_NODES", 1 << 15},
});
constexpr auto kMempolicyFlagNames = names_of(kMempolicyFlags);

// ---- seccomp ----
constexpr auto kSeccompActions = sorted(std::to_array<std::string_view>(
    {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
     "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"}));

constexpr auto kSeccompOperators = sorted(std::to_array<std::string_view>(
    {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}));

// The architectures runc recognizes (the runtime-spec also lists PARISC/PARISC64,
// which runc never implemented; we follow runc).
constexpr auto kSeccompArchs = sorted(std::to_array<std::string_view>(
    {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",
     "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
     "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390",
     "SCMP_ARCH_S390X"}));

constexpr auto kSeccompFlags = std::to_array<Entry<unsigned long>>({
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1UL << 5},  // not in every <linux/seccomp.h>
});
constexpr auto kSeccompFlagNames = names_of(kSeccompFlags);

constexpr auto kHooks = std::to_array<std::string_view>(
    {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"});

}  // namespace

std::optional<int> rlimit_from_name(std::string_view name) { return find(kRlimits, name); }
std::span<const std::string_view> rlimit_names() { return kRlimitNames; }

std::optional<int> capability_from_name(std::string_view name) { return find(kCapabilities, name); }
std::span<const std::string_view> capability_names() { return kCapabilityNames; }

std::optional<int> namespace_clone_flag(std::string_view type) { return find(kNamespaces, type); }
std::span<const std::string_view> namespace_types() { return kNamespaceTypes; }

std::optional<MountOptionInfo> lookup_mount_option(std::string_view option) { return find(kMountOptions, option); }
std::span<const std::string_view> mount_option_names() { return kMountOptionNames; }

std::optional<unsigned long> rootfs_propagation_flags(std::string_view value) {
    auto info = lookup_mount_option(value);
    if (!info || info->kind != MountOptionKind::Propagation) return std::nullopt;
    return info->propagation;
}

std::optional<int> ioprio_class_from_name(std::string_view name) { return find(kIoprioClasses, name); }
std::optional<int> sched_policy_from_name(std::string_view name) { return find(kSchedPolicies, name); }
std::optional<uint64_t> sched_flag_from_name(std::string_view name) { return find(kSchedFlags, name); }

std::optional<int> mempolicy_mode_from_name(std::string_view name) { return find(kMempolicyModes, name); }
std::optional<int> mempolicy_flag_from_name(std::string_view name) { return find(kMempolicyFlags, name); }
std::span<const std::string_view> mempolicy_mode_names() { return kMempolicyModeNames; }
std::span<const std::string_view> mempolicy_flag_names() { return kMempolicyFlagNames; }

std::span<const std::string_view> seccomp_action_names() { return kSeccompActions; }
std::span<const std::string_view> seccomp_operator_names() { return kSeccompOperators; }
std::span<const std::string_view> seccomp_arch_names() { return kSeccompArchs; }
std::span<const std::string_view> seccomp_flag_names() { return kSeccompFlagNames; }
std::optional<unsigned long> seccomp_flag_from_name(std::string_view name) { return find(kSeccompFlags, name); }

std::span<const std::string_view> hook_names() { return kHooks; }

bool is_one_of(std::string_view name, std::span<const std::string_view> names) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace brig::oci
