// The network commands of the engine (brig network ...): brig_network does the work; the
// engine adds what involves its containers: the in-use check of `rm`, connecting a running
// container (its netns and record) and rewriting the /etc/hosts of those whose attachments
// changed.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "network/network.hpp"

namespace brig::engine::networks {

using network::CreateOptions;
using network::NetworkInfo;

// docker's driver options of the bridge driver (-o, the API's Options) into `opts`:
// com.docker.network.bridge.name and com.docker.network.driver.mtu (or mtu); others are refused.
Result<void> apply_driver_options(CreateOptions& opts, const std::map<std::string, std::string>& driver_opts);
Result<NetworkInfo> create(const std::string& root, const CreateOptions& opts);
Result<std::vector<NetworkInfo>> list(const std::string& root);
Result<NetworkInfo> inspect(const std::string& root, const std::string& name_or_id);
std::string inspect_json(const NetworkInfo& info);

// rm: refuses a network an engine container uses unless `force` (its containers are
// disconnected, and their /etc/hosts rewritten).
Result<void> remove(const std::string& root, const std::string& name_or_id, bool force);
// The names of the removed networks (those without containers; given `select`, only those it
// selects).
Result<std::vector<std::string>> prune(const std::string& root, const std::function<bool(const NetworkInfo&)>& select = {});

struct ConnectRequest {
    std::string network, container;  // names or ids
    std::string ipv4, ipv6;          // "" = chosen by IPAM
    std::vector<std::string> aliases;
};
// Connects a running engine container (or a container of the network library's own records).
Result<void> connect(const std::string& root, const ConnectRequest& rq);
Result<void> disconnect(const std::string& root, const std::string& network, const std::string& container);

}  // namespace brig::engine::networks
