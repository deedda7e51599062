// `brig stats`: resource usage from the container's cgroup (v1, v2 or hybrid, through
// src/cgroup's reader) and network counters from its network namespace.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/record.hpp"

namespace brig::engine {

struct StatsSample {
    uint64_t cpu_ns = 0;       // cumulative CPU time
    int64_t when_ns = 0;       // monotonic time of the sample
    uint64_t mem_usage = 0;    // without the page cache, as docker shows it
    uint64_t mem_limit = 0;    // the limit, or the host's memory
    uint64_t pids = 0;
    uint64_t blk_read = 0, blk_write = 0;
    uint64_t net_rx = 0, net_tx = 0;
};

StatsSample sample_stats(const ContainerRecord& rec, pid_t pid);

// docker's `stats --format json` row from two samples (the CPU % needs an interval).
nlohmann::ordered_json stats_row(const ContainerRecord& rec, const StatsSample& prev, const StatsSample& cur);
// "1.5MiB", "2GiB" (binary) and "1.2kB" (decimal, for I/O) as docker prints them.
std::string bytes_binary(uint64_t b);
std::string bytes_decimal(uint64_t b);

}  // namespace brig::engine
