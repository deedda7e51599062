// A small rtnetlink client over a raw NETLINK_ROUTE socket, so brig needs no libnl/libmnl:
// the runtime moves host interfaces into a container's network namespace (runtime-spec
// linux.netDevices); the network library (src/network) builds bridges, veth pairs,
// addresses and routes with the same encoder. Everything acts in the caller's network
// namespace (the calling thread's).
#pragma once

#include <linux/rtnetlink.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace brig::netlink {

using Bytes = std::span<const unsigned char>;

// One rtnetlink request: nlmsghdr + a fixed header (ifinfomsg, ifaddrmsg, rtmsg) + attributes,
// built in one buffer. Values are memcpy'd in, so the buffer needs no particular alignment.
class Request {
public:
    Request(uint16_t type, uint16_t flags, const ifinfomsg& ifi) : Request(type, flags, &ifi, sizeof(ifi)) {}
    Request(uint16_t type, uint16_t flags, const ifaddrmsg& ifa) : Request(type, flags, &ifa, sizeof(ifa)) {}
    Request(uint16_t type, uint16_t flags, const rtmsg& rtm) : Request(type, flags, &rtm, sizeof(rtm)) {}
    Request(uint16_t type, uint16_t flags, const void* hdr, std::size_t hdr_len);

    void put(uint16_t type, const void* data, std::size_t len);
    void put_u32(uint16_t type, uint32_t value) { put(type, &value, sizeof(value)); }
    void put_string(uint16_t type, std::string_view s);  // NUL-terminated, as the kernel expects
    // Raw payload inside an open nested attribute (e.g. the ifinfomsg of a veth peer).
    void append(const void* data, std::size_t len);
    // Nested attributes: begin returns a token for end, which fixes up the length.
    std::size_t begin_nested(uint16_t type);
    void end_nested(std::size_t token);

    void set_seq(uint32_t seq);
    void add_flags(uint16_t flags);  // NLM_F_*, or'ed into the header's
    Bytes bytes() const { return buf_; }

private:
    void set_len();
    std::vector<unsigned char> buf_;
};

struct Attr {
    uint16_t type;  // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
    Bytes payload;
};

// Split a run of rtattrs; fails rather than reading past the end on a malformed length.
Result<std::vector<Attr>> parse_attrs(Bytes data);

// The kernel's answer to one request.
struct Ack {
    int error = 0;        // positive errno; 0 = success
    std::string message;  // extended ack text (NLMSGERR_ATTR_MSG), if the kernel gave one
};

// Look for the NLMSG_ERROR answering `seq` in one received datagram: nullopt if the
// datagram holds no answer to it, an error if the datagram is malformed.
Result<std::optional<Ack>> parse_ack(Bytes datagram, uint32_t seq);

// Send a request on a fresh NETLINK_ROUTE socket (in the caller's network namespace)
// and wait for its ack. `what` names the operation in errors.
Result<void> transact(Request& req, std::string_view what);

// Send a dump request (NLM_F_DUMP is added) and call `each` with the type and body (fixed
// header + attributes) of every message of the answer, until NLMSG_DONE.
Result<void> dump(Request& req, std::string_view what,
                  const std::function<Result<void>(uint16_t type, Bytes body)>& each);

// The kernel's dev_valid_name(): non-empty, shorter than IFNAMSIZ, no '/', ':' or space.
bool valid_ifname(std::string_view name);

// The interface index of `name` in the caller's network namespace.
Result<int> link_index(std::string_view name);
// Same, nullopt when there is no such link (or the name is invalid).
std::optional<int> find_link(std::string_view name);

using Mac = std::array<unsigned char, 6>;

// Attributes of a link to create (0 / nullopt / -1: the kernel's default).
struct LinkAttrs {
    int mtu = 0;
    std::optional<Mac> mac;
    int netns_fd = -1;  // create it directly in this network namespace
};

// A bridge. A veth pair `name`/`peer`: the peer is created directly in `peer_attrs.netns_fd`
// when given, so it never exists here under a name that might clash.
Result<void> create_bridge(std::string_view name, int mtu = 0);
Result<void> create_veth(std::string_view name, std::string_view peer, const LinkAttrs& attrs,
                         const LinkAttrs& peer_attrs);
Result<void> set_master(std::string_view link, std::string_view master);
Result<void> set_up(std::string_view link, bool up = true);
// Hairpin mode of a bridge port: frames may leave through the port they came in by. Needed for
// a container reaching its own published port when bridged traffic passes the IP hooks
// (br_netfilter): the DNAT-ed frame goes back out of the container's own port.
Result<void> set_bridge_port_hairpin(std::string_view port, bool on);
Result<void> set_mtu(std::string_view link, int mtu);
Result<void> rename_link(std::string_view link, std::string_view new_name);
// Move a link into the network namespace open as `netns_fd` (renamed on the way if `new_name`
// is non-empty and different).
Result<void> move_link_to_netns_fd(std::string_view link, int netns_fd, std::string_view new_name = {});
// No error if the link does not exist.
Result<void> delete_link(std::string_view name);

// An IPv4 or IPv6 address in network order (4 or 16 bytes used).
struct InetAddr {
    int family = 0;  // AF_INET or AF_INET6
    std::array<unsigned char, 16> bytes{};
    std::size_t size() const;
    bool operator==(const InetAddr&) const = default;
};

// An address on a link: IPv4 ones get the subnet's broadcast address, IPv6 ones NODAD so they
// are usable at once.
Result<void> add_address(std::string_view link, const InetAddr& addr, int prefix);
Result<void> delete_address(std::string_view link, const InetAddr& addr, int prefix);
// A route in the main table: to `dst`/`prefix` (prefix 0: default), via `gateway` if given,
// out of `link`.
Result<void> add_route(std::string_view link, const InetAddr& dst, int prefix, std::optional<InetAddr> gateway);
Result<void> add_default_route(std::string_view link, const InetAddr& gateway);

// Dumps of the caller's network namespace.
struct LinkInfo {
    int index = 0;
    std::string name;
    std::string kind;  // IFLA_INFO_KIND ("bridge", "veth", ...); empty for plain devices
    int master = 0;    // index of the bridge it is enslaved to, 0 if none
    int mtu = 0;
    unsigned flags = 0;  // IFF_*
    std::optional<Mac> mac;
};
struct AddrInfo {
    int index = 0;  // the link's
    InetAddr addr;
    int prefix = 0;
};
struct RouteInfo {
    int family = 0;
    InetAddr dst;  // family set, zero bytes for the default route
    int prefix = 0;
    std::optional<InetAddr> gateway;
    int oif = 0;
    unsigned table = 0;
};
Result<std::vector<LinkInfo>> list_links();
// family: AF_UNSPEC for both.
Result<std::vector<AddrInfo>> list_addresses(int family = 0);
// Routes of the main table.
Result<std::vector<RouteInfo>> list_routes(int family = 0);

// Move host interface `host_name` into the network namespace of `target_pid`, renaming it
// to `new_name` on the way if that is non-empty and different (as `ip link set dev X
// netns PID name Y`): moving and renaming in one request means the device never shows up
// in the container under its host name, which might clash with a device already there.
Result<void> move_link_to_netns(std::string_view host_name, pid_t target_pid, std::string_view new_name);

// Create a dummy link / a plain veth pair (tests use these in namespaces they own).
Result<void> create_dummy(std::string_view name);
Result<void> create_veth(std::string_view name, std::string_view peer);

}  // namespace brig::netlink
