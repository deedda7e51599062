// IP addresses and subnets as numbers: parsing, printing and the arithmetic IPAM needs.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace brig::network {

using u128 = unsigned __int128;

struct IpAddr {
    int family = AF_INET;  // AF_INET or AF_INET6
    u128 value = 0;        // host order; v4 in the low 32 bits

    int bits() const { return family == AF_INET ? 32 : 128; }
    std::array<unsigned char, 16> bytes() const;  // network order, 4 or 16 used
    std::size_t size() const { return family == AF_INET ? 4 : 16; }
    bool operator==(const IpAddr&) const = default;
    auto operator<=>(const IpAddr&) const = default;
};

struct Cidr {
    IpAddr addr;  // the network address (host bits zero)
    int prefix = 0;

    IpAddr first() const { return addr; }
    IpAddr last() const;
    bool contains(const IpAddr& a) const;
    bool overlaps(const Cidr& o) const;
    // Host `n` of the subnet (n = 1 is the first usable address).
    IpAddr host(u128 n) const { return IpAddr{addr.family, addr.value + n}; }
    bool operator==(const Cidr&) const = default;
};

Result<IpAddr> parse_ip(std::string_view s);
IpAddr ip_from_bytes(int family, const void* bytes);
std::string to_string(const IpAddr& a);
// "10.88.0.0/16"; host bits must be zero unless `strict` is false (then they are cleared).
Result<Cidr> parse_cidr(std::string_view s, bool strict = true);
std::string to_string(const Cidr& c);

// The number of addresses in the subnet, saturated at 2^64.
uint64_t subnet_size(const Cidr& c);

}  // namespace brig::network
