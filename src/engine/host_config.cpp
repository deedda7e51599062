#include "engine/host_config.hpp"

#include "common/strings.hpp"
#include "engine/json_fields.hpp"
#include "engine/flag_values.hpp"

namespace brig::engine {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

Result<RestartPolicy> parse_restart_policy(std::string_view s) {
    RestartPolicy p;
    std::string_view name = s, count;
    if (auto colon = s.find(':'); colon != std::string_view::npos) {
        name = s.substr(0, colon);
        count = s.substr(colon + 1);
    }
    if (name == "no" || name == "always" || name == "unless-stopped" || name == "on-failure") {
        p.name = std::string(name);
    } else {
        return fail("invalid restart policy {:?}: use no, on-failure[:N], always or unless-stopped", s);
    }
    if (!count.empty()) {
        if (p.name != "on-failure") return fail("invalid restart policy {:?}: only on-failure takes a count", s);
        auto n = parse_number<int>(count);
        if (!n || *n < 0) return fail("invalid restart policy {:?}: the count must be a number >= 0", s);
        p.max_retries = *n;
    }
    return p;
}

ojson to_json(const Mount& m) {
    ojson j = {{"Type", m.type}, {"Source", m.source}, {"Target", m.target}, {"ReadOnly", m.read_only}};
    if (m.type == "bind" && !m.propagation.empty()) j["BindOptions"] = {{"Propagation", m.propagation}};
    if (m.type == "volume" && m.no_copy) j["VolumeOptions"] = {{"NoCopy", true}};
    if (m.type == "tmpfs" && !m.tmpfs_opts.empty()) {
        ojson t = ojson::object();
        for (const auto& o : m.tmpfs_opts) {
            if (o.starts_with("size=")) t["SizeBytes"] = parse_size(o.substr(5)).value_or(0);
            else if (o.starts_with("mode=")) t["Mode"] = std::stoul(o.substr(5), nullptr, 8);
        }
        j["TmpfsOptions"] = t;
    }
    return j;
}

Result<Mount> mount_from_json(const json& j) {
    Mount m;
    JsonFields f(j, "Mounts");
    f.read("Type", m.type);
    f.read("Source", m.source);
    f.read("Target", m.target);
    f.read("ReadOnly", m.read_only);
    if (auto b = f.object("BindOptions")) JsonFields(*b, "Mounts.BindOptions", &f).read("Propagation", m.propagation);
    if (auto v = f.object("VolumeOptions")) JsonFields(*v, "Mounts.VolumeOptions", &f).read("NoCopy", m.no_copy);
    if (auto t = f.object("TmpfsOptions")) {
        int64_t size = 0;
        uint32_t mode = 0;
        JsonFields tf(*t, "Mounts.TmpfsOptions", &f);
        tf.read("SizeBytes", size);
        tf.read("Mode", mode);
        if (size > 0) m.tmpfs_opts.push_back(fmt::format("size={}", size));
        if (mode != 0) m.tmpfs_opts.push_back(fmt::format("mode={:o}", mode));
    }
    if (auto r = f.result(); !r) return std::unexpected(r.error());
    if (m.type != "volume" && m.type != "bind" && m.type != "tmpfs")
        return fail("Mounts: invalid mount type {:?}: use volume, bind or tmpfs", m.type);
    if (m.target.empty() || m.target[0] != '/') return fail("Mounts: the target {:?} must be an absolute path", m.target);
    return m;
}

ojson to_json(const HostConfig& hc) {
    ojson ports = ojson::object();
    for (const auto& [port, bindings] : hc.port_bindings) {
        ojson b = ojson::array();
        for (const auto& pb : bindings) b.push_back({{"HostIp", pb.host_ip}, {"HostPort", pb.host_port}});
        ports[port] = b;
    }
    ojson log_cfg = ojson::object();
    if (hc.log.max_size) log_cfg["max-size"] = std::to_string(hc.log.max_size);
    if (hc.log.max_file > 1) log_cfg["max-file"] = std::to_string(hc.log.max_file);
    ojson mounts = ojson::array();
    for (const auto& m : hc.mounts) mounts.push_back(to_json(m));
    ojson devices = ojson::array();
    for (const auto& d : hc.devices)
        devices.push_back({{"PathOnHost", d.path_on_host}, {"PathInContainer", d.path_in_container},
                           {"CgroupPermissions", d.cgroup_permissions}});
    ojson ulimits = ojson::array();
    for (const auto& u : hc.ulimits) ulimits.push_back({{"Name", u.name}, {"Soft", u.soft}, {"Hard", u.hard}});
    auto list = [](const std::vector<std::string>& v) { return v.empty() ? ojson(nullptr) : ojson(v); };
    return {
        {"Binds", list(hc.binds)},
        {"NetworkMode", hc.network_mode},
        {"PortBindings", ports},
        {"RestartPolicy", {{"Name", hc.restart.name}, {"MaximumRetryCount", hc.restart.max_retries}}},
        {"AutoRemove", hc.auto_remove},
        {"LogConfig", {{"Type", hc.log.driver}, {"Config", log_cfg}}},
        {"VolumesFrom", list(hc.volumes_from)},
        {"Mounts", mounts},
        {"Tmpfs", hc.tmpfs},
        {"CapAdd", list(hc.cap_add)},
        {"CapDrop", list(hc.cap_drop)},
        {"Dns", hc.dns},
        {"DnsOptions", hc.dns_options},
        {"DnsSearch", hc.dns_search},
        {"ExtraHosts", list(hc.extra_hosts)},
        {"OomScoreAdj", hc.oom_score_adj},
        {"Privileged", hc.privileged},
        {"PublishAllPorts", hc.publish_all_ports},
        {"ReadonlyRootfs", hc.read_only},
        {"SecurityOpt", list(hc.security_opt)},
        {"UsernsMode", hc.userns_mode},
        {"UidMaps", hc.uid_maps},
        {"GidMaps", hc.gid_maps},
        {"ShmSize", hc.shm_size},
        {"Runtime", hc.runtime},
        {"Init", hc.init},
        {"CgroupParent", hc.cgroup_parent},
        {"Memory", hc.memory},
        {"MemorySwap", hc.memory_swap},
        {"NanoCpus", hc.nano_cpus},
        {"CpuShares", hc.cpu_shares},
        {"CpusetCpus", hc.cpuset_cpus},
        {"PidsLimit", hc.pids_limit},
        {"Devices", devices},
        {"Ulimits", ulimits},
    };
}

Result<HostConfig> host_config_from_json(const json& j) {
    HostConfig hc;
    if (j.is_null()) return hc;
    if (!j.is_object()) return fail("HostConfig: expected an object");
    JsonFields f(j, "HostConfig");
    f.read("Binds", hc.binds);
    f.read("NetworkMode", hc.network_mode);
    if (hc.network_mode.empty() || hc.network_mode == "default") hc.network_mode = "bridge";
    if (auto ports = f.object("PortBindings")) {
        for (const auto& [port, bindings] : ports->items()) {
            auto& out = hc.port_bindings[port];
            if (bindings.is_null()) continue;
            if (!bindings.is_array()) return fail("HostConfig.PortBindings.{}: expected an array", port);
            for (const auto& b : bindings) {
                PortBinding pb;
                JsonFields bf(b, "HostConfig.PortBindings." + port, &f);
                bf.read("HostIp", pb.host_ip);
                bf.read("HostPort", pb.host_port);
                out.push_back(pb);
            }
        }
    }
    if (auto rp = f.object("RestartPolicy")) {
        JsonFields rf(*rp, "HostConfig.RestartPolicy", &f);
        rf.read("Name", hc.restart.name);
        rf.read("MaximumRetryCount", hc.restart.max_retries);
        if (hc.restart.name.empty()) hc.restart.name = "no";
    }
    f.read("AutoRemove", hc.auto_remove);
    if (auto lc = f.object("LogConfig")) {
        JsonFields lf(*lc, "HostConfig.LogConfig", &f);
        lf.read("Type", hc.log.driver);
        if (hc.log.driver.empty()) hc.log.driver = "json-file";
        std::map<std::string, std::string> cfg;
        lf.read("Config", cfg);
        if (auto it = cfg.find("max-size"); it != cfg.end()) {
            auto s = parse_size(it->second);
            if (!s || *s <= 0) return fail("HostConfig.LogConfig.Config.max-size: invalid size {:?}", it->second);
            hc.log.max_size = static_cast<uint64_t>(*s);
        }
        if (auto it = cfg.find("max-file"); it != cfg.end()) {
            int n = std::atoi(it->second.c_str());
            if (n < 1) return fail("HostConfig.LogConfig.Config.max-file: {:?} must be a number >= 1", it->second);
            hc.log.max_file = n;
        }
    }
    f.read("VolumesFrom", hc.volumes_from);
    if (auto it = j.find("Mounts"); it != j.end() && !it->is_null()) {
        if (!it->is_array()) return fail("HostConfig.Mounts: expected an array");
        for (const auto& m : *it) {
            auto mm = mount_from_json(m);
            if (!mm) return std::unexpected(std::move(mm.error()).context("HostConfig"));
            hc.mounts.push_back(std::move(*mm));
        }
    }
    f.read("Tmpfs", hc.tmpfs);
    f.read("CapAdd", hc.cap_add);
    f.read("CapDrop", hc.cap_drop);
    f.read("Dns", hc.dns);
    f.read("DnsOptions", hc.dns_options);
    f.read("DnsSearch", hc.dns_search);
    f.read("ExtraHosts", hc.extra_hosts);
    f.read("OomScoreAdj", hc.oom_score_adj);
    f.read("Privileged", hc.privileged);
    f.read("PublishAllPorts", hc.publish_all_ports);
    f.read("ReadonlyRootfs", hc.read_only);
    f.read("SecurityOpt", hc.security_opt);
    f.read("UsernsMode", hc.userns_mode);
    f.read("UidMaps", hc.uid_maps);
    f.read("GidMaps", hc.gid_maps);
    f.read("ShmSize", hc.shm_size);
    if (hc.shm_size <= 0) hc.shm_size = 64 << 20;
    f.read("Runtime", hc.runtime);
    f.read("Init", hc.init);
    f.read("CgroupParent", hc.cgroup_parent);
    f.read("Memory", hc.memory);
    f.read("MemorySwap", hc.memory_swap);
    f.read("NanoCpus", hc.nano_cpus);
    f.read("CpuShares", hc.cpu_shares);
    f.read("CpusetCpus", hc.cpuset_cpus);
    f.read("PidsLimit", hc.pids_limit);
    if (auto it = j.find("Devices"); it != j.end() && !it->is_null()) {
        if (!it->is_array()) return fail("HostConfig.Devices: expected an array");
        for (const auto& d : *it) {
            DeviceMapping dm;
            JsonFields df(d, "HostConfig.Devices", &f);
            df.read("PathOnHost", dm.path_on_host);
            df.read("PathInContainer", dm.path_in_container);
            df.read("CgroupPermissions", dm.cgroup_permissions);
            if (dm.path_in_container.empty()) dm.path_in_container = dm.path_on_host;
            if (dm.cgroup_permissions.empty()) dm.cgroup_permissions = "rwm";
            hc.devices.push_back(std::move(dm));
        }
    }
    if (auto it = j.find("Ulimits"); it != j.end() && !it->is_null()) {
        if (!it->is_array()) return fail("HostConfig.Ulimits: expected an array");
        for (const auto& u : *it) {
            Ulimit ul;
            JsonFields uf(u, "HostConfig.Ulimits", &f);
            uf.read("Name", ul.name);
            uf.read("Soft", ul.soft);
            uf.read("Hard", ul.hard);
            hc.ulimits.push_back(std::move(ul));
        }
    }
    if (auto r = f.result(); !r) return std::unexpected(r.error());
    return hc;
}

}  // namespace brig::engine
