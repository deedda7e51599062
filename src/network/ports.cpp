// -p / -P parsing: docker's syntax, ranges expanded into one mapping per port.
#include <charconv>

#include "common/strings.hpp"
#include "network/addr.hpp"
#include "network/network.hpp"

namespace brig::network {

namespace {

struct Range {
    uint16_t first = 0, last = 0;
    std::size_t count() const { return std::size_t{last} - first + 1; }
};

Result<uint16_t> parse_port(std::string_view s, std::string_view spec, bool allow_zero = false) {
    auto v = parse_number<uint16_t>(s);
    if (!v || (*v == 0 && !allow_zero)) return fail("invalid port \"{}\" in \"{}\"", s, spec);
    return *v;
}

Result<Range> parse_range(std::string_view s, std::string_view spec) {
    auto dash = s.find('-');
    if (dash == std::string_view::npos) {
        auto p = parse_port(s, spec);
        if (!p) return std::unexpected(p.error());
        return Range{*p, *p};
    }
    auto a = parse_port(s.substr(0, dash), spec);
    if (!a) return std::unexpected(a.error());
    auto b = parse_port(s.substr(dash + 1), spec);
    if (!b) return std::unexpected(b.error());
    if (*b < *a) return fail("invalid port range \"{}\" in \"{}\": end before start", s, spec);
    return Range{*a, *b};
}

}  // namespace

Result<std::vector<PortMapping>> parse_port_spec(std::string_view spec) {
    std::string_view rest = spec;
    std::string proto = "tcp";
    if (auto slash = rest.rfind('/'); slash != std::string_view::npos) {
        proto = std::string(rest.substr(slash + 1));
        rest = rest.substr(0, slash);
        if (proto != "tcp" && proto != "udp")
            return fail("invalid port spec \"{}\": protocol must be tcp or udp, not \"{}\"", spec, proto);
    }
    std::string host_ip;
    if (!rest.empty() && rest.front() == '[') {  // [v6]:host:container
        auto close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
            return fail("invalid port spec \"{}\": expected [IPv6]:HOSTPORT:CONTAINERPORT", spec);
        host_ip = std::string(rest.substr(1, close - 1));
        rest = rest.substr(close + 2);
        if (rest.find(':') == std::string_view::npos)
            return fail("invalid port spec \"{}\": expected [IPv6]:HOSTPORT:CONTAINERPORT", spec);
    }
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
        auto colon = rest.find(':', start);
        parts.push_back(rest.substr(start, colon == std::string_view::npos ? colon : colon - start));
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    std::string_view host_part, cont_part;
    if (parts.size() == 1) {
        cont_part = parts[0];
    } else if (parts.size() == 2) {
        host_part = parts[0];
        cont_part = parts[1];
    } else if (parts.size() == 3 && host_ip.empty()) {
        host_ip = std::string(parts[0]);
        host_part = parts[1];
        cont_part = parts[2];
    } else {
        return fail("invalid port spec \"{}\": expected [HOSTIP:][HOSTPORT:]CONTAINERPORT[/PROTO]", spec);
    }
    if (!host_ip.empty()) {
        auto ip = parse_ip(host_ip);
        if (!ip) return fail("invalid port spec \"{}\": bad host address \"{}\"", spec, host_ip);
    }
    auto cont = parse_range(cont_part, spec);
    if (!cont) return std::unexpected(cont.error());
    std::optional<Range> host;
    if (!host_part.empty()) {
        auto h = parse_range(host_part, spec);
        if (!h) return std::unexpected(h.error());
        if (h->count() != cont->count())
            return fail("invalid port spec \"{}\": host range and container range differ in length", spec);
        host = *h;
    }
    std::vector<PortMapping> out;
    for (std::size_t i = 0; i < cont->count(); ++i) {
        PortMapping m;
        m.host_ip = host_ip;
        m.container_port = static_cast<uint16_t>(cont->first + i);
        m.host_port = host ? static_cast<uint16_t>(host->first + i) : 0;
        m.protocol = proto;
        out.push_back(std::move(m));
    }
    return out;
}

Result<std::vector<PortMapping>> parse_port_specs(std::span<const std::string> specs) {
    std::vector<PortMapping> out;
    for (auto& s : specs) {
        auto r = parse_port_spec(s);
        if (!r) return std::unexpected(r.error());
        for (auto& m : *r) {
            for (auto& o : out)
                if (o.host_port != 0 && o.host_port == m.host_port && o.protocol == m.protocol && o.host_ip == m.host_ip)
                    return fail("port {}/{} is published twice", m.host_port, m.protocol);
            out.push_back(m);
        }
    }
    return out;
}

Result<std::vector<PortMapping>> exposed_ports(std::span<const std::string> exposed) {
    std::vector<PortMapping> out;
    for (auto& e : exposed) {
        if (e.find(':') != std::string::npos) return fail("invalid exposed port \"{}\"", e);
        auto r = parse_port_spec(e);
        if (!r) return std::unexpected(r.error());
        out.insert(out.end(), r->begin(), r->end());
    }
    return out;
}

std::string format_port(const PortMapping& p) {
    std::string ip = p.host_ip.empty() ? "0.0.0.0" : p.host_ip;
    if (ip.find(':') != std::string::npos) ip = "[" + ip + "]";
    return fmt::format("{}:{}->{}/{}", ip, p.host_port, p.container_port, p.protocol);
}

Result<NetworkMode> parse_network_mode(std::string_view flag) {
    NetworkMode m;
    if (flag.empty() || flag == "bridge" || flag == "default") return m;
    if (flag == "none") {
        m.kind = ModeKind::None;
        m.network.clear();
    } else if (flag == "host") {
        m.kind = ModeKind::Host;
        m.network.clear();
    } else if (flag.starts_with("container:")) {
        m.kind = ModeKind::Container;
        m.network.clear();
        m.container = std::string(flag.substr(10));
        if (m.container.empty()) return fail("--network container: needs a container id or name");
    } else {
        m.network = std::string(flag);
    }
    return m;
}

}  // namespace brig::network
