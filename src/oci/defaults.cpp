// The config.json that `brig-oci spec` writes: the same document as `runc spec`
// (and `runc spec --rootless`). The writer keeps runc's key order and tab indentation,
// so tools and people diffing the two see only the ociVersion change.
#include "oci/spec.hpp"
#include "oci/write.hpp"

namespace brig::oci {

namespace {

Process default_process() {
    const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    return {
        .terminal = true,
        .args = {"sh"},
        .env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"},
        .cwd = "/",
        .capabilities = Capabilities{.bounding = caps, .effective = caps, .permitted = caps, .ambient = caps},
        .rlimits = {{.type = "RLIMIT_NOFILE", .hard = 1024, .soft = 1024}},
        .noNewPrivileges = true,
    };
}

// Rootless differences (as runc's ToRootless): no gid=5 on devpts (group 5 is unmapped)
// and /sys bind-mounted from the host (sysfs cannot be mounted without owning the
// network namespace).
std::vector<Mount> default_mounts(bool rootless) {
    std::vector<std::string> devpts_options = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
    if (!rootless) devpts_options.push_back("gid=5");
    Mount sys = rootless ? Mount{"/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}}
                         : Mount{"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}};
    return {
        {"/proc", "proc", "proc"},
        {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
        {"/dev/pts", "devpts", "devpts", devpts_options},
        {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
        {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
        sys,
        {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}},
    };
}

std::vector<Namespace> namespaces(std::initializer_list<const char*> types) {
    std::vector<Namespace> list;
    for (const char* t : types) list.push_back({.type = t});
    return list;
}

// Rootless: no network namespace, a user namespace mapping the caller to root, and no
// cgroup device rules (they need privileges).
Linux default_linux(bool rootless, uint32_t uid, uint32_t gid) {
    Linux lx;
    if (rootless) {
        lx.uidMappings = {{.containerID = 0, .hostID = uid, .size = 1}};
        lx.gidMappings = {{.containerID = 0, .hostID = gid, .size = 1}};
        lx.namespaces = namespaces({"pid", "ipc", "uts", "mount", "user"});
    } else {
        lx.resources = Resources{.devices = {{.allow = false, .access = "rwm"}}};
        lx.namespaces = namespaces({"pid", "network", "ipc", "uts", "mount"});
    }
    lx.maskedPaths = {"/proc/acpi",         "/proc/asound",     "/proc/kcore",       "/proc/keys",
                      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                      "/sys/firmware",      "/proc/scsi"};
    lx.readonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    return lx;
}

}  // namespace

std::string default_spec_json(bool rootless, uint32_t uid, uint32_t gid) {
    Spec spec;
    spec.ociVersion = kSpecVersion;
    spec.process = default_process();
    spec.root = {.path = "rootfs", .readonly = true};
    spec.hostname = "runc";
    spec.mounts = default_mounts(rootless);
    spec.linux = default_linux(rootless, uid, gid);
    return to_string(spec);
}

}  // namespace brig::oci
