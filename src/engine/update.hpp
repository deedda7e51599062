// `brig update` and POST /containers/{id}/update: new limits or a new restart policy for a
// container, running or not. The record and the bundle's config.json keep them for later starts
// (and the monitor's restarts); a running container's cgroups get them through the runtime's
// `update`. The planning is pure (plan_update, runtime_update_args) and unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "engine/engine.hpp"
#include "engine/host_config.hpp"

namespace brig::engine {

// Each field set is changed; the rest is kept. Values as in HostConfig (docker's units).
struct UpdateRequest {
    std::string id;
    std::optional<int64_t> memory, memory_swap;  // bytes; memory_swap -1: unlimited swap
    std::optional<int64_t> nano_cpus;            // --cpus × 1e9; 0: no quota
    std::optional<int64_t> cpu_shares;
    std::optional<int64_t> pids_limit;           // 0 or -1: unlimited
    std::optional<std::string> cpuset_cpus;
    std::optional<RestartPolicy> restart;

    bool changes_limits() const;
    bool empty() const { return !changes_limits() && !restart; }
};

// The host config after the update, or docker's reason to refuse it. host_cpus: the CPUs
// --cpus may use.
Result<HostConfig> plan_update(const HostConfig& hc, const UpdateRequest& rq, unsigned host_cpus);

// The runtime's `update` flags (brig-oci's and runc's) that set the limits the request changes
// to their values in `after`; an unset limit becomes unlimited (-1).
Result<std::vector<std::string>> runtime_update_args(const HostConfig& after, const UpdateRequest& rq);

// Under the container's lock: plan, then the running cgroups, then the bundle and the record.
// When the runtime refuses, nothing is written.
Result<void> update_container(Engine& e, const UpdateRequest& rq);

}  // namespace brig::engine
