// POST /containers/{id}/update: docker's UpdateConfig body -> engine::UpdateRequest. The docker
// CLI sends every field, the unset ones as zero (PidsLimit as null, RestartPolicy with an empty
// Name): zero means "unchanged", as in dockerd. Pure; errors name the field (answered with 400).
#pragma once

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "engine/update.hpp"

namespace brig::api {

Result<engine::UpdateRequest> update_request_from_json(const nlohmann::json& body, const std::string& id);

}  // namespace brig::api
