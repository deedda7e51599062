// A minimal rtnetlink client: just enough RTM_NEWLINK to move a host interface into a
// container's network namespace (runtime-spec linux.netDevices), spoken over a raw
// NETLINK_ROUTE socket so brig needs no libnl/libmnl.
#pragma once

#include <linux/rtnetlink.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace brig::netlink {

using Bytes = std::span<const unsigned char>;

// One rtnetlink link request: nlmsghdr + ifinfomsg + attributes, built in one buffer.
// Values are memcpy'd in, so the buffer needs no particular alignment.
class Request {
public:
    Request(uint16_t type, uint16_t flags, const ifinfomsg& ifi);

    void put(uint16_t type, const void* data, std::size_t len);
    void put_u32(uint16_t type, uint32_t value) { put(type, &value, sizeof(value)); }
    void put_string(uint16_t type, std::string_view s);  // NUL-terminated, as the kernel expects
    // Raw payload inside an open nested attribute (e.g. the ifinfomsg of a veth peer).
    void append(const void* data, std::size_t len);
    // Nested attributes: begin returns a token for end, which fixes up the length.
    std::size_t begin_nested(uint16_t type);
    void end_nested(std::size_t token);

    void set_seq(uint32_t seq);
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

// The interface index of `name` in the caller's network namespace.
Result<int> link_index(std::string_view name);

// Move host interface `host_name` into the network namespace of `target_pid`, renaming it
// to `new_name` on the way if that is non-empty and different (as `ip link set dev X
// netns PID name Y`): moving and renaming in one request means the device never shows up
// in the container under its host name, which might clash with a device already there.
Result<void> move_link_to_netns(std::string_view host_name, pid_t target_pid, std::string_view new_name);

// For tests, in namespaces they own: create a dummy link / a veth pair.
Result<void> create_dummy(std::string_view name);
Result<void> create_veth(std::string_view name, std::string_view peer);

}  // namespace brig::netlink
