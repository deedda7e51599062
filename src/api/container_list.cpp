#include "api/container_list.hpp"

#include <algorithm>

#include "engine/present.hpp"

namespace brig::api {

using ojson = nlohmann::ordered_json;

namespace {

Result<bool> one(const std::string& key, const std::string& v, const engine::ContainerRecord& rec,
                 const engine::LiveState& live) {
    if (key == "id") return rec.id.starts_with(v);
    if (key == "name") {
        std::string n = v.starts_with('/') ? v.substr(1) : v;
        return rec.name.find(n) != std::string::npos;
    }
    if (key == "status") {
        static const char* const valid[] = {"created", "restarting", "running", "removing", "paused", "exited", "dead"};
        if (std::ranges::find(valid, v) == std::end(valid)) return fail("invalid filter 'status={}'", v);
        return live.status == v;
    }
    if (key == "ancestor") return rec.image == v || rec.image_id.starts_with(v) || rec.image_id.starts_with("sha256:" + v);
    if (key == "exited") return live.status == "exited" && std::to_string(live.exit_code) == v;
    if (key == "health") return live.health == v || (v == "none" && live.health.empty());
    if (key == "label") {
        auto eq = v.find('=');
        auto it = rec.labels.find(v.substr(0, eq));
        if (it == rec.labels.end()) return false;
        return eq == std::string::npos || it->second == v.substr(eq + 1);
    }
    return fail("invalid filter '{}'", key);
}

int64_t unix_seconds(const std::string& rfc3339) {
    return std::max<int64_t>(0, static_cast<int64_t>(std::time(nullptr)) - engine::seconds_since(rfc3339));
}

}  // namespace

Result<bool> container_matches(const Filters& filters, const engine::ContainerRecord& rec, const engine::LiveState& live) {
    // As docker: the values of one key are alternatives, except labels, which all must hold.
    for (const auto& [key, values] : filters) {
        if (values.empty()) continue;
        bool all = key == "label", any = false, every = true;
        for (const auto& v : values) {
            auto m = one(key, v, rec, live);
            if (!m) return m;
            any = any || *m;
            every = every && *m;
        }
        if (all ? !every : !any) return false;
    }
    return true;
}

ojson container_summary(const engine::ContainerRecord& rec, const engine::LiveState& live) {
    std::string command;
    for (const auto& a : rec.process_args()) command += (command.empty() ? "" : " ") + a;
    ojson ports = ojson::array();
    for (const auto& [port, binds] : rec.host.port_bindings) {
        auto slash = port.find('/');
        int priv = std::atoi(port.substr(0, slash).c_str());
        std::string proto = slash == std::string::npos ? "tcp" : port.substr(slash + 1);
        for (const auto& b : binds)
            ports.push_back({{"IP", b.host_ip.empty() ? "0.0.0.0" : b.host_ip}, {"PrivatePort", priv},
                             {"PublicPort", std::atoi(b.host_port.c_str())}, {"Type", proto}});
    }
    ojson mounts = ojson::array();
    for (const auto& m : rec.mounts)
        mounts.push_back({{"Type", m.type}, {"Name", m.name}, {"Source", m.source}, {"Destination", m.destination},
                          {"Driver", m.driver}, {"Mode", m.mode}, {"RW", m.rw}, {"Propagation", m.propagation}});
    ojson labels = ojson::object();
    for (const auto& [k, v] : rec.labels) labels[k] = v;
    return {
        {"Id", rec.id},
        {"Names", {"/" + rec.name}},
        {"Image", rec.image},
        {"ImageID", rec.image_id.empty() || rec.image_id.starts_with("sha256:") ? rec.image_id : "sha256:" + rec.image_id},
        {"Command", command},
        {"Created", unix_seconds(rec.created)},
        {"Ports", ports},
        {"Labels", labels},
        {"State", live.status},
        {"Status", engine::status_text(live)},
        {"HostConfig", {{"NetworkMode", rec.host.network_mode}}},
        {"NetworkSettings", {{"Networks", ojson::object()}}},
        {"Mounts", mounts},
    };
}

}  // namespace brig::api
