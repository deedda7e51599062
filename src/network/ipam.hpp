// IPAM decisions, pure (the callers hold the lock and write the lease file): which address a
// container gets, which subnet a new network gets.
#pragma once

#include <optional>
#include <set>
#include <vector>

#include "common/error.hpp"
#include "network/addr.hpp"
#include "network/network.hpp"

namespace brig::network::ipam {

// A free address of `subnet`: `requested` if given (must be a usable, unused host address),
// else the lowest free host address. Never the network address, the gateway or (v4) the
// broadcast address.
Result<IpAddr> lease(const Cidr& subnet, const IpAddr& gateway, const std::set<IpAddr>& used,
                     std::optional<IpAddr> requested = std::nullopt);

// The subnets and gateways of a new network: from --subnet/--gateway, checked against each other
// and against the existing networks' subnets, or chosen (10.89.N.0/24, fd00:b216:N::/64).
Result<std::vector<Subnet>> plan_subnets(const CreateOptions& opts, const std::vector<NetworkInfo>& existing);

}  // namespace brig::network::ipam
