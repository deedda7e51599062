// GET /containers/json: docker's filters on a container, and its ContainerSummary. Pure.
#pragma once

#include <nlohmann/json.hpp>

#include "api/http_types.hpp"
#include "engine/record.hpp"
#include "engine/store.hpp"

namespace brig::api {

// Every filter key must match (docker: values of one key are alternatives). Keys: id, name,
// status, label (KEY or KEY=VALUE), ancestor, exited, health. Another key is an error.
Result<bool> container_matches(const Filters& filters, const engine::ContainerRecord& rec, const engine::LiveState& live);

// Docker's ContainerSummary: Id, Names, Image, ImageID, Command, Created, Ports, Labels,
// State, Status, HostConfig, NetworkSettings, Mounts.
nlohmann::ordered_json container_summary(const engine::ContainerRecord& rec, const engine::LiveState& live);

}  // namespace brig::api
