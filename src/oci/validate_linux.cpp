// The rules for linux.*: namespaces and id mappings, devices, sysctls, network devices,
// the memory policy and the smaller settings. Resources and seccomp have files of their own.
#include <algorithm>
#include <iterator>
#include <set>
#include <string>

#include <fmt/format.h>

#include "oci/names.hpp"
#include "oci/spec_error.hpp"
#include "oci/validate_rules.hpp"

namespace brig::oci::detail {

namespace {

void check_namespaces(const Linux& lx) {
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < lx.namespaces.size(); ++i) {
        const auto& ns = lx.namespaces[i];
        auto path = index_path("linux.namespaces", i);
        if (ns.type.empty()) bad(field_path(path, "type"), "is required");
        if (!namespace_clone_flag(ns.type))
            bad(field_path(path, "type"), fmt::format("unknown namespace type {}", quote(ns.type)));
        if (!seen.insert(ns.type).second)
            bad(field_path(path, "type"), fmt::format("duplicate namespace type {}", quote(ns.type)));
        if (!ns.path.empty()) check_absolute(field_path(path, "path"), ns.path);
    }

    const Namespace* user = lx.find_namespace("user");
    if (!user) {
        // Mappings only mean something for a user namespace the runtime sets up.
        if (!lx.uidMappings.empty()) bad("linux.uidMappings", "requires a user namespace in linux.namespaces");
        if (!lx.gidMappings.empty()) bad("linux.gidMappings", "requires a user namespace in linux.namespaces");
    } else if (user->path.empty()) {
        // A new user namespace without mappings leaves every id unmapped (nobody); runc refuses it too.
        if (lx.uidMappings.empty()) bad("linux.uidMappings", "is required when creating a new user namespace");
        if (lx.gidMappings.empty()) bad("linux.gidMappings", "is required when creating a new user namespace");
    }
    check_mappings(lx.uidMappings, "linux.uidMappings");
    check_mappings(lx.gidMappings, "linux.gidMappings");

    if (!lx.timeOffsets.empty()) {
        // Offsets can only be written before any process enters the namespace, i.e. for a new one.
        const Namespace* time = lx.find_namespace("time");
        if (!time || !time->path.empty())
            bad("linux.timeOffsets", "requires a new time namespace (a \"time\" entry without a path)");
        for (const auto& [clock, offset] : lx.timeOffsets) {
            auto path = key_path("linux.timeOffsets", clock);
            if (clock != "monotonic" && clock != "boottime")
                bad(path, "unknown clock (want \"monotonic\" or \"boottime\")");
            if (offset.nanosecs >= 1'000'000'000) bad(field_path(path, "nanosecs"), "must be less than 1000000000");
        }
    }
}

void check_devices(const std::vector<Device>& devices) {
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const Device& d = devices[i];
        auto path = index_path("linux.devices", i);
        if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p")
            bad(field_path(path, "type"), fmt::format("unknown device type {} (want c, b, u or p)", quote(d.type)));
        check_in_root(field_path(path, "path"), d.path);
    }
}


// runc's rule: only sysctls that live in a namespace the container owns may be
// set; anything else would change the host.
void check_sysctls(const Linux& lx) {
    static constexpr std::string_view kIpcSysctls[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                                       "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                                       "kernel.shmmni", "kernel.shm_rmid_forced"};
    for (const auto& [key, value] : lx.sysctl) {
        auto path = key_path("linux.sysctl", key);
        if (key.empty()) bad(path, "name must not be empty");
        // sysctl(8) accepts both "net.ipv4.ip_forward" and "net/ipv4/ip_forward".
        std::string name = key;
        std::replace(name.begin(), name.end(), '/', '.');
        if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string::npos ||
            name.find('\0') != std::string::npos)
            bad(path, "invalid sysctl name");

        bool ipc = name.starts_with("fs.mqueue.") ||
                   std::find(std::begin(kIpcSysctls), std::end(kIpcSysctls), name) != std::end(kIpcSysctls);
        if (ipc) {
            if (!lx.find_namespace("ipc")) bad(path, "requires an IPC namespace (the container shares the host's)");
        } else if (name.starts_with("net.")) {
            if (!lx.find_namespace("network"))
                bad(path, "requires a network namespace (the container shares the host's)");
        } else if (name == "kernel.domainname") {
            if (!lx.find_namespace("uts")) bad(path, "requires a UTS namespace (the container shares the host's)");
        } else if (name == "kernel.hostname") {
            bad(path, "conflicts with the \"hostname\" field; set that instead");
        } else {
            bad(path, "is not namespaced: setting it would change the host");
        }
    }
}

void check_netdevices(const Linux& lx) {
    if (lx.netDevices.empty()) return;
    // Moving a device "into" the host's own namespace is meaningless.
    if (!lx.find_namespace("network"))
        bad("linux.netDevices", "requires a network namespace (the container shares the host's)");
    std::set<std::string_view> names_inside;
    for (const auto& [host_name, dev] : lx.netDevices) {
        auto path = key_path("linux.netDevices", host_name);
        if (!is_valid_ifname(host_name)) bad(path, "invalid interface name (1-15 bytes, no '/', ':' or whitespace)");
        if (!dev.name.empty() && !is_valid_ifname(dev.name))
            bad(field_path(path, "name"),
                fmt::format("invalid interface name {} (1-15 bytes, no '/', ':' or whitespace)", quote(dev.name)));
        std::string_view inside = dev.name.empty() ? std::string_view(host_name) : std::string_view(dev.name);
        if (!names_inside.insert(inside).second)
            bad(field_path(path, "name"), fmt::format("{} is used by another device in the container", quote(inside)));
    }
}

void check_memory_policy(const MemoryPolicy& mp) {
    const std::string base = "linux.memoryPolicy";
    if (mp.mode.empty()) bad(base + ".mode", "is required");
    auto has_flag = [&](std::string_view f) {
        return std::find(mp.flags.begin(), mp.flags.end(), f) != mp.flags.end();
    };
    if (has_flag("MPOL_F_STATIC_NODES") && has_flag("MPOL_F_RELATIVE_NODES"))
        bad(base + ".flags", "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES are mutually exclusive");

    // set_mempolicy(2): DEFAULT and LOCAL take no nodes; the set-based modes need some.
    if (mp.mode == "MPOL_DEFAULT" || mp.mode == "MPOL_LOCAL") {
        if (!mp.nodes.empty()) bad(base + ".nodes", fmt::format("must be empty for {}", mp.mode));
    } else if (mp.mode != "MPOL_PREFERRED" && mp.nodes.empty()) {
        bad(base + ".nodes", fmt::format("is required for {}", mp.mode));
    }
    if (!mp.nodes.empty() && !is_id_list(mp.nodes))
        bad(base + ".nodes", fmt::format("invalid node list {}", quote(mp.nodes)));
}

}  // namespace

void check_linux(const Linux& lx) {
    check_namespaces(lx);
    check_devices(lx.devices);
    if (lx.resources) check_resources(*lx.resources);
    if (!lx.rootfsPropagation.empty() && !rootfs_propagation_flags(lx.rootfsPropagation))
        bad("linux.rootfsPropagation", fmt::format("unknown propagation {}", quote(lx.rootfsPropagation)));
    if (lx.seccomp) check_seccomp(*lx.seccomp);
    check_sysctls(lx);
    for (std::size_t i = 0; i < lx.maskedPaths.size(); ++i)
        check_absolute(index_path("linux.maskedPaths", i), lx.maskedPaths[i]);
    for (std::size_t i = 0; i < lx.readonlyPaths.size(); ++i)
        check_absolute(index_path("linux.readonlyPaths", i), lx.readonlyPaths[i]);
    if (lx.intelRdt) {
        const auto& rdt = *lx.intelRdt;
        // closID names a directory under /sys/fs/resctrl.
        if (!rdt.closID.empty() &&
            (rdt.closID == "." || rdt.closID == ".." || rdt.closID.find('/') != std::string::npos))
            bad("linux.intelRdt.closID", fmt::format("{} is not a plain directory name", quote(rdt.closID)));
        if (!rdt.memBwSchema.empty() &&
            (!rdt.memBwSchema.starts_with("MB:") || rdt.memBwSchema.find('\n') != std::string::npos))
            bad("linux.intelRdt.memBwSchema", "must be a single line starting with \"MB:\"");
    }
    if (lx.personality) {
        const auto& pers = *lx.personality;
        if (pers.domain.empty()) bad("linux.personality.domain", "is required");
        if (pers.domain != "LINUX" && pers.domain != "LINUX32")
            bad("linux.personality.domain",
                fmt::format("unknown domain {} (want LINUX or LINUX32)", quote(pers.domain)));
        if (!pers.flags.empty())
            bad("linux.personality.flags[0]",
                fmt::format("unknown flag {} (no personality flags are supported)", quote(pers.flags[0])));
    }
    check_netdevices(lx);
    if (lx.memoryPolicy) check_memory_policy(*lx.memoryPolicy);
}


}  // namespace brig::oci::detail
