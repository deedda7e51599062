// The engine's record of one container: what the user asked for (image, command, flags),
// kept as <root>/containers/<id>/container.json. Written by brig only (create, rename,
// remove); the monitor writes its own state.json beside it (monitor_state.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace brig::engine {

struct RestartPolicy {
    std::string name = "no";  // no | on-failure | always | unless-stopped
    int max_retries = 0;      // on-failure:N (0 = unlimited)
};
// "no", "on-failure", "on-failure:3", "always", "unless-stopped".
Result<RestartPolicy> parse_restart_policy(std::string_view s);

struct LogConfig {
    std::string driver = "json-file";  // json-file | none
    uint64_t max_size = 0;             // bytes; 0 = unlimited
    int max_file = 1;
};

struct Healthcheck {
    std::vector<std::string> test;  // docker form: {"CMD-SHELL", "cmd"} / {"CMD", ...} / {"NONE"}
    int64_t interval_ns = 30'000'000'000;
    int64_t timeout_ns = 30'000'000'000;
    int64_t start_period_ns = 0;
    int retries = 3;
};

struct ContainerRecord {
    std::string id;    // 64 hex digits
    std::string name;  // without the leading "/"
    std::string image;     // as the user typed it (or the rootfs path for --rootfs)
    std::string image_id;  // the image's id, when run from the image store
    std::string rootfs;    // host path of the container's root filesystem
    bool rootfs_managed = false;  // true: made by the image store (released on rm)
    std::string created;   // RFC 3339 nano
    std::vector<std::string> entrypoint;
    std::vector<std::string> cmd;
    std::vector<std::string> env;
    std::string user, workdir, hostname;
    std::map<std::string, std::string> labels;
    std::string stop_signal = "SIGTERM";
    int stop_timeout = 10;
    bool tty = false, open_stdin = false;
    bool auto_remove = false;
    bool init = false;
    bool read_only = false;
    bool privileged = false;
    std::string network_mode = "none";
    std::string cgroup_parent;  // absolute
    std::string runtime;        // OCI runtime binary used for this container
    RestartPolicy restart;
    LogConfig log;
    std::optional<Healthcheck> health;
    nlohmann::json host_config = nlohmann::json::object();  // resource/security flags as docker's HostConfig shows them
    // The container's path and args (entrypoint + cmd), as the runtime runs them.
    std::vector<std::string> process_args() const;
};

nlohmann::json to_json(const ContainerRecord& r);
Result<ContainerRecord> record_from_json(const nlohmann::json& j);

}  // namespace brig::engine
