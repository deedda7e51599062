#include "engine/netwire.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include <fmt/core.h>

#include "common/fd.hpp"
#include "common/flock.hpp"
#include "common/scope.hpp"
#include "engine/rootless.hpp"
#include "linux/fs.hpp"
#include "network/network.hpp"

namespace brig::engine {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

std::string container_dir(const std::string& root, const std::string& id) { return root + "/containers/" + id; }

Result<std::vector<network::PortMapping>> wanted_ports(const ContainerRecord& rec) {
    auto ports = port_mappings(rec.host.port_bindings);
    if (!ports) return std::unexpected(ports.error());
    if (rec.host.publish_all_ports) {
        auto exposed = network::exposed_ports(rec.exposed_ports);
        if (!exposed) return std::unexpected(exposed.error());
        for (auto& p : *exposed) {
            bool dup = false;
            for (const auto& q : *ports) dup = dup || (q.container_port == p.container_port && q.protocol == p.protocol);
            if (!dup) ports->push_back(p);
        }
    }
    return ports;
}

Result<network::NameConfig> name_config(const ContainerRecord& rec) {
    const HostConfig& hc = rec.host;
    network::NameConfig nc;
    nc.hostname = rec.hostname;
    for (const auto& h : hc.extra_hosts) {
        auto kv = network::parse_add_host(h);
        if (!kv) return std::unexpected(kv.error());
        nc.extra_hosts.push_back(*kv);
    }
    nc.dns = hc.dns;
    nc.dns_search = hc.dns_search;
    nc.dns_options = hc.dns_options;
    nc.host_network = rec.host.network_mode == "host";
    return nc;
}

std::vector<network::Attachment> current(const std::string& root, const ContainerRecord& rec) {
    if (!owns_netns(rec)) return {};
    auto a = network::attachments(root, rec.id);
    return a ? *a : std::vector<network::Attachment>{};
}

// Rootless containers have no attachments: pasta forwards the -p/-P ports (always with an
// explicit host port) while the container's netns exists, i.e. while it runs.
std::vector<network::PortMapping> rootless_ports(const std::string& root, const ContainerRecord& rec) {
    if (!rootless::active() || !owns_netns(rec)) return {};
    auto mode = network::parse_network_mode(rec.host.network_mode);
    if (!mode || mode->kind != network::ModeKind::Bridge) return {};
    if (!network::is_netns(network::netns_path(root, rec.id))) return {};
    auto ports = wanted_ports(rec);
    if (!ports) return {};
    return *ports;
}

// Every published port of the container: its attachments' and, rootless, pasta's.
std::vector<network::PortMapping> published_ports(const std::string& root, const ContainerRecord& rec,
                                                  const std::vector<network::Attachment>& atts) {
    std::vector<network::PortMapping> out;
    for (const auto& a : atts) out.insert(out.end(), a.ports.begin(), a.ports.end());
    auto rl = rootless_ports(root, rec);
    out.insert(out.end(), rl.begin(), rl.end());
    return out;
}

}  // namespace

Result<PortMap> parse_publish(const std::vector<std::string>& specs) {
    auto ports = network::parse_port_specs(specs);
    if (!ports) return std::unexpected(ports.error());
    PortMap out;
    for (const auto& p : *ports)
        out[fmt::format("{}/{}", p.container_port, p.protocol)].push_back(
            {p.host_ip, p.host_port == 0 ? "" : std::to_string(p.host_port)});
    return out;
}

Result<std::vector<network::PortMapping>> port_mappings(const PortMap& ports) {
    std::vector<network::PortMapping> out;
    for (const auto& [key, bindings] : ports) {
        auto slash = key.find('/');
        std::string port = key.substr(0, slash), proto = slash == std::string::npos ? "tcp" : key.substr(slash + 1);
        for (const auto& b : bindings.empty() ? std::vector<PortBinding>{{}} : bindings) {
            std::string spec = b.host_ip.find(':') != std::string::npos ? "[" + b.host_ip + "]" : b.host_ip;
            if (!spec.empty()) spec = fmt::format("{}:{}:{}", spec, b.host_port, port);
            else spec = b.host_port.empty() ? port : fmt::format("{}:{}", b.host_port, port);
            auto m = network::parse_port_spec(spec + "/" + proto);
            if (!m) return fail("PortBindings {:?}: {}", key, m.error().message);
            out.insert(out.end(), m->begin(), m->end());
        }
    }
    return out;
}

bool owns_netns(const ContainerRecord& rec) {
    return rec.host.network_mode != "host" && !rec.host.network_mode.starts_with("container:") &&
           !rec.host.network_mode.starts_with("ns:");
}

std::string container_netns(const std::string& root, const ContainerRecord& rec) {
    if (rec.host.network_mode == "host") return "";
    if (rec.host.network_mode.starts_with("ns:")) return rec.host.network_mode.substr(3);
    if (rec.host.network_mode.starts_with("container:")) return network::netns_path(root, rec.host.network_mode.substr(10));
    return network::netns_path(root, rec.id);
}

std::string etc_files_dir(const std::string& root, const ContainerRecord& rec) {
    if (rec.host.network_mode.starts_with("container:")) return container_dir(root, rec.host.network_mode.substr(10));
    return container_dir(root, rec.id);
}

Result<void> check_network_config(const std::string& root, const ContainerRecord& rec) {
    auto mode = network::parse_network_mode(rec.host.network_mode);
    if (!mode) return std::unexpected(mode.error());
    auto ports = wanted_ports(rec);
    if (!ports) return std::unexpected(ports.error());
    auto nc = name_config(rec);
    if (!nc) return std::unexpected(nc.error());
    bool bridge = mode->kind == network::ModeKind::Bridge;
    if (bridge && mode->network != "bridge") {
        if (auto n = network::inspect_network(root, mode->network); !n)
            return fail("network {} not found", mode->network);
    }
    if (!bridge) {
        if (!rec.host.port_bindings.empty())
            return fail("published ports (-p) need a bridge network, not --network {}", rec.host.network_mode);
        const EndpointConfig& ep = rec.endpoint;
        if (!ep.ipv4_address.empty() || !ep.ipv6_address.empty() || !ep.mac_address.empty())
            return fail("--ip, --ip6 and --mac-address need a bridge network, not --network {}", rec.host.network_mode);
        if (!ep.aliases.empty())
            return fail("--network-alias needs a user-defined network, not --network {}", rec.host.network_mode);
    }
    return {};
}

Result<void> write_etc_files(const std::string& root, const ContainerRecord& rec, const std::string& dir) {
    auto nc = name_config(rec);
    if (!nc) return std::unexpected(nc.error());
    auto atts = current(root, rec);
    auto files = network::make_etc_files(*nc, atts);
    if (auto r = linuxfs::write_file_atomic(dir + "/hosts", files.hosts, 0644, false); !r) return r;
    if (auto r = linuxfs::write_file_atomic(dir + "/hostname", files.hostname, 0644, false); !r) return r;
    return linuxfs::write_file_atomic(dir + "/resolv.conf", files.resolv_conf, 0644, false);
}

Result<void> refresh_hosts(const std::string& root, const ContainerRecord& rec) {
    auto nc = name_config(rec);
    if (!nc) return std::unexpected(nc.error());
    auto contents = [&] { return network::make_etc_files(*nc, current(root, rec)).hosts; };
    std::string path = etc_files_dir(root, rec) + "/hosts";
    std::string ns = container_netns(root, rec);
    if (ns.empty() || !network::is_netns(ns)) return linuxfs::write_file_atomic(path, contents(), 0644, false);
    // Bind-mounted into the running container: a rename would leave the container with the old
    // inode, so the file itself changes. The flock serializes concurrent connects/disconnects.
    std::string what = fmt::format("update {}", path);
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return sys_fail("{}", what);
    struct stat st{};
    if (::fstat(fd.get(), &st) < 0) return sys_fail("{}", what);
    if (!S_ISREG(st.st_mode)) return fail("{}: not a regular file", what);
    if (auto r = flock_fd(fd.get(), LockMode::Exclusive); !r) return errno_fail(r.error().errnum, "{}: lock", what);
    // Read the records only now, so the last writer has seen every finished attach/detach.
    std::string hosts = contents();
    ssize_t n = ::pwrite(fd.get(), hosts.data(), hosts.size(), 0);
    if (n < 0) return sys_fail("{}", what);
    if (static_cast<std::size_t>(n) != hosts.size()) return fail("{}: short write", what);
    if (::ftruncate(fd.get(), static_cast<off_t>(hosts.size())) < 0) return sys_fail("{}: truncate", what);
    return {};
}

Result<void> setup_network(const std::string& root, const ContainerRecord& rec) {
    auto mode = network::parse_network_mode(rec.host.network_mode);
    if (!mode) return std::unexpected(mode.error());
    if (rec.host.network_mode.starts_with("ns:")) return {};
    if (mode->kind == network::ModeKind::Host) return write_etc_files(root, rec, container_dir(root, rec.id));
    if (mode->kind == network::ModeKind::Container) {
        std::string ns = container_netns(root, rec);
        if (!network::is_netns(ns))
            return fail("cannot join the network of container {}: it is not running", mode->container.substr(0, 12));
        return {};
    }
    std::string ns = network::netns_path(root, rec.id);
    ScopeGuard undo([&] { release_network(root, rec); });
    if (!network::is_netns(ns))
        if (auto r = network::create_netns(ns); !r) return fail("network namespace of {}: {}", rec.name, r.error().message);
    if (rootless::active() && mode->kind == network::ModeKind::Bridge) {
        // Rootless: no bridge; pasta gives the netns the host's addresses and forwards -p ports.
        auto ports = wanted_ports(rec);
        if (!ports) return std::unexpected(ports.error());
        if (auto pasta = network::attach_rootless(ns, "", *ports); !pasta)
            return fail("container {}: {}", rec.name, pasta.error().message);
    } else if (mode->kind == network::ModeKind::Bridge) {
        auto atts = network::attachments(root, rec.id);
        if (!atts || atts->empty()) {
            auto opt = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional<std::string>(v); };
            network::AttachRequest rq;
            rq.root = root;
            rq.container_id = rec.id;
            rq.container_name = rec.name;
            rq.netns_path = ns;
            rq.network = mode->network;
            rq.ipv4 = opt(rec.endpoint.ipv4_address);
            rq.ipv6 = opt(rec.endpoint.ipv6_address);
            rq.mac = opt(rec.endpoint.mac_address);
            rq.aliases = rec.endpoint.aliases;
            auto ports = wanted_ports(rec);
            if (!ports) return std::unexpected(ports.error());
            rq.ports = *ports;
            auto att = network::attach(rq);
            if (!att) return fail("container {}: network {}: {}", rec.name, mode->network, att.error().message);
        }
    }
    if (auto r = write_etc_files(root, rec, container_dir(root, rec.id)); !r) return r;
    undo.dismiss();
    return {};
}

void release_network(const std::string& root, const ContainerRecord& rec) {
    if (!owns_netns(rec)) return;
    (void)network::detach_all(root, rec.id);
    (void)network::remove_netns(network::netns_path(root, rec.id));
}

ojson network_settings(const std::string& root, const ContainerRecord& rec) {
    auto atts = current(root, rec);
    std::string ns = container_netns(root, rec);
    ojson ports = ojson::object();
    ojson nets = ojson::object();
    ojson out = {{"Bridge", ""}, {"SandboxID", ""}, {"SandboxKey", ns}, {"Ports", ojson::object()},
                 {"Gateway", ""}, {"IPAddress", ""}, {"IPPrefixLen", 0}, {"IPv6Gateway", ""},
                 {"GlobalIPv6Address", ""}, {"GlobalIPv6PrefixLen", 0}, {"MacAddress", ""}};
    for (const auto& p : published_ports(root, rec, atts)) {
        std::string key = fmt::format("{}/{}", p.container_port, p.protocol);
        ports[key].push_back({{"HostIp", p.host_ip.empty() ? "0.0.0.0" : p.host_ip},
                              {"HostPort", std::to_string(p.host_port)}});
    }
    for (const auto& a : atts) {
        nets[a.network] = {{"IPAMConfig", nullptr},
                           {"Links", nullptr},
                           {"Aliases", a.aliases},
                           {"NetworkID", a.network_id},
                           {"EndpointID", a.host_interface},
                           {"Gateway", a.gateway4},
                           {"IPAddress", a.ipv4},
                           {"IPPrefixLen", a.ipv4_prefix},
                           {"IPv6Gateway", a.gateway6},
                           {"GlobalIPv6Address", a.ipv6},
                           {"GlobalIPv6PrefixLen", a.ipv6_prefix},
                           {"MacAddress", a.mac},
                           {"DNSNames", nullptr}};
        if (a.network == "bridge" || out["IPAddress"] == "") {
            out["Bridge"] = a.bridge;
            out["Gateway"] = a.gateway4;
            out["IPAddress"] = a.ipv4;
            out["IPPrefixLen"] = a.ipv4_prefix;
            out["IPv6Gateway"] = a.gateway6;
            out["GlobalIPv6Address"] = a.ipv6;
            out["GlobalIPv6PrefixLen"] = a.ipv6_prefix;
            out["MacAddress"] = a.mac;
        }
    }
    if (atts.empty()) {
        auto mode = network::parse_network_mode(rec.host.network_mode);
        std::string name = mode && mode->kind == network::ModeKind::Bridge ? mode->network : rec.host.network_mode;
        if (!name.starts_with("container:")) nets[name] = ojson::object();
    }
    out["Ports"] = ports;
    out["Networks"] = nets;
    return out;
}

std::string ps_ports(const std::string& root, const ContainerRecord& rec) {
    std::string out;
    for (const auto& p : published_ports(root, rec, current(root, rec)))
        out += (out.empty() ? "" : ", ") + network::format_port(p);
    return out;
}

std::string ps_networks(const std::string& root, const ContainerRecord& rec) {
    std::string out;
    for (const auto& a : current(root, rec)) out += (out.empty() ? "" : ",") + a.network;
    if (!out.empty()) return out;
    auto mode = network::parse_network_mode(rec.host.network_mode);
    if (mode && mode->kind == network::ModeKind::Bridge) return mode->network;
    return rec.host.network_mode;
}

std::vector<std::string> port_lines(const std::string& root, const ContainerRecord& rec, const std::string& filter) {
    std::vector<std::string> out;
    std::string want = filter;
    if (!want.empty() && want.find('/') == std::string::npos) want += "/tcp";
    for (const auto& p : published_ports(root, rec, current(root, rec))) {
        std::string key = fmt::format("{}/{}", p.container_port, p.protocol);
        std::string host = p.host_ip.empty() ? "0.0.0.0" : p.host_ip;
        if (host.find(':') != std::string::npos) host = "[" + host + "]";
        std::string addr = fmt::format("{}:{}", host, p.host_port);
        if (want.empty()) out.push_back(key + " -> " + addr);
        else if (key == want) out.push_back(addr);
    }
    return out;
}

}  // namespace brig::engine
