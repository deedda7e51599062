#include "network/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/flock.hpp"

namespace brig::network::store {

namespace fs = std::filesystem;

std::string networks_dir(std::string_view root) { return fmt::format("{}/networks", root); }
std::string network_dir(std::string_view root, std::string_view name) {
    return fmt::format("{}/networks/{}", root, name);
}

Result<Lock> Lock::acquire(std::string_view root) {
    std::error_code ec;
    fs::create_directories(networks_dir(root), ec);
    if (ec) return errno_fail(ec.value(), "create {}", networks_dir(root));
    std::string path = networks_dir(root) + "/lock";
    Lock l;
    auto fd = lock_file(path);
    if (!fd) return std::unexpected(fd.error());
    l.fd_ = std::move(*fd);
    return l;
}

Result<void> write_atomic(const std::string& path, std::string_view content) {
    std::string tmp = fmt::format("{}.tmp-{}", path, ::getpid());
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return sys_fail("write {}", tmp);
    for (std::size_t off = 0; off < content.size();) {
        ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            auto e = sys_fail("write {}", tmp);
            ::unlink(tmp.c_str());
            return e;
        }
        off += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) < 0 || ::rename(tmp.c_str(), path.c_str()) < 0) {
        auto e = sys_fail("write {}", path);
        ::unlink(tmp.c_str());
        return e;
    }
    std::string dir = fs::path(path).parent_path().string();
    UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d) ::fsync(d.get());
    return {};
}

namespace {

Result<nlohmann::json> read_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) return errno_fail(ENOENT, "read {}", path);
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded()) return fail("read {}: not valid JSON", path);
    return j;
}

nlohmann::json ports_json(const std::vector<PortMapping>& ports) {
    auto a = nlohmann::json::array();
    for (auto& p : ports)
        a.push_back({{"HostIp", p.host_ip}, {"HostPort", p.host_port}, {"ContainerPort", p.container_port},
                     {"Protocol", p.protocol}});
    return a;
}

}  // namespace

nlohmann::json to_json(const Endpoint& e) {
    return {{"ContainerID", e.container_id}, {"Name", e.container_name},   {"Interface", e.interface},
            {"HostInterface", e.host_interface}, {"MacAddress", e.mac}, {"IPv4Address", e.ipv4},
            {"IPv6Address", e.ipv6},          {"Aliases", e.aliases},       {"Ports", ports_json(e.ports)},
            {"NetnsPath", e.netns_path}};
}

Endpoint endpoint_from_json(const nlohmann::json& j) {
    Endpoint e;
    e.container_id = j.value("ContainerID", "");
    e.container_name = j.value("Name", "");
    e.interface = j.value("Interface", "");
    e.host_interface = j.value("HostInterface", "");
    e.mac = j.value("MacAddress", "");
    e.ipv4 = j.value("IPv4Address", "");
    e.ipv6 = j.value("IPv6Address", "");
    e.aliases = j.value("Aliases", std::vector<std::string>{});
    e.netns_path = j.value("NetnsPath", "");
    if (j.contains("Ports"))
        for (auto& p : j["Ports"])
            e.ports.push_back(PortMapping{p.value("HostIp", ""), p.value("HostPort", uint16_t{0}),
                                          p.value("ContainerPort", uint16_t{0}), p.value("Protocol", "tcp")});
    return e;
}

nlohmann::json to_json(const NetworkInfo& n, bool with_endpoints) {
    auto subnets = nlohmann::json::array();
    for (auto& s : n.subnets) subnets.push_back({{"Subnet", s.subnet}, {"Gateway", s.gateway}});
    auto labels = nlohmann::json::object();
    for (auto& [k, v] : n.labels) labels[k] = v;
    nlohmann::json j = {{"Name", n.name},       {"Id", n.id},           {"Created", n.created},
                        {"Driver", n.driver},   {"Bridge", n.bridge},   {"Subnets", subnets},
                        {"Internal", n.internal}, {"EnableIPv6", n.ipv6}, {"MTU", n.mtu},
                        {"Labels", labels}};
    if (with_endpoints) {
        auto eps = nlohmann::json::array();
        for (auto& e : n.endpoints) eps.push_back(to_json(e));
        j["Endpoints"] = eps;
    }
    return j;
}

Result<NetworkInfo> network_from_json(const nlohmann::json& j) {
    try {
        NetworkInfo n;
        n.name = j.at("Name").get<std::string>();
        n.id = j.at("Id").get<std::string>();
        n.created = j.value("Created", "");
        n.driver = j.value("Driver", "bridge");
        n.bridge = j.at("Bridge").get<std::string>();
        for (auto& s : j.at("Subnets")) n.subnets.push_back({s.at("Subnet"), s.value("Gateway", "")});
        n.internal = j.value("Internal", false);
        n.ipv6 = j.value("EnableIPv6", false);
        n.mtu = j.value("MTU", 1500);
        if (j.contains("Labels"))
            for (auto& [k, v] : j["Labels"].items()) n.labels.emplace_back(k, v.get<std::string>());
        if (j.contains("Endpoints"))
            for (auto& e : j["Endpoints"]) n.endpoints.push_back(endpoint_from_json(e));
        return n;
    } catch (const std::exception& e) {
        return fail("malformed network record: {}", e.what());
    }
}

Result<std::optional<NetworkInfo>> load(std::string_view root, std::string_view name) {
    std::string dir = network_dir(root, name);
    auto j = read_json(dir + "/network.json");
    if (!j) {
        if (j.error().errnum == ENOENT) return std::optional<NetworkInfo>{};
        return std::unexpected(j.error());
    }
    auto n = network_from_json(*j);
    if (!n) return std::unexpected(std::move(n.error()).context(dir));
    auto e = read_json(dir + "/endpoints.json");
    if (e) {
        try {
            for (auto& x : e->at("Endpoints")) n->endpoints.push_back(endpoint_from_json(x));
        } catch (const std::exception& ex) {
            return fail("{}/endpoints.json: {}", dir, ex.what());
        }
    } else if (e.error().errnum != ENOENT) {
        return std::unexpected(e.error());
    }
    return std::optional<NetworkInfo>{std::move(*n)};
}

Result<std::vector<NetworkInfo>> load_all(std::string_view root) {
    std::vector<NetworkInfo> out;
    std::error_code ec;
    fs::directory_iterator it(networks_dir(root), ec);
    if (ec) {
        if (ec.value() == ENOENT) return out;
        return errno_fail(ec.value(), "list {}", networks_dir(root));
    }
    for (auto& ent : it) {
        if (!ent.is_directory()) continue;
        auto n = load(root, ent.path().filename().string());
        if (!n) return std::unexpected(n.error());
        if (*n) out.push_back(std::move(**n));
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
    return out;
}

Result<void> save_network(std::string_view root, const NetworkInfo& n) {
    std::string dir = network_dir(root, n.name);
    if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) return sys_fail("create {}", dir);
    return write_atomic(dir + "/network.json", to_json(n, false).dump(2) + "\n");
}

Result<void> save_endpoints(std::string_view root, const NetworkInfo& n) {
    auto eps = nlohmann::json::array();
    for (auto& e : n.endpoints) eps.push_back(to_json(e));
    nlohmann::json j = {{"Endpoints", eps}};
    return write_atomic(network_dir(root, n.name) + "/endpoints.json", j.dump(2) + "\n");
}

Result<void> remove_network_dir(std::string_view root, std::string_view name) {
    std::string dir = network_dir(root, name);
    // network.json goes first: a crash after it leaves only a directory that load() ignores.
    std::string cfg = dir + "/network.json";
    if (::unlink(cfg.c_str()) < 0 && errno != ENOENT) return sys_fail("remove {}", cfg);
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) return errno_fail(ec.value(), "remove {}", dir);
    return {};
}

}  // namespace brig::network::store
