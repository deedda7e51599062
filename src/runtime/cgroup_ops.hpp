// Operations on the cgroup of a recorded container: pause / resume (freezer), update
// (new limits on a live container), ps (its pids), stats and the events stream (runc's
// `events`: periodic stats and OOM notifications).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/error.hpp"
#include "oci/spec.hpp"
#include "runtime/state.hpp"

namespace brig::runtime {

// Freeze every process of the container (v1 freezer.state, v2 cgroup.freeze) and wait
// until the kernel reports it frozen. The container must be running or created.
Result<void> pause_container(const StateStore& store, const std::string& id);
// Thaw a paused container.
Result<void> resume_container(const StateStore& store, const std::string& id);

// New limits for `update`: validated, and the linux.resources object they came from.
struct ResourceUpdate {
    oci::Resources resources;
    std::string json;  // the given linux.resources object (normalized JSON text)
};

// Apply new limits to a live container. Fields left unset keep their values; device rules
// are not changed (as in runc). Under the container's lock, the new values are merged into
// the stored config (<root>/<id>/config.json), replaced atomically once the cgroup took
// them: a failed update changes neither.
Result<void> update_container(const StateStore& store, const std::string& id, const ResourceUpdate& u);

// The stored linux.resources after an update: `given` merged in field by field (objects
// merged, anything else replaced, null ignored; devices left alone, as update does). A new
// memory limit without swap keeps the swap allowance (swap - limit), as the cgroup does.
void merge_resources(nlohmann::json& stored, const nlohmann::json& given);

// The pids in the container's cgroup (and the cgroups below it), sorted.
Result<std::vector<pid_t>> container_pids(const StateStore& store, const std::string& id);

// One event line: {"type":"stats","id":ID,"data":{cpu, cpuset, memory, pids, blkio, hugetlb, ...}}.
Result<std::string> container_stats(const StateStore& store, const std::string& id);

// Stream events until the container stops: a stats line every `interval`, and
// {"type":"oom","id":ID} whenever the kernel reports an out-of-memory condition
// (v1 memory.oom_control through cgroup.event_control and an eventfd; v2 memory.events,
// watched with inotify).
Result<void> container_events(const StateStore& store, const std::string& id, std::chrono::milliseconds interval,
                              const std::function<void(const std::string&)>& emit);

// linux.resources JSON (runc update --resources) -> Resources, validated like config.json.
Result<ResourceUpdate> parse_resource_update(std::string_view json_text);
Result<oci::Resources> parse_resources(std::string_view json_text);
// The same from a file, or from stdin for "-".
Result<ResourceUpdate> load_resource_update(const std::string& path);
Result<oci::Resources> load_resources(const std::string& path);

// runc's update flags (name without dashes -> value) -> Resources. Sizes take units
// ("512m", "1g", "100KiB": brig::parse_size); -1 means unlimited.
Result<ResourceUpdate> resource_update_from_flags(const std::map<std::string, std::string>& flags);
Result<oci::Resources> resources_from_update_flags(const std::map<std::string, std::string>& flags);

}  // namespace brig::runtime
