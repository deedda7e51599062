// docker's HostConfig as a struct: what a container asks of the host (network mode, published
// ports, restart policy, logging, resources, security, mounts, user namespace). One to_json /
// host_config_from_json in docker's field names: the record stores it, `inspect` shows it and
// the Docker API reads it, so all three agree. brig's own fields (UidMaps, GidMaps) are marked.
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
    bool operator==(const RestartPolicy&) const = default;
};
// "no", "on-failure", "on-failure:3", "always", "unless-stopped".
Result<RestartPolicy> parse_restart_policy(std::string_view s);

struct LogConfig {
    std::string driver = "json-file";  // json-file | none
    uint64_t max_size = 0;             // bytes; 0 = unlimited
    int max_file = 1;
    bool operator==(const LogConfig&) const = default;
};

// One host side of a published port ("HostIp", "HostPort"; "" = any address / a free port).
struct PortBinding {
    std::string host_ip, host_port;
    bool operator==(const PortBinding&) const = default;
};
// docker's PortMap: "80/tcp" -> its host bindings.
using PortMap = std::map<std::string, std::vector<PortBinding>>;

struct DeviceMapping {
    std::string path_on_host, path_in_container, cgroup_permissions = "rwm";
    bool operator==(const DeviceMapping&) const = default;
};

struct Ulimit {
    std::string name;  // nofile, nproc, ...
    int64_t soft = 0, hard = 0;
    bool operator==(const Ulimit&) const = default;
};

// docker's Mount (--mount, HostConfig.Mounts), before volumes are resolved.
struct Mount {
    std::string type;    // volume | bind | tmpfs
    std::string source;  // volume name ("" = anonymous), host path, or "" for tmpfs
    std::string target;  // absolute path in the container
    bool read_only = false;
    bool no_copy = false;                 // volume: no copy of the image's content
    std::string propagation;              // bind: rprivate (default), rshared, ...
    std::vector<std::string> tmpfs_opts;  // tmpfs: size=BYTES, mode=OCTAL
    bool operator==(const Mount&) const = default;
};

struct HostConfig {
    std::vector<std::string> binds;         // Binds: the -v values as given
    std::vector<Mount> mounts;              // Mounts: --mount
    std::vector<std::string> volumes_from;  // VolumesFrom: CONTAINER[:ro|:rw]
    std::map<std::string, std::string> tmpfs;  // Tmpfs: path -> options

    std::string network_mode = "bridge";  // NetworkMode: bridge | NAME | none | host | container:ID | ns:PATH
    PortMap port_bindings;                // PortBindings
    bool publish_all_ports = false;       // PublishAllPorts
    std::vector<std::string> dns, dns_search, dns_options, extra_hosts;  // Dns, DnsSearch, DnsOptions, ExtraHosts

    RestartPolicy restart;  // RestartPolicy
    bool auto_remove = false;  // AutoRemove
    LogConfig log;             // LogConfig
    std::string runtime;       // Runtime: the OCI runtime binary
    bool init = false;         // Init
    bool privileged = false;   // Privileged
    bool read_only = false;    // ReadonlyRootfs
    std::vector<std::string> cap_add, cap_drop, security_opt;  // CapAdd, CapDrop, SecurityOpt
    std::string userns_mode;                       // UsernsMode: "" | host | auto[:size=N]
    std::vector<std::string> uid_maps, gid_maps;   // brig (podman's --uidmap/--gidmap): C:H:N
    int oom_score_adj = 0;                         // OomScoreAdj
    int64_t shm_size = 64 << 20;                   // ShmSize

    // Resources.
    std::string cgroup_parent;  // CgroupParent (absolute)
    int64_t memory = 0, memory_swap = 0, nano_cpus = 0, cpu_shares = 0, pids_limit = 0;
    std::string cpuset_cpus;
    std::vector<DeviceMapping> devices;
    std::vector<Ulimit> ulimits;

    bool operator==(const HostConfig&) const = default;
};

// docker's HostConfig object, every field present (zero values as docker shows them).
nlohmann::ordered_json to_json(const HostConfig& hc);
// docker's HostConfig (API requests, stored records). Absent fields keep their defaults,
// unknown ones are ignored; a field of the wrong type is an error that names it.
Result<HostConfig> host_config_from_json(const nlohmann::json& j);

nlohmann::ordered_json to_json(const Mount& m);
Result<Mount> mount_from_json(const nlohmann::json& j);

}  // namespace brig::engine
