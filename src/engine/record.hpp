// The engine's record of one container: what the user asked for (image, command, flags) and
// what create resolved from it (mounts, user namespace mappings), kept as
// <root>/containers/<id>/container.json. Written by brig only (create, rename, remove); the
// monitor writes its own state.json beside it (monitor/main.cpp; store.hpp reads it as LiveState).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "engine/host_config.hpp"

namespace brig::engine {

// One mount as the container has it (docker's MountPoint, inspect's "Mounts"): volumes
// resolved to their directories, bind sources made absolute (engine/volumes.hpp).
struct MountPoint {
    std::string type;  // volume | bind | tmpfs
    std::string name, source, destination, driver, mode, propagation;
    bool rw = true;
    bool anonymous = false;            // an anonymous volume of this container (rm -v removes it)
    std::vector<std::string> options;  // tmpfs: size=, mode=
    bool operator==(const MountPoint&) const = default;
};

// The container's settings on its network (docker's EndpointSettings): --ip, --ip6,
// --mac-address, --network-alias.
struct EndpointConfig {
    std::string ipv4_address, ipv6_address, mac_address;
    std::vector<std::string> aliases;
    bool operator==(const EndpointConfig&) const = default;
};

// One range of a user namespace mapping.
struct IdMap {
    uint32_t container = 0, host = 0, size = 0;
    bool operator==(const IdMap&) const = default;
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
    std::vector<std::string> exposed_ports;  // the image's and the request's ("80/tcp"), for -P
    std::optional<Healthcheck> health;
    HostConfig host;                         // what the container asks of the host
    EndpointConfig endpoint;
    std::vector<MountPoint> mounts;          // resolved from host.binds/mounts/volumes_from and the image's VOLUMEs
    std::vector<IdMap> uid_mappings, gid_mappings;  // resolved from host.userns_mode/uid_maps (usermap.hpp)
    // The container's path and args (entrypoint + cmd), as the runtime runs them.
    std::vector<std::string> process_args() const;
};

nlohmann::json to_json(const ContainerRecord& r);
nlohmann::ordered_json to_json(const MountPoint& m);
Result<ContainerRecord> record_from_json(const nlohmann::json& j);

}  // namespace brig::engine
