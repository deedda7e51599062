// Network records on disk, all under one lock:
//   <root>/networks/lock                    flock: every change to networks, leases and rules
//   <root>/networks/<name>/network.json     the network (NetworkInfo without endpoints)
//   <root>/networks/<name>/endpoints.json   the lease file: one Endpoint per attached container
//   <root>/networks/<name>/dns.pid|dns.lock the network's DNS responder
// Files are replaced atomically (temp, fsync, rename, fsync of the directory): after a crash
// each file is either the old or the new version, never a mix.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "network/network.hpp"

namespace brig::network::store {

std::string networks_dir(std::string_view root);
std::string network_dir(std::string_view root, std::string_view name);

class Lock {
public:
    static Result<Lock> acquire(std::string_view root);

private:
    UniqueFd fd_;
};

Result<void> write_atomic(const std::string& path, std::string_view content);

nlohmann::json to_json(const NetworkInfo& n, bool with_endpoints);
Result<NetworkInfo> network_from_json(const nlohmann::json& j);
nlohmann::json to_json(const Endpoint& e);
Endpoint endpoint_from_json(const nlohmann::json& j);

// Every network with its endpoints, sorted by name.
Result<std::vector<NetworkInfo>> load_all(std::string_view root);
Result<std::optional<NetworkInfo>> load(std::string_view root, std::string_view name);
Result<void> save_network(std::string_view root, const NetworkInfo& n);     // network.json
Result<void> save_endpoints(std::string_view root, const NetworkInfo& n);   // endpoints.json
Result<void> remove_network_dir(std::string_view root, std::string_view name);

}  // namespace brig::network::store
