// The container's runtime spec (config.json) from its record: the image's process settings,
// the user's flags (resources, security, mounts) and brig's defaults (capabilities, seccomp,
// masked paths). build_spec gives the typed model, names resolved; oci::to_string writes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "engine/flag_values.hpp"
#include "engine/record.hpp"
#include "oci/spec.hpp"

namespace brig::engine {

struct SpecInputs {
    std::string hosts, hostname, resolv_conf;  // files bind-mounted over /etc/... ("" = none)
    std::string init_binary;                   // --init: the reaper bound at /dev/init
    std::string machine;                       // uname machine ("x86_64"); "" = this one
    std::string netns;                         // network namespace file to join ("" = a new one)
    std::string root_path;                     // root.path when not rec.rootfs (--userns: the id-mapped bind)
    std::string userns_path;                   // --userns: the user namespace file to join ("" = new, mapped)
};

Result<oci::Spec> build_spec(const ContainerRecord& rec, const SpecInputs& in);

// The memory, CPU and pids limits of `hc` into `res` (build_spec's, and `update`'s on a bundle).
Result<void> set_limits(const HostConfig& hc, oci::Resources& res);

// "uid[:gid]" or "name[:group]" resolved in the rootfs's /etc/passwd and /etc/group.
struct ResolvedUser {
    uint32_t uid = 0, gid = 0;
    std::vector<uint32_t> additional_gids;
};
Result<ResolvedUser> resolve_user(const std::string& rootfs, const std::string& user);

}  // namespace brig::engine
