#include "engine/record.hpp"

#include <charconv>

namespace brig::engine {

using nlohmann::json;

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
        auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), p.max_retries);
        if (ec != std::errc() || ptr != count.data() + count.size() || p.max_retries < 0)
            return fail("invalid restart policy {:?}: the count must be a number >= 0", s);
    }
    return p;
}

std::vector<std::string> ContainerRecord::process_args() const {
    std::vector<std::string> args = entrypoint;
    args.insert(args.end(), cmd.begin(), cmd.end());
    return args;
}

json to_json(const ContainerRecord& r) {
    json j = {
        {"id", r.id}, {"name", r.name}, {"image", r.image}, {"image_id", r.image_id}, {"rootfs", r.rootfs},
        {"rootfs_managed", r.rootfs_managed}, {"created", r.created}, {"entrypoint", r.entrypoint},
        {"cmd", r.cmd}, {"env", r.env}, {"user", r.user}, {"workdir", r.workdir}, {"hostname", r.hostname},
        {"labels", r.labels}, {"stop_signal", r.stop_signal}, {"stop_timeout", r.stop_timeout}, {"tty", r.tty},
        {"open_stdin", r.open_stdin}, {"auto_remove", r.auto_remove}, {"init", r.init},
        {"read_only", r.read_only}, {"privileged", r.privileged}, {"network_mode", r.network_mode},
        {"cgroup_parent", r.cgroup_parent}, {"runtime", r.runtime},
        {"restart", {{"name", r.restart.name}, {"max_retries", r.restart.max_retries}}},
        {"log", {{"driver", r.log.driver}, {"max_size", r.log.max_size}, {"max_file", r.log.max_file}}},
        {"host_config", r.host_config},
    };
    if (r.health) {
        j["health"] = {{"test", r.health->test}, {"interval", r.health->interval_ns},
                       {"timeout", r.health->timeout_ns}, {"start_period", r.health->start_period_ns},
                       {"retries", r.health->retries}};
    }
    return j;
}

Result<ContainerRecord> record_from_json(const json& j) {
    try {
        ContainerRecord r;
        r.id = j.at("id").get<std::string>();
        r.name = j.at("name").get<std::string>();
        r.image = j.value("image", "");
        r.image_id = j.value("image_id", "");
        r.rootfs = j.value("rootfs", "");
        r.rootfs_managed = j.value("rootfs_managed", false);
        r.created = j.value("created", "");
        r.entrypoint = j.value("entrypoint", std::vector<std::string>{});
        r.cmd = j.value("cmd", std::vector<std::string>{});
        r.env = j.value("env", std::vector<std::string>{});
        r.user = j.value("user", "");
        r.workdir = j.value("workdir", "");
        r.hostname = j.value("hostname", "");
        r.labels = j.value("labels", std::map<std::string, std::string>{});
        r.stop_signal = j.value("stop_signal", "SIGTERM");
        r.stop_timeout = j.value("stop_timeout", 10);
        r.tty = j.value("tty", false);
        r.open_stdin = j.value("open_stdin", false);
        r.auto_remove = j.value("auto_remove", false);
        r.init = j.value("init", false);
        r.read_only = j.value("read_only", false);
        r.privileged = j.value("privileged", false);
        r.network_mode = j.value("network_mode", "none");
        r.cgroup_parent = j.value("cgroup_parent", "");
        r.runtime = j.value("runtime", "");
        if (j.contains("restart")) {
            r.restart.name = j["restart"].value("name", "no");
            r.restart.max_retries = j["restart"].value("max_retries", 0);
        }
        if (j.contains("log")) {
            r.log.driver = j["log"].value("driver", "json-file");
            r.log.max_size = j["log"].value("max_size", uint64_t{0});
            r.log.max_file = j["log"].value("max_file", 1);
        }
        r.host_config = j.value("host_config", json::object());
        if (j.contains("health")) {
            Healthcheck h;
            const auto& hj = j["health"];
            h.test = hj.value("test", std::vector<std::string>{});
            h.interval_ns = hj.value("interval", h.interval_ns);
            h.timeout_ns = hj.value("timeout", h.timeout_ns);
            h.start_period_ns = hj.value("start_period", h.start_period_ns);
            h.retries = hj.value("retries", h.retries);
            r.health = h;
        }
        return r;
    } catch (const json::exception& e) {
        return fail("container record: {}", e.what());
    }
}

}  // namespace brig::engine
