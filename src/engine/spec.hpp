// The container's runtime spec (config.json) from its record: the image's process settings,
// the user's flags (resources, security, mounts) and brig's defaults (capabilities, seccomp,
// masked paths). Also the parsers for the flag values (sizes, cpus, ulimits, devices, tmpfs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "engine/record.hpp"

namespace brig::engine {

struct SpecInputs {
    std::string hosts, hostname, resolv_conf;  // files bind-mounted over /etc/... ("" = none)
    std::string init_binary;                   // --init: the reaper bound at /dev/init
    std::string machine;                       // uname machine ("x86_64"); "" = this one
    std::string netns;                         // network namespace file to join ("" = a new one)
    std::string root_path;                     // root.path when not rec.rootfs (--userns: the id-mapped bind)
    std::string userns_path;                   // --userns: the user namespace file to join ("" = new, mapped)
};

Result<nlohmann::ordered_json> build_spec(const ContainerRecord& rec, const SpecInputs& in);

// "512m", "1g", "1024", "2kb" -> bytes (docker's RAMInBytes: binary units).
Result<int64_t> parse_size(std::string_view s);
// "1.5" -> nano cpus.
Result<int64_t> parse_cpus(std::string_view s);
// "nofile=1024:2048" / "nproc=512" -> {"Name":"nofile","Soft":..,"Hard":..}.
Result<nlohmann::json> parse_ulimit(std::string_view s);
// "/dev/fuse", "/dev/sda:/dev/xvda:rwm" -> {"PathOnHost","PathInContainer","CgroupPermissions"}.
Result<nlohmann::json> parse_device(std::string_view s);
// "/run:rw,size=64m" -> {"/run", "rw,size=64m"}.
std::pair<std::string, std::string> parse_tmpfs(std::string_view s);
// "10s", "1m30s", "500ms", "2h" -> nanoseconds.
Result<int64_t> parse_duration(std::string_view s);

// "uid[:gid]" or "name[:group]" resolved in the rootfs's /etc/passwd and /etc/group.
struct ResolvedUser {
    uint32_t uid = 0, gid = 0;
    std::vector<uint32_t> additional_gids;
};
Result<ResolvedUser> resolve_user(const std::string& rootfs, const std::string& user);

}  // namespace brig::engine
