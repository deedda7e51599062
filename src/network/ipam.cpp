#include "network/ipam.hpp"

namespace brig::network::ipam {

namespace {

bool usable(const Cidr& c, const IpAddr& a) {
    if (!c.contains(a) || a == c.first()) return false;
    if (a.family == AF_INET && c.prefix < 31 && a == c.last()) return false;
    return true;
}

bool overlaps_any(const Cidr& c, const std::vector<NetworkInfo>& existing, std::string* with) {
    for (auto& n : existing)
        for (auto& s : n.subnets) {
            auto o = parse_cidr(s.subnet);
            if (o && o->overlaps(c)) {
                *with = n.name;
                return true;
            }
        }
    return false;
}

}  // namespace

Result<IpAddr> lease(const Cidr& subnet, const IpAddr& gateway, const std::set<IpAddr>& used,
                     std::optional<IpAddr> requested) {
    if (requested) {
        if (!usable(subnet, *requested))
            return fail("address {} is not a usable address of subnet {}", to_string(*requested), to_string(subnet));
        if (*requested == gateway) return fail("address {} is the gateway of subnet {}", to_string(*requested), to_string(subnet));
        if (used.contains(*requested)) return fail("address {} is already in use", to_string(*requested));
        return *requested;
    }
    // Scan upward from the first host address; the used set is small, so this ends quickly.
    uint64_t size = subnet_size(subnet);
    uint64_t limit = size > (uint64_t{1} << 24) ? (uint64_t{1} << 24) : size;
    for (uint64_t n = 1; n < limit; ++n) {
        IpAddr a = subnet.host(n);
        if (!usable(subnet, a) || a == gateway || used.contains(a)) continue;
        return a;
    }
    return fail("no free address left in subnet {}", to_string(subnet));
}

Result<std::vector<Subnet>> plan_subnets(const CreateOptions& opts, const std::vector<NetworkInfo>& existing) {
    std::vector<Subnet> out;
    std::vector<Cidr> mine;
    bool have4 = false, have6 = false;
    std::vector<bool> gw_used(opts.gateways.size(), false);
    for (auto& s : opts.subnets) {
        auto c = parse_cidr(s);
        if (!c) return std::unexpected(c.error());
        if (c->addr.family == AF_INET ? c->prefix > 30 : c->prefix > 126)
            return fail("subnet {} is too small", s);
        std::string with;
        if (overlaps_any(*c, existing, &with)) return fail("subnet {} overlaps with network {}", s, with);
        for (auto& m : mine)
            if (m.overlaps(*c)) return fail("subnets {} and {} overlap", to_string(m), s);
        mine.push_back(*c);
        (c->addr.family == AF_INET ? have4 : have6) = true;
        IpAddr gw = c->host(1);
        for (std::size_t i = 0; i < opts.gateways.size(); ++i) {
            if (gw_used[i]) continue;
            auto g = parse_ip(opts.gateways[i]);
            if (!g) return fail("invalid gateway \"{}\"", opts.gateways[i]);
            if (g->family != c->addr.family) continue;
            if (!usable(*c, *g)) return fail("gateway {} is not a usable address of subnet {}", opts.gateways[i], s);
            gw = *g;
            gw_used[i] = true;
            break;
        }
        out.push_back({to_string(*c), to_string(gw)});
    }
    for (std::size_t i = 0; i < opts.gateways.size(); ++i)
        if (!gw_used[i]) {
            if (opts.subnets.empty()) return fail("--gateway {} needs a --subnet", opts.gateways[i]);
            return fail("gateway {} matches no subnet", opts.gateways[i]);
        }
    if (!have4 && opts.subnets.empty()) {
        std::string with;
        for (unsigned n = 0; n < 256; ++n) {
            auto c = parse_cidr(fmt::format("10.89.{}.0/24", n));
            if (overlaps_any(*c, existing, &with)) continue;
            out.push_back({to_string(*c), to_string(c->host(1))});
            have4 = true;
            break;
        }
        if (!have4) return fail("no free subnet left in 10.89.0.0/16: give one with --subnet");
    }
    if (opts.ipv6 && !have6) {
        std::string with;
        for (unsigned n = 0; n < 65536; ++n) {
            auto c = parse_cidr(fmt::format("fd00:b216:{:x}::/64", n));
            if (overlaps_any(*c, existing, &with)) continue;
            out.push_back({to_string(*c), to_string(c->host(1))});
            have6 = true;
            break;
        }
    }
    return out;
}

}  // namespace brig::network::ipam
