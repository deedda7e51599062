// linux.resources -> the file writes that implement it, for cgroup v1 and v2.
//
// Pure planning: the planner asks an environment where each controller lives (a v1
// hierarchy, the v2 directory, or nowhere), whether a file exists and what a file holds
// (for ordering decisions such as memory before swap). apply() in manager.cpp answers from
// the real cgroup; the unit tests answer from a table.
//
// The conversions are runc's and crun's:
//   cpu.shares [2, 262144]  -> cpu.weight [1, 10000]:  1 + (shares - 2) * 9999 / 262142
//   blkio.weight [10, 1000] -> io.weight [1, 10000]:   1 + (weight - 10) * 9999 / 990
//   memory.swap (v1: memory + swap) -> memory.swap.max (v2: swap only) = swap - limit
//   memory.reservation -> memory.soft_limit_in_bytes (v1) / memory.low (v2)
//   -1 ("unlimited") -> "max" in v2 files
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup/devices.hpp"
#include "common/error.hpp"
#include "oci/spec.hpp"

namespace brig::cgroup {

enum class Version { V1, V2 };

// One write into the container's cgroup.
struct Write {
    std::string controller;   // "memory", "cpu", "cpuset", "pids", "blkio"/"io", "hugetlb", "net_cls",
                              // "net_prio", "rdma", "devices", "unified"
    Version version = Version::V1;
    std::string file;         // name inside the cgroup directory
    std::string value;
    std::string field;        // the spec field it implements, for errors ("linux.resources.memory.limit")
    bool retry_on_einval = false;  // cpu period: the kernel may refuse it until the quota is written
    bool operator==(const Write&) const = default;
};

// What the planner may ask about the cgroup.
struct PlanEnv {
    // Where a controller's files are, or nullopt when it is not available. The v1 names
    // are used throughout ("blkio" also means v2's "io").
    std::function<std::optional<Version>(std::string_view controller)> where;
    // Does `file` exist in the directory of `controller`?
    std::function<bool(std::string_view controller, std::string_view file)> exists;
    // The content of `file` (trimmed), or nullopt.
    std::function<std::optional<std::string>(std::string_view controller, std::string_view file)> read;
    // A live container (update): device rules are left alone, and values not given are
    // read back where a file holds two of them (v2 cpu.max).
    bool update = false;
};

struct ResourcePlan {
    std::vector<Write> writes;
    // v2 device control: the policy to compile into an eBPF program and attach.
    std::optional<DevicePolicy> bpf_devices;
};

// Plan every write for `r` (plus the device nodes of linux.devices, which are allowed).
// Errors name the spec field: "linux.resources.hugepageLimits[0]: ...".
Result<ResourcePlan> plan_resources(const oci::Resources& r, std::span<const oci::Device> devices,
                                    const PlanEnv& env);

// Conversions (exposed for tests and for `update`).
uint64_t cpu_shares_to_weight(uint64_t shares);     // 0 -> 0 (unset)
uint64_t blkio_weight_to_io_weight(uint64_t weight);  // 0 -> 0 (unset)
// The value of memory.swap.max for a spec swap (memory+swap) and limit; -1 means "max",
// 0 with swap == limit means "no swap".
Result<int64_t> memory_swap_to_v2(int64_t swap, int64_t limit);
// "1G"/"2MB"/"64KB" page sizes from /sys/kernel/mm/hugepages names ("hugepages-2048kB").
std::string hugepage_size_name(uint64_t kib);

}  // namespace brig::cgroup
