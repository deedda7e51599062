// The network commands of the engine (brig network ...): brig_network does the work; the
// engine adds what involves its containers: the in-use check of `rm`, connecting a running
// container (its netns and record) and rewriting the /etc/hosts of those whose attachments
// changed.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"
#include "network/network.hpp"

namespace brig::engine::networks {

using network::CreateOptions;
using network::NetworkInfo;

Result<NetworkInfo> create(const std::string& root, const CreateOptions& opts);
Result<std::vector<NetworkInfo>> list(const std::string& root);
Result<NetworkInfo> inspect(const std::string& root, const std::string& name_or_id);
std::string inspect_json(const NetworkInfo& info);

// rm: refuses a network an engine container uses unless `force` (its containers are
// disconnected, and their /etc/hosts rewritten).
Result<void> remove(const std::string& root, const std::string& name_or_id, bool force);
// The names of the removed networks (those without containers).
Result<std::vector<std::string>> prune(const std::string& root);

struct ConnectRequest {
    std::string network, container;  // names or ids
    std::string ipv4, ipv6;          // "" = chosen by IPAM
    std::vector<std::string> aliases;
};
// Connects a running engine container (or a container of the network library's own records).
Result<void> connect(const std::string& root, const ConnectRequest& rq);
Result<void> disconnect(const std::string& root, const std::string& network, const std::string& container);

}  // namespace brig::engine::networks
