// Resource usage of a cgroup, in the JSON shape of runc's `events --stats` data
// (types.Stats: cpu, cpuset, memory, pids, blkio, hugetlb, intel_rdt, network_interfaces).
// Read through a PlanEnv, so the unit tests feed it a table of files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cgroup/resources.hpp"

namespace brig::cgroup {

// The huge page sizes of this machine, as hugetlb files name them ("2MB", "1GB").
std::vector<std::string> hugepage_sizes();

// "0-3,7" -> {0,1,2,3,7}; empty on a malformed list.
std::vector<uint16_t> parse_id_list(std::string_view list);

// The stats object. clock_ticks: USER_HZ, for v1's cpuacct.stat.
nlohmann::ordered_json read_stats(const PlanEnv& env, const std::vector<std::string>& page_sizes,
                                  long clock_ticks = 100);

// OOM kills counted so far (v1 memory.oom_control oom_kill, v2 memory.events oom_kill).
std::optional<uint64_t> oom_kill_count(const PlanEnv& env);

}  // namespace brig::cgroup
