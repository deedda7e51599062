// The rules for linux.resources (the cgroup limits): device rules, value ranges, cpu and
// node lists, page sizes, interface names and the unified files' names.
#include <string>
#include <utility>

#include <fmt/format.h>

#include "oci/spec_error.hpp"
#include "oci/validate_rules.hpp"

namespace brig::oci::detail {

void check_resources(const Resources& r) {
    const std::string base = "linux.resources";
    for (std::size_t i = 0; i < r.devices.size(); ++i) {
        const auto& d = r.devices[i];
        auto path = index_path(field_path(base, "devices"), i);
        if (!d.type.empty() && d.type != "a" && d.type != "b" && d.type != "c")
            bad(field_path(path, "type"), fmt::format("unknown device type {} (want a, b or c)", quote(d.type)));
        if (d.access.find_first_not_of("rwm") != std::string::npos)
            bad(field_path(path, "access"), fmt::format("{} may only contain r, w and m", quote(d.access)));
    }
    if (r.memory && r.memory->swappiness && *r.memory->swappiness > 100)
        bad(base + ".memory.swappiness", "must be between 0 and 100");
    if (r.cpu) {
        const auto& c = *r.cpu;
        if (c.burst && c.quota && *c.quota > 0 && std::cmp_greater(*c.burst, *c.quota))
            bad(base + ".cpu.burst", "must not exceed quota");
        if (!c.cpus.empty() && !is_id_list(c.cpus))
            bad(base + ".cpu.cpus", fmt::format("invalid CPU list {}", quote(c.cpus)));
        if (!c.mems.empty() && !is_id_list(c.mems))
            bad(base + ".cpu.mems", fmt::format("invalid node list {}", quote(c.mems)));
    }
    if (r.blockIO) {
        for (std::size_t i = 0; i < r.blockIO->weightDevice.size(); ++i) {
            const auto& w = r.blockIO->weightDevice[i];
            if (!w.weight && !w.leafWeight)
                bad(index_path(base + ".blockIO.weightDevice", i), "needs weight or leafWeight");
        }
    }
    for (std::size_t i = 0; i < r.hugepageLimits.size(); ++i) {
        // "<size><unit-prefix>B", e.g. 64KB, 2MB, 1GB: the suffix of the hugetlb.<size>.* files.
        const auto& page = r.hugepageLimits[i].pageSize;
        auto digits = page.find_first_not_of("0123456789");
        auto unit = digits == std::string::npos ? std::string_view{} : std::string_view(page).substr(digits);
        if (digits == 0 || (unit != "KB" && unit != "MB" && unit != "GB" && unit != "TB" && unit != "PB"))
            bad(index_path(base + ".hugepageLimits", i) + ".pageSize",
                fmt::format("{} is not a page size like \"2MB\"", quote(page)));
    }
    if (r.network) {
        for (std::size_t i = 0; i < r.network->priorities.size(); ++i) {
            const auto& name = r.network->priorities[i].name;
            if (!is_valid_ifname(name))
                bad(index_path(base + ".network.priorities", i) + ".name",
                    fmt::format("invalid interface name {}", quote(name)));
        }
    }
    for (const auto& [device, limit] : r.rdma)
        if (!limit.hcaHandles && !limit.hcaObjects)
            bad(key_path(base + ".rdma", device), "needs hcaHandles or hcaObjects");
    for (const auto& [file, value] : r.unified) {
        // Keys become file names inside the container's cgroup: refuse anything that could escape it.
        if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos ||
            file.find('\0') != std::string::npos)
            bad(key_path(base + ".unified", file), "must name a file in the container's cgroup directory");
    }
}


}  // namespace brig::oci::detail
