#include "network/addr.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace brig::network {

namespace {
u128 mask_of(int family, int prefix) {
    int bits = family == AF_INET ? 32 : 128;
    if (prefix <= 0) return 0;
    u128 all = bits == 128 ? ~u128{0} : ((u128{1} << 32) - 1);
    if (prefix >= bits) return all;
    return all & ~((u128{1} << (bits - prefix)) - 1);
}
}  // namespace

std::array<unsigned char, 16> IpAddr::bytes() const {
    std::array<unsigned char, 16> out{};
    std::size_t n = size();
    u128 v = value;
    for (std::size_t i = 0; i < n; ++i) {
        out[n - 1 - i] = static_cast<unsigned char>(v & 0xff);
        v >>= 8;
    }
    return out;
}

IpAddr ip_from_bytes(int family, const void* bytes) {
    IpAddr a{family, 0};
    auto p = static_cast<const unsigned char*>(bytes);
    for (std::size_t i = 0; i < a.size(); ++i) a.value = (a.value << 8) | p[i];
    return a;
}

Result<IpAddr> parse_ip(std::string_view s) {
    std::string z(s);
    unsigned char buf[16];
    if (z.find(':') == std::string::npos) {
        if (::inet_pton(AF_INET, z.c_str(), buf) == 1) return ip_from_bytes(AF_INET, buf);
    } else if (::inet_pton(AF_INET6, z.c_str(), buf) == 1) {
        return ip_from_bytes(AF_INET6, buf);
    }
    return fail("invalid IP address \"{}\"", s);
}

std::string to_string(const IpAddr& a) {
    char out[INET6_ADDRSTRLEN];
    auto b = a.bytes();
    ::inet_ntop(a.family, b.data(), out, sizeof(out));
    return out;
}

Result<Cidr> parse_cidr(std::string_view s, bool strict) {
    auto slash = s.find('/');
    if (slash == std::string_view::npos) return fail("invalid subnet \"{}\": expected ADDRESS/PREFIX", s);
    auto ip = parse_ip(s.substr(0, slash));
    if (!ip) return fail("invalid subnet \"{}\": bad address", s);
    int prefix = -1;
    auto ps = s.substr(slash + 1);
    auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), prefix);
    if (ec != std::errc{} || p != ps.data() + ps.size() || prefix < 0 || prefix > ip->bits())
        return fail("invalid subnet \"{}\": bad prefix length", s);
    u128 m = mask_of(ip->family, prefix);
    if (strict && (ip->value & ~m & mask_of(ip->family, ip->bits())) != 0)
        return fail("invalid subnet \"{}\": host bits set (did you mean {}/{}?)", s,
                    to_string(IpAddr{ip->family, ip->value & m}), prefix);
    return Cidr{IpAddr{ip->family, ip->value & m}, prefix};
}

std::string to_string(const Cidr& c) { return fmt::format("{}/{}", to_string(c.addr), c.prefix); }

IpAddr Cidr::last() const {
    u128 all = mask_of(addr.family, addr.bits());
    return IpAddr{addr.family, (addr.value | (~mask_of(addr.family, prefix) & all))};
}

bool Cidr::contains(const IpAddr& a) const {
    return a.family == addr.family && (a.value & mask_of(a.family, prefix)) == addr.value;
}

bool Cidr::overlaps(const Cidr& o) const {
    if (o.addr.family != addr.family) return false;
    return contains(o.addr) || o.contains(addr);
}

uint64_t subnet_size(const Cidr& c) {
    int host_bits = c.addr.bits() - c.prefix;
    if (host_bits >= 64) return UINT64_MAX;
    return uint64_t{1} << host_bits;
}

}  // namespace brig::network
