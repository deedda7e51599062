// CPU lists ("0-3,7", the kernel's cpulist format) and CPU affinity, for
// runtime-spec process.execCPUAffinity.
#pragma once

#include <sched.h>

#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace brig::cpuset {

// The kernel's list format, shared with NUMA node lists: comma-separated numbers and
// inclusive ranges, whitespace allowed around each. Every index must be < limit.
// An empty (or blank) list gives an empty vector. Errors do not say where the list came from.
Result<std::vector<unsigned>> parse_index_list(std::string_view list, unsigned limit);

// A CPU list as a cpu_set_t; an empty list is an error (no CPU to run on).
Result<cpu_set_t> parse_cpu_list(std::string_view list);

// Pin the calling thread (and the processes it later forks/execs) to the CPUs in `list`.
// `what` names the config field in errors, e.g. "process.execCPUAffinity.initial".
Result<void> apply_cpu_affinity(std::string_view list, std::string_view what);

}  // namespace brig::cpuset
