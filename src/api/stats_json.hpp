// docker's stats JSON (GET /containers/{id}/stats, types.StatsJSON) from two of the engine's
// samples: cpu_stats and precpu_stats with the host's CPU time, memory without the page cache,
// block I/O, pids and the network counters. Pure: the samples and the host figures come in.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/record.hpp"
#include "engine/stats.hpp"

namespace brig::api {

// One moment on the host: its total CPU time (/proc/stat, all CPUs, idle included) and when.
struct HostCpu {
    uint64_t system_ns = 0;
    uint32_t online_cpus = 1;
    std::string read;  // RFC 3339 time of the sample; "0001-01-01T00:00:00Z" when there is none
};
// The host's CPU time from /proc/stat's first line ("cpu  user nice system idle ..."), in ns.
uint64_t parse_proc_stat_ns(const std::string& proc_stat, long clock_ticks);
HostCpu sample_host_cpu();

// `pre` may be empty (a one-shot sample): docker then leaves precpu_stats at zero.
nlohmann::ordered_json stats_json(const engine::ContainerRecord& rec, const engine::StatsSample& pre, const HostCpu& pre_host,
                                  const engine::StatsSample& cur, const HostCpu& cur_host, bool running);

}  // namespace brig::api
