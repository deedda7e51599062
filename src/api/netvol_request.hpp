// The request bodies of the network and volume routes -> the engine's requests. Pure; errors
// name the field (answered with 400).
//   POST /networks/create       NetworkCreateRequest -> network::CreateOptions
//   POST /networks/{id}/connect {"Container", "EndpointConfig"} -> engine::networks::ConnectRequest
//   POST /networks/{id}/disconnect {"Container", "Force"}
//   POST /volumes/create        VolumeCreateOptions {"Name", "Driver", "DriverOpts", "Labels"}
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "engine/networks.hpp"

namespace brig::api {

Result<network::CreateOptions> network_create_from_json(const nlohmann::json& body);
// `network`: the network of the route (the request's container is taken from the body).
Result<engine::networks::ConnectRequest> network_connect_from_json(const nlohmann::json& body, const std::string& network);

struct DisconnectRequest {
    std::string container;
    bool force = false;
};
Result<DisconnectRequest> network_disconnect_from_json(const nlohmann::json& body);

struct VolumeCreate {
    std::string name;  // "": a new anonymous name, as docker
    std::map<std::string, std::string> labels, options;
};
Result<VolumeCreate> volume_create_from_json(const nlohmann::json& body);

}  // namespace brig::api
