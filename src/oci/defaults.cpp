// The config.json that `brig-oci spec` writes: the same document as `runc spec`
// (and `runc spec --rootless`), key order and tab indentation included, so
// tools and people diffing the two see only the ociVersion change.
#include <nlohmann/json.hpp>

#include "oci/spec.hpp"

namespace brig::oci {

namespace {

using ojson = nlohmann::ordered_json;  // keeps keys in runc's (Go struct) order

ojson mount(const char* destination, const char* type, const char* source, std::vector<std::string> options = {}) {
    ojson m = {{"destination", destination}, {"type", type}, {"source", source}};
    if (!options.empty()) m["options"] = std::move(options);
    return m;
}

ojson namespaces(std::initializer_list<const char*> types) {
    ojson list = ojson::array();
    for (const char* t : types) list.push_back({{"type", t}});
    return list;
}

ojson single_mapping(uint32_t host_id) {
    return ojson::array({{{"containerID", 0}, {"hostID", host_id}, {"size", 1}}});
}

}  // namespace

std::string default_spec_json(bool rootless, uint32_t uid, uint32_t gid) {
    const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};

    ojson process = {
        {"terminal", true},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"sh"}},
        {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
        {"rlimits", ojson::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
        {"noNewPrivileges", true},
    };

    // Rootless differences (as runc's ToRootless): no gid=5 on devpts (group 5 is
    // unmapped), /sys bind-mounted from the host (sysfs cannot be mounted without
    // owning the network namespace), no network namespace, a user namespace mapping
    // the caller to root, and no cgroup device rules (they need privileges).
    std::vector<std::string> devpts_options = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
    if (!rootless) devpts_options.push_back("gid=5");

    ojson mounts = ojson::array({
        mount("/proc", "proc", "proc"),
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mount("/dev/pts", "devpts", "devpts", devpts_options),
        mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        rootless ? mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"})
                 : mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
    });

    ojson linux = ojson::object();
    if (rootless) {
        linux["uidMappings"] = single_mapping(uid);
        linux["gidMappings"] = single_mapping(gid);
        linux["namespaces"] = namespaces({"pid", "ipc", "uts", "mount", "user"});
    } else {
        linux["resources"] = {{"devices", ojson::array({{{"allow", false}, {"access", "rwm"}}})}};
        linux["namespaces"] = namespaces({"pid", "network", "ipc", "uts", "mount"});
    }
    linux["maskedPaths"] = {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                            "/proc/scsi"};
    linux["readonlyPaths"] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

    ojson spec = {
        {"ociVersion", kSpecVersion},
        {"process", std::move(process)},
        {"root", {{"path", "rootfs"}, {"readonly", true}}},
        {"hostname", "runc"},
        {"mounts", std::move(mounts)},
        {"linux", std::move(linux)},
    };
    return spec.dump(1, '\t');
}

}  // namespace brig::oci
