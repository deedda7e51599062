// The network library's view of rtnetlink: the runtime's encoder (linux/netlink.hpp) with the
// library's address type, plus a guard that moves the calling thread into another network
// namespace for a while, MAC helpers and sysctls. Everything acts in the caller's network
// namespace.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "linux/netlink.hpp"
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

using netlink::create_bridge;
using netlink::delete_link;
using netlink::set_master;
using netlink::set_up;
using netlink::valid_ifname;

// Names of the links (empty if they cannot be listed).
std::vector<std::string> link_names();

// A veth pair: `host` here, `peer` created directly in the network namespace `peer_ns_fd` (so it
// never exists here under a name that might clash), with MTU and optional MAC for the peer.
Result<void> create_veth(std::string_view host, std::string_view peer, int peer_ns_fd, int mtu,
                         std::optional<std::array<unsigned char, 6>> peer_mac);
netlink::InetAddr inet(const IpAddr& ip);
// An address; IPv6 ones with NODAD so they are usable at once.
Result<void> add_address(std::string_view link, const IpAddr& ip, int prefix);
Result<void> add_default_route(std::string_view link, const IpAddr& gateway);
Result<std::array<unsigned char, 6>> link_mac(std::string_view link);
Result<std::array<unsigned char, 6>> parse_mac(std::string_view s);
std::string format_mac(const std::array<unsigned char, 6>& m);

// Write a sysctl under /proc/sys (in the caller's network namespace for net.*).
Result<void> write_sysctl(std::string_view key, std::string_view value);

}  // namespace brig::network::rtnl
