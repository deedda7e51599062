// POST /containers/create: docker's body (Config fields at the top level, HostConfig,
// NetworkingConfig) -> engine::CreateRequest. Pure; errors name the field (answered with 400).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "engine/create.hpp"

namespace brig::api {

Result<engine::CreateRequest> create_request_from_json(const nlohmann::json& body, const std::string& name);

}  // namespace brig::api
