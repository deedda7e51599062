#include "engine/record.hpp"

#include "engine/json_fields.hpp"

namespace brig::engine {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

std::vector<std::string> ContainerRecord::process_args() const {
    std::vector<std::string> args = entrypoint;
    args.insert(args.end(), cmd.begin(), cmd.end());
    return args;
}

namespace {

json maps_json(const std::vector<IdMap>& maps) {
    json a = json::array();
    for (const auto& m : maps) a.push_back({m.container, m.host, m.size});
    return a;
}

std::vector<IdMap> maps_from(const json& j, const char* key) {
    std::vector<IdMap> out;
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return out;
    for (const auto& m : *it)
        if (m.is_array() && m.size() == 3) out.push_back({m[0].get<uint32_t>(), m[1].get<uint32_t>(), m[2].get<uint32_t>()});
    return out;
}

MountPoint mount_point_from(const json& j) {
    MountPoint m;
    JsonFields f(j, "mounts");
    f.read("Type", m.type);
    f.read("Name", m.name);
    f.read("Source", m.source);
    f.read("Destination", m.destination);
    f.read("Driver", m.driver);
    f.read("Mode", m.mode);
    f.read("RW", m.rw);
    f.read("Propagation", m.propagation);
    f.read("Anonymous", m.anonymous);
    f.read("Options", m.options);
    return m;
}

}  // namespace

ojson to_json(const MountPoint& m) {
    ojson j = {{"Type", m.type}};
    if (m.type == "volume") j["Name"] = m.name;
    j["Source"] = m.source;
    j["Destination"] = m.destination;
    if (m.type == "volume") j["Driver"] = m.driver;
    j["Mode"] = m.mode;
    j["RW"] = m.rw;
    j["Propagation"] = m.propagation;
    return j;
}

json to_json(const ContainerRecord& r) {
    json mounts = json::array();
    for (const auto& m : r.mounts) {
        json j = to_json(m);
        j["Anonymous"] = m.anonymous;
        if (!m.options.empty()) j["Options"] = m.options;
        mounts.push_back(std::move(j));
    }
    json j = {
        {"id", r.id}, {"name", r.name}, {"image", r.image}, {"image_id", r.image_id}, {"rootfs", r.rootfs},
        {"rootfs_managed", r.rootfs_managed}, {"created", r.created}, {"entrypoint", r.entrypoint},
        {"cmd", r.cmd}, {"env", r.env}, {"user", r.user}, {"workdir", r.workdir}, {"hostname", r.hostname},
        {"labels", r.labels}, {"stop_signal", r.stop_signal}, {"stop_timeout", r.stop_timeout}, {"tty", r.tty},
        {"open_stdin", r.open_stdin}, {"exposed_ports", r.exposed_ports},
        {"host_config", json::parse(to_json(r.host).dump())},
        {"endpoint", {{"IPv4Address", r.endpoint.ipv4_address}, {"IPv6Address", r.endpoint.ipv6_address},
                      {"MacAddress", r.endpoint.mac_address}, {"Aliases", r.endpoint.aliases}}},
        {"mounts", mounts}, {"uid_mappings", maps_json(r.uid_mappings)}, {"gid_mappings", maps_json(r.gid_mappings)},
    };
    if (r.health) {
        j["health"] = {{"test", r.health->test}, {"interval", r.health->interval_ns},
                       {"timeout", r.health->timeout_ns}, {"start_period", r.health->start_period_ns},
                       {"retries", r.health->retries}};
    }
    return j;
}

Result<ContainerRecord> record_from_json(const json& j) {
    ContainerRecord r;
    JsonFields f(j, "container record");
    if (!j.contains("id") || !j.contains("name")) return fail("container record: no id or name");
    f.read("id", r.id);
    f.read("name", r.name);
    f.read("image", r.image);
    f.read("image_id", r.image_id);
    f.read("rootfs", r.rootfs);
    f.read("rootfs_managed", r.rootfs_managed);
    f.read("created", r.created);
    f.read("entrypoint", r.entrypoint);
    f.read("cmd", r.cmd);
    f.read("env", r.env);
    f.read("user", r.user);
    f.read("workdir", r.workdir);
    f.read("hostname", r.hostname);
    f.read("labels", r.labels);
    f.read("stop_signal", r.stop_signal);
    f.read("stop_timeout", r.stop_timeout);
    f.read("tty", r.tty);
    f.read("open_stdin", r.open_stdin);
    f.read("exposed_ports", r.exposed_ports);
    if (auto hc = host_config_from_json(j.value("host_config", json::object())); hc) r.host = std::move(*hc);
    else return std::unexpected(std::move(hc.error()).context("container record"));
    if (auto ep = f.object("endpoint")) {
        JsonFields ef(*ep, "container record.endpoint", &f);
        ef.read("IPv4Address", r.endpoint.ipv4_address);
        ef.read("IPv6Address", r.endpoint.ipv6_address);
        ef.read("MacAddress", r.endpoint.mac_address);
        ef.read("Aliases", r.endpoint.aliases);
    }
    for (const auto& m : j.value("mounts", json::array())) r.mounts.push_back(mount_point_from(m));
    r.uid_mappings = maps_from(j, "uid_mappings");
    r.gid_mappings = maps_from(j, "gid_mappings");
    if (auto h = f.object("health")) {
        Healthcheck hc;
        JsonFields hf(*h, "container record.health", &f);
        hf.read("test", hc.test);
        hf.read("interval", hc.interval_ns);
        hf.read("timeout", hc.timeout_ns);
        hf.read("start_period", hc.start_period_ns);
        hf.read("retries", hc.retries);
        r.health = hc;
    }
    if (auto res = f.result(); !res) return std::unexpected(res.error());
    return r;
}

}  // namespace brig::engine
