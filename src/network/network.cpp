// attach/detach and the network records: the orchestration over store, ipam, rtnl, nft, dns_ctl.
#include "network/network.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "common/fd.hpp"
#include "common/ids.hpp"
#include "common/scope.hpp"
#include "common/time.hpp"
#include "linux/netlink.hpp"
#include "network/dns_ctl.hpp"
#include "network/ipam.hpp"
#include "network/nft.hpp"
#include "network/rtnl.hpp"
#include "network/store.hpp"

namespace brig::network {

namespace {

constexpr const char* kDefaultNetwork = "bridge";
constexpr const char* kDefaultBridge = "brig0";
constexpr const char* kDefaultSubnet = "10.88.0.0/16";
constexpr const char* kDefaultGateway = "10.88.0.1";

bool valid_name(std::string_view n) {
    if (n.empty() || n.size() > 64) return false;
    if (!std::isalnum(static_cast<unsigned char>(n[0]))) return false;
    return std::all_of(n.begin(), n.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    });
}

NetworkInfo default_network() {
    NetworkInfo n;
    n.name = kDefaultNetwork;
    n.id = random_hex(32);
    n.created = now_rfc3339_nano();
    n.bridge = kDefaultBridge;
    n.subnets = {{kDefaultSubnet, kDefaultGateway}};
    return n;
}

// Find a network by name, id or unique id prefix (the default one is created when asked for).
Result<NetworkInfo> find_locked(std::string_view root, std::string_view key) {
    auto all = store::load_all(root);
    if (!all) return std::unexpected(all.error());
    for (auto& n : *all)
        if (n.name == key || n.id == key) return n;
    if (key == kDefaultNetwork) {
        auto n = default_network();
        if (auto r = store::save_network(root, n); !r) return std::unexpected(r.error());
        if (auto r = store::save_endpoints(root, n); !r) return std::unexpected(r.error());
        return n;
    }
    const NetworkInfo* hit = nullptr;
    if (key.size() >= 3)
        for (auto& n : *all)
            if (n.id.starts_with(key)) {
                if (hit) return fail("network id prefix {} is ambiguous", key);
                hit = &n;
            }
    if (hit) return *hit;
    return errno_fail(ENOENT, "network {} not found", key);
}

std::optional<Cidr> subnet_of(const NetworkInfo& n, int family, IpAddr* gateway) {
    for (auto& s : n.subnets) {
        auto c = parse_cidr(s.subnet);
        if (!c || c->addr.family != family) continue;
        auto g = parse_ip(s.gateway);
        if (g) *gateway = *g;
        return *c;
    }
    return std::nullopt;
}

Attachment to_attachment(const NetworkInfo& n, const Endpoint& e) {
    Attachment a;
    a.network = n.name;
    a.network_id = n.id;
    a.interface = e.interface;
    a.host_interface = e.host_interface;
    a.bridge = n.bridge;
    a.mac = e.mac;
    a.aliases = e.aliases;
    a.ports = e.ports;
    a.internal = n.internal;
    a.default_route = e.default_route;
    IpAddr gw;
    if (!e.ipv4.empty())
        if (auto c = subnet_of(n, AF_INET, &gw)) {
            a.ipv4 = e.ipv4;
            a.ipv4_prefix = c->prefix;
            a.gateway4 = to_string(gw);
        }
    if (!e.ipv6.empty())
        if (auto c = subnet_of(n, AF_INET6, &gw)) {
            a.ipv6 = e.ipv6;
            a.ipv6_prefix = c->prefix;
            a.gateway6 = to_string(gw);
        }
    if (n.name != kDefaultNetwork) a.dns_server = !a.gateway4.empty() ? a.gateway4 : a.gateway6;
    return a;
}

// Rules for every network that has containers; no table at all when none has.
Result<void> sync_rules(std::string_view root) {
    auto all = store::load_all(root);
    if (!all) return std::unexpected(all.error());
    std::vector<NetworkInfo> active;
    for (auto& n : *all)
        if (!n.endpoints.empty()) active.push_back(n);
    return nft::apply(nft::render(active));
}

Result<void> ensure_bridge(const NetworkInfo& n) {
    if (!netlink::find_link(n.bridge)) {
        if (auto r = rtnl::create_bridge(n.bridge, n.mtu); !r) return r;
    }
    for (auto& s : n.subnets) {
        auto c = parse_cidr(s.subnet);
        auto g = parse_ip(s.gateway);
        if (!c || !g) continue;
        auto r = rtnl::add_address(n.bridge, *g, c->prefix);
        if (!r && r.error().errnum != EEXIST) return r;
        if (g->family == AF_INET6) {
            (void)rtnl::write_sysctl("net.ipv6.conf.all.forwarding", "1");
        }
    }
    if (auto r = rtnl::set_up(n.bridge); !r) return r;
    // Published ports reached through 127.0.0.1 are routed out of the bridge.
    (void)rtnl::write_sysctl(fmt::format("net.ipv4.conf.{}.route_localnet", n.bridge), "1");
    if (!n.internal) {
        if (auto r = rtnl::write_sysctl("net.ipv4.ip_forward", "1"); !r) return r;
    }
    return {};
}

// Teardown of whatever exists of an endpoint: the host end of the veth (the container end goes
// with it, or with the namespace).
void remove_links(const Endpoint& e) {
    if (!e.host_interface.empty()) (void)rtnl::delete_link(e.host_interface);
}

std::set<std::pair<std::string, uint16_t>> ports_in_use(const std::vector<NetworkInfo>& all) {
    std::set<std::pair<std::string, uint16_t>> used;
    for (auto& n : all)
        for (auto& e : n.endpoints)
            for (auto& p : e.ports) used.insert({p.protocol, p.host_port});
    return used;
}

bool port_bindable(const std::string& proto, uint16_t port) {
    UniqueFd s(::socket(AF_INET, (proto == "udp" ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0));
    if (!s) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    return ::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
}

Result<std::vector<PortMapping>> assign_ports(const std::vector<PortMapping>& req, const std::vector<NetworkInfo>& all) {
    auto used = ports_in_use(all);
    std::vector<PortMapping> out;
    for (auto p : req) {
        if (p.protocol != "tcp" && p.protocol != "udp") return fail("invalid port protocol \"{}\"", p.protocol);
        if (p.container_port == 0) return fail("invalid container port 0");
        if (!p.host_ip.empty() && !parse_ip(p.host_ip)) return fail("invalid host address \"{}\"", p.host_ip);
        if (p.host_port != 0) {
            if (used.contains({p.protocol, p.host_port}))
                return fail("port {}/{} is already published by another container", p.host_port, p.protocol);
        } else {
            for (uint32_t cand = 32768; cand < 61000; ++cand) {
                auto c = static_cast<uint16_t>(cand);
                if (used.contains({p.protocol, c}) || !port_bindable(p.protocol, c)) continue;
                p.host_port = c;
                break;
            }
            if (p.host_port == 0) return fail("no free host port for {}/{}", p.container_port, p.protocol);
        }
        used.insert({p.protocol, p.host_port});
        out.push_back(p);
    }
    return out;
}

std::array<unsigned char, 6> random_mac() {
    auto hex = random_hex(6);
    std::array<unsigned char, 6> m{};
    for (int i = 0; i < 6; ++i) m[i] = static_cast<unsigned char>(std::stoi(hex.substr(i * 2, 2), nullptr, 16));
    m[0] = static_cast<unsigned char>((m[0] & 0xfe) | 0x02);  // unicast, locally administered
    return m;
}

Result<void> save_both(std::string_view root, const NetworkInfo& n) { return store::save_endpoints(root, n); }

// Removes the endpoint of `cid` from `n` and everything made for it; the caller holds the lock.
Result<void> detach_locked(std::string_view root, NetworkInfo n, std::string_view cid) {
    auto it = std::find_if(n.endpoints.begin(), n.endpoints.end(), [&](auto& e) { return e.container_id == cid; });
    if (it == n.endpoints.end()) return {};
    Endpoint e = *it;
    n.endpoints.erase(it);
    // Links first, then the record that names them: a crash in between leaves a record whose
    // links are gone, which the next detach/prune handles.
    remove_links(e);
    if (auto r = save_both(root, n); !r) return r;
    if (auto r = sync_rules(root); !r) return r;
    if (n.endpoints.empty()) {
        dns_ctl::stop(root, n.name);
        (void)rtnl::delete_link(n.bridge);
    }
    return {};
}

}  // namespace

Result<Attachment> attach(const AttachRequest& rq) {
    std::string what = fmt::format("connect container {} to network {}", rq.container_id, rq.network);
    auto wrapf = [&](Error e) { return std::unexpected(std::move(e).context(what)); };
    if (rq.container_id.empty()) return fail("{}: no container id", what);
    if (!is_netns(rq.netns_path)) return fail("{}: {} is not a network namespace", what, rq.netns_path);
    auto lock = store::Lock::acquire(rq.root);
    if (!lock) return wrapf(lock.error());
    auto found = find_locked(rq.root, rq.network);
    if (!found) return wrapf(found.error());
    NetworkInfo n = std::move(*found);
    auto all = store::load_all(rq.root);
    if (!all) return wrapf(all.error());
    for (auto& e : n.endpoints)
        if (e.container_id == rq.container_id) return fail("{}: already connected", what);

    // Interface name and whether this attachment carries the default route.
    std::set<std::string> taken;
    bool first = true;
    for (auto& other : *all)
        for (auto& e : other.endpoints)
            if (e.container_id == rq.container_id) {
                taken.insert(e.interface);
                first = false;
            }
    Endpoint ep;
    ep.container_id = rq.container_id;
    ep.container_name = rq.container_name;
    ep.netns_path = rq.netns_path;
    ep.aliases = rq.aliases;
    ep.default_route = first && !n.internal;
    ep.interface = rq.interface;
    if (ep.interface.empty())
        for (int i = 0;; ++i)
            if (!taken.contains(fmt::format("eth{}", i))) {
                ep.interface = fmt::format("eth{}", i);
                break;
            }
    if (!rtnl::valid_ifname(ep.interface)) return fail("{}: invalid interface name \"{}\"", what, ep.interface);
    if (taken.contains(ep.interface)) return fail("{}: interface {} is already in use", what, ep.interface);
    ep.host_interface = "vb" + random_hex(6);

    // Leases.
    std::set<IpAddr> used;
    for (auto& e : n.endpoints) {
        if (auto a = parse_ip(e.ipv4)) used.insert(*a);
        if (auto a = parse_ip(e.ipv6)) used.insert(*a);
    }
    IpAddr gw4, gw6;
    auto sub4 = subnet_of(n, AF_INET, &gw4);
    auto sub6 = subnet_of(n, AF_INET6, &gw6);
    if (sub4) {
        std::optional<IpAddr> want;
        if (rq.ipv4) {
            auto a = parse_ip(*rq.ipv4);
            if (!a || a->family != AF_INET) return fail("{}: --ip {} is not an IPv4 address", what, *rq.ipv4);
            want = *a;
        }
        auto a = ipam::lease(*sub4, gw4, used, want);
        if (!a) return wrapf(a.error());
        ep.ipv4 = to_string(*a);
    } else if (rq.ipv4) {
        return fail("{}: --ip given, but the network has no IPv4 subnet", what);
    }
    if (sub6) {
        std::optional<IpAddr> want;
        if (rq.ipv6) {
            auto a = parse_ip(*rq.ipv6);
            if (!a || a->family != AF_INET6) return fail("{}: --ip6 {} is not an IPv6 address", what, *rq.ipv6);
            want = *a;
        }
        auto a = ipam::lease(*sub6, gw6, used, want);
        if (!a) return wrapf(a.error());
        ep.ipv6 = to_string(*a);
    } else if (rq.ipv6) {
        return fail("{}: --ip6 given, but the network has no IPv6 subnet", what);
    }
    std::array<unsigned char, 6> mac{};
    if (rq.mac) {
        auto m = rtnl::parse_mac(*rq.mac);
        if (!m) return wrapf(m.error());
        mac = *m;
    } else {
        mac = random_mac();
    }
    ep.mac = rtnl::format_mac(mac);
    auto ports = assign_ports(rq.ports, *all);
    if (!ports) return wrapf(ports.error());
    ep.ports = *ports;
    if (n.internal && !ep.ports.empty()) return fail("{}: ports cannot be published on an internal network", what);

    // Write-ahead: the lease is recorded, with the names of what is about to be made, before
    // anything is made. A crash from here on leaves a record that detach/prune cleans up.
    n.endpoints.push_back(ep);
    if (auto r = save_both(rq.root, n); !r) return wrapf(r.error());
    ScopeGuard undo([&] { (void)detach_locked(rq.root, n, rq.container_id); });

    UniqueFd nsfd(::open(rq.netns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!nsfd) return wrapf(Error{errno, fmt::format("open {}", rq.netns_path)});
    if (auto r = ensure_bridge(n); !r) return wrapf(r.error());
    if (auto r = rtnl::create_veth(ep.host_interface, ep.interface, nsfd.get(), n.mtu, mac); !r) return wrapf(r.error());
    if (auto r = rtnl::set_master(ep.host_interface, n.bridge); !r) return wrapf(r.error());
    if (auto r = netlink::set_bridge_port_hairpin(ep.host_interface, true); !r) return wrapf(r.error());
    if (auto r = rtnl::set_up(ep.host_interface); !r) return wrapf(r.error());
    {
        auto g = rtnl::NetnsGuard::enter(rq.netns_path);
        if (!g) return wrapf(g.error());
        if (auto r = rtnl::set_up("lo"); !r) return wrapf(r.error());
        if (sub4)
            if (auto r = rtnl::add_address(ep.interface, *parse_ip(ep.ipv4), sub4->prefix); !r) return wrapf(r.error());
        if (sub6)
            if (auto r = rtnl::add_address(ep.interface, *parse_ip(ep.ipv6), sub6->prefix); !r) return wrapf(r.error());
        if (auto r = rtnl::set_up(ep.interface); !r) return wrapf(r.error());
        if (ep.default_route) {
            if (sub4)
                if (auto r = rtnl::add_default_route(ep.interface, gw4); !r) return wrapf(r.error());
            if (sub6)
                if (auto r = rtnl::add_default_route(ep.interface, gw6); !r) return wrapf(r.error());
        }
    }
    if (auto r = sync_rules(rq.root); !r) return wrapf(r.error());
    if (n.name != kDefaultNetwork) {
        std::string listen = sub4 ? to_string(gw4) : to_string(gw6);
        if (auto r = dns_ctl::ensure(rq.root, n.name, listen); !r) return wrapf(r.error());
    }
    undo.dismiss();
    return to_attachment(n, ep);
}

Result<void> detach(std::string_view root, std::string_view container_id, std::string_view network) {
    auto lock = store::Lock::acquire(root);
    if (!lock) return std::unexpected(lock.error());
    auto n = store::load(root, network);
    if (!n) return std::unexpected(n.error());
    if (!*n) return {};
    auto r = detach_locked(root, std::move(**n), container_id);
    if (!r) return std::unexpected(std::move(r.error()).context(fmt::format("disconnect {} from {}", container_id, network)));
    return {};
}

Result<void> detach_all(std::string_view root, std::string_view container_id) {
    auto lock = store::Lock::acquire(root);
    if (!lock) return std::unexpected(lock.error());
    auto all = store::load_all(root);
    if (!all) return std::unexpected(all.error());
    Result<void> result;
    for (auto& n : *all) {
        auto r = detach_locked(root, n, container_id);
        if (!r && result) result = r;
    }
    return result;
}

Result<std::vector<Attachment>> attachments(std::string_view root, std::string_view container_id) {
    auto all = store::load_all(root);
    if (!all) return std::unexpected(all.error());
    std::vector<Attachment> out;
    for (auto& n : *all)
        for (auto& e : n.endpoints)
            if (e.container_id == container_id) out.push_back(to_attachment(n, e));
    return out;
}

Result<NetworkInfo> create_network(std::string_view root, const CreateOptions& opts) {
    std::string what = fmt::format("create network {}", opts.name);
    if (!valid_name(opts.name))
        return fail("{}: invalid name (letters, digits, '_', '.', '-'; starting with a letter or digit)", what);
    if (opts.name == "none" || opts.name == "host" || opts.name == kDefaultNetwork || opts.name == "default")
        return fail("{}: {} is a predefined network", what, opts.name);
    if (opts.mtu < 0 || (opts.mtu > 0 && opts.mtu < 68) || opts.mtu > 65535) return fail("{}: invalid MTU {}", what, opts.mtu);
    auto lock = store::Lock::acquire(root);
    if (!lock) return std::unexpected(std::move(lock.error()).context(what));
    auto all = store::load_all(root);
    if (!all) return std::unexpected(std::move(all.error()).context(what));
    std::set<std::string> bridges;
    for (auto& n : *all) {
        if (n.name == opts.name) return fail("{}: a network with that name exists", what);
        bridges.insert(n.bridge);
    }
    auto subnets = ipam::plan_subnets(opts, *all);
    if (!subnets) return std::unexpected(std::move(subnets.error()).context(what));
    NetworkInfo n;
    n.name = opts.name;
    n.id = random_hex(32);
    n.created = now_rfc3339_nano();
    n.subnets = *subnets;
    n.internal = opts.internal;
    for (auto& s : n.subnets)
        if (s.subnet.find(':') != std::string::npos) n.ipv6 = true;
    n.mtu = opts.mtu > 0 ? opts.mtu : 1500;
    n.labels = opts.labels;
    if (!opts.bridge.empty()) {
        // Also goes into nftables rule text: letters, digits, '_', '.', '-' only.
        if (!rtnl::valid_ifname(opts.bridge) || !valid_name(opts.bridge))
            return fail("{}: invalid bridge name \"{}\"", what, opts.bridge);
        if (bridges.contains(opts.bridge)) return fail("{}: bridge {} is used by another network", what, opts.bridge);
        n.bridge = opts.bridge;
    } else {
        for (int i = 1;; ++i) {
            std::string b = fmt::format("brig{}", i);
            if (!bridges.contains(b) && !netlink::find_link(b)) {
                n.bridge = b;
                break;
            }
        }
    }
    if (auto r = store::save_endpoints(root, n); !r) {  // creates nothing visible yet
        if (auto r2 = store::save_network(root, n); !r2) return std::unexpected(std::move(r2.error()).context(what));
        if (auto r3 = store::save_endpoints(root, n); !r3) {
            (void)store::remove_network_dir(root, n.name);
            return std::unexpected(std::move(r3.error()).context(what));
        }
    } else if (auto r2 = store::save_network(root, n); !r2) {
        (void)store::remove_network_dir(root, n.name);
        return std::unexpected(std::move(r2.error()).context(what));
    }
    return n;
}

Result<std::vector<NetworkInfo>> list_networks(std::string_view root) {
    {
        auto lock = store::Lock::acquire(root);
        if (!lock) return std::unexpected(lock.error());
        if (auto d = find_locked(root, kDefaultNetwork); !d) return std::unexpected(d.error());
    }
    return store::load_all(root);
}

Result<NetworkInfo> inspect_network(std::string_view root, std::string_view key) {
    auto lock = store::Lock::acquire(root);
    if (!lock) return std::unexpected(lock.error());
    return find_locked(root, key);
}

Result<void> remove_network(std::string_view root, std::string_view key, bool force) {
    std::string what = fmt::format("remove network {}", key);
    auto lock = store::Lock::acquire(root);
    if (!lock) return std::unexpected(std::move(lock.error()).context(what));
    auto n = find_locked(root, key);
    if (!n) return std::unexpected(n.error());
    if (n->name == kDefaultNetwork) return fail("{}: the default network cannot be removed", what);
    if (!n->endpoints.empty() && !force) {
        std::string users;
        for (auto& e : n->endpoints)
            users += (users.empty() ? "" : ", ") + (e.container_name.empty() ? e.container_id.substr(0, 12) : e.container_name);
        return errno_fail(EBUSY, "{}: in use by container(s) {}", what, users);
    }
    for (auto& e : n->endpoints) remove_links(e);
    dns_ctl::stop(root, n->name);
    (void)rtnl::delete_link(n->bridge);
    if (auto r = store::remove_network_dir(root, n->name); !r) return std::unexpected(std::move(r.error()).context(what));
    if (auto r = sync_rules(root); !r) return std::unexpected(std::move(r.error()).context(what));
    return {};
}

Result<std::vector<std::string>> prune_networks(std::string_view root, const std::function<bool(const NetworkInfo&)>& select) {
    auto lock = store::Lock::acquire(root);
    if (!lock) return std::unexpected(lock.error());
    auto all = store::load_all(root);
    if (!all) return std::unexpected(all.error());
    std::vector<std::string> removed;
    for (auto& n : *all) {
        // Endpoints whose namespace is gone belong to containers that died with brig.
        for (auto& e : std::vector<Endpoint>(n.endpoints))
            if (!is_netns(e.netns_path)) {
                if (auto r = detach_locked(root, n, e.container_id); !r) return std::unexpected(r.error());
                std::erase_if(n.endpoints, [&](auto& x) { return x.container_id == e.container_id; });
            }
        if (!n.endpoints.empty()) continue;
        if (n.name != kDefaultNetwork && select && !select(n)) continue;
        dns_ctl::stop(root, n.name);
        (void)rtnl::delete_link(n.bridge);
        if (n.name == kDefaultNetwork) continue;
        if (auto r = store::remove_network_dir(root, n.name); !r) return std::unexpected(r.error());
        removed.push_back(n.name);
    }
    if (auto r = sync_rules(root); !r) return std::unexpected(r.error());
    return removed;
}

std::string inspect_json(const NetworkInfo& n) {
    nlohmann::json cfg = nlohmann::json::array();
    for (auto& s : n.subnets) cfg.push_back({{"Subnet", s.subnet}, {"Gateway", s.gateway}});
    nlohmann::json containers = nlohmann::json::object();
    for (auto& e : n.endpoints) {
        auto a = to_attachment(n, e);
        auto ports = nlohmann::json::array();
        for (auto& p : e.ports) ports.push_back(format_port(p));
        containers[e.container_id] = {
            {"Name", e.container_name},
            {"EndpointID", e.host_interface},
            {"MacAddress", e.mac},
            {"IPv4Address", a.ipv4.empty() ? "" : fmt::format("{}/{}", a.ipv4, a.ipv4_prefix)},
            {"IPv6Address", a.ipv6.empty() ? "" : fmt::format("{}/{}", a.ipv6, a.ipv6_prefix)},
            {"Interface", e.interface},
            {"Aliases", e.aliases},
            {"Ports", ports}};
    }
    nlohmann::json labels = nlohmann::json::object();
    for (auto& [k, v] : n.labels) labels[k] = v;
    nlohmann::json j = {
        {"Name", n.name},
        {"Id", n.id},
        {"Created", n.created},
        {"Scope", "local"},
        {"Driver", n.driver},
        {"EnableIPv6", n.ipv6},
        {"IPAM", {{"Driver", "default"}, {"Options", nlohmann::json::object()}, {"Config", cfg}}},
        {"Internal", n.internal},
        {"Attachable", false},
        {"Ingress", false},
        {"ConfigFrom", {{"Network", ""}}},
        {"ConfigOnly", false},
        {"Containers", containers},
        {"Options",
         {{"com.docker.network.bridge.name", n.bridge}, {"com.docker.network.driver.mtu", std::to_string(n.mtu)}}},
        {"Labels", labels}};
    return j.dump(4);
}

namespace {
Result<Endpoint> find_container(std::string_view root, std::string_view key) {
    auto all = store::load_all(root);
    if (!all) return std::unexpected(all.error());
    std::optional<Endpoint> hit;
    for (auto& n : *all)
        for (auto& e : n.endpoints)
            if (e.container_id == key || e.container_name == key) return e;
    for (auto& n : *all)
        for (auto& e : n.endpoints)
            if (key.size() >= 3 && e.container_id.starts_with(key)) {
                if (hit && hit->container_id != e.container_id) return fail("container id prefix {} is ambiguous", key);
                hit = e;
            }
    if (hit) return *hit;
    // A container on no network yet (--network none): the netns file the engine made for it.
    if (std::string ns = netns_path(root, key); key.find('/') == std::string_view::npos && is_netns(ns)) {
        Endpoint e;
        e.container_id = std::string(key);
        e.netns_path = ns;
        return e;
    }
    return errno_fail(ENOENT, "container {} is not attached to any network", key);
}
}  // namespace

Result<Attachment> connect(std::string_view root, std::string_view network, std::string_view container,
                           const AttachRequest& extra) {
    auto e = find_container(root, container);
    if (!e) return std::unexpected(e.error());
    AttachRequest rq = extra;
    rq.root = std::string(root);
    rq.container_id = e->container_id;
    rq.container_name = e->container_name;
    rq.netns_path = e->netns_path;
    rq.network = std::string(network);
    return attach(rq);
}

Result<void> disconnect(std::string_view root, std::string_view network, std::string_view container) {
    auto e = find_container(root, container);
    if (!e) return std::unexpected(e.error());
    {
        auto lock = store::Lock::acquire(root);
        if (!lock) return std::unexpected(lock.error());
        auto n = find_locked(root, network);
        if (!n) return std::unexpected(n.error());
        if (std::none_of(n->endpoints.begin(), n->endpoints.end(), [&](auto& x) { return x.container_id == e->container_id; }))
            return fail("container {} is not connected to network {}", container, network);
    }
    auto n = inspect_network(root, network);
    if (!n) return std::unexpected(n.error());
    return detach(root, e->container_id, n->name);
}

}  // namespace brig::network
