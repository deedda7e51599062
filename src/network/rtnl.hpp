// Link, address and route operations over rtnetlink, in the caller's network namespace, plus a
// guard that moves the calling thread into another network namespace for a while.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "network/addr.hpp"

namespace brig::network::rtnl {

// setns(CLONE_NEWNET) into `path` for the guard's lifetime (calling thread only).
class NetnsGuard {
public:
    static Result<NetnsGuard> enter(const std::string& path);
    NetnsGuard(NetnsGuard&&) = default;
    ~NetnsGuard();

private:
    NetnsGuard() = default;
    UniqueFd back_;
};

bool valid_ifname(std::string_view name);
// Index of a link; nullopt if there is no such link.
std::optional<int> link_index(std::string_view name);
std::vector<std::string> link_names();

Result<void> create_bridge(std::string_view name, int mtu);
// A veth pair: `host` here, `peer` created directly in the network namespace `peer_ns_fd` (so it
// never exists here under a name that might clash), with MTU and optional MAC for the peer.
Result<void> create_veth(std::string_view host, std::string_view peer, int peer_ns_fd, int mtu,
                         std::optional<std::array<unsigned char, 6>> peer_mac);
Result<void> set_master(std::string_view link, std::string_view bridge);
Result<void> set_up(std::string_view link);
// Deletes a link; no error if it does not exist.
Result<void> delete_link(std::string_view name);
// An address; IPv6 ones with NODAD so they are usable at once.
Result<void> add_address(std::string_view link, const IpAddr& ip, int prefix);
Result<void> add_default_route(std::string_view link, const IpAddr& gateway);
Result<std::array<unsigned char, 6>> link_mac(std::string_view link);
Result<std::array<unsigned char, 6>> parse_mac(std::string_view s);
std::string format_mac(const std::array<unsigned char, 6>& m);

// Write a sysctl under /proc/sys (in the caller's network namespace for net.*).
Result<void> write_sysctl(std::string_view key, std::string_view value);

}  // namespace brig::network::rtnl
