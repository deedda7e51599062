// Image config -> OCI runtime spec (config.json), starting from brig's default spec, as docker
// does it: Entrypoint + Cmd (each overridable), Env (PATH default, image, then -e), WorkingDir,
// User (name or id, resolved in the rootfs's /etc/passwd and /etc/group, plus the user's
// additional groups), terminal, hostname. ExposedPorts / Volumes / StopSignal / Labels are
// returned for the engine (and recorded as annotations).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "image/manifest.hpp"

namespace brig::image {

struct RunOverrides {
    std::optional<std::vector<std::string>> entrypoint;  // --entrypoint ("" -> [] clears it)
    std::vector<std::string> cmd;                        // args after the image; empty = image's Cmd
    std::vector<std::string> env;                        // -e K=V (override the image's K)
    std::optional<std::string> workdir;                  // -w
    std::optional<std::string> user;                     // -u name|uid[:group|gid]
    bool tty = false;                                    // -t
    std::string hostname;                                // "" = leave the default
};

struct ResolvedImageUser {
    uint32_t uid = 0, gid = 0;
    std::vector<uint32_t> additional_gids;
    std::string home;  // from /etc/passwd ("/" when unknown); HOME is set from it when not given
};

// Resolve docker's user syntax inside `rootfs` (paths resolved inside it, symlinks included).
// Numeric ids need no passwd entry; names must exist. Empty = root.
Result<ResolvedImageUser> resolve_image_user(const std::string& rootfs, const std::string& user);

struct ImageRuntimeInfo {
    std::vector<std::string> exposed_ports;  // "80/tcp"
    std::vector<std::string> volumes;        // "/data"
    std::string stop_signal;                 // "" = SIGTERM
    std::map<std::string, std::string> labels;
};
ImageRuntimeInfo runtime_info(const ImageConfig& config);

// The process args docker would run: entrypoint/cmd rules (an --entrypoint drops the image's Cmd).
Result<std::vector<std::string>> process_args(const ImageConfig& config, const RunOverrides& o);

// The full config.json (root.path = rootfs). Annotations carry the runtime info:
// org.opencontainers.image.stopSignal, io.brig.image.exposedPorts, io.brig.image.volumes (JSON).
Result<nlohmann::json> spec_from_image(const ImageConfig& config, const std::string& rootfs, const RunOverrides& o);

}  // namespace brig::image
