// The default security profiles, kept as data in src/engine/profiles/ and embedded at build
// time: the seccomp allow-list and the capability set, equal in effect to docker's and podman's.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "oci/spec.hpp"

namespace brig::engine {

std::string_view default_seccomp_profile_text();
std::vector<std::string> default_capabilities();
// Every capability the kernel knows (for --privileged and --cap-add ALL).
std::vector<std::string> all_capabilities();
// The capabilities brig itself holds (its bounding set): what --privileged and --cap-add ALL
// grant, since a runtime cannot give more than it has.
std::vector<std::string> grantable_capabilities();
// "net_admin", "CAP_NET_ADMIN", "ALL" -> "CAP_NET_ADMIN" / "ALL"; error for unknown names.
Result<std::string> normalize_capability(std::string_view name);

// A profile (brig's format: rules with optional caps / unless_caps / arches) turned into the
// runtime spec's linux.seccomp for a container with capabilities `caps` on `machine`
// ("x86_64", "aarch64", ... as uname reports it).
// Validated as brig-oci will (oci::validate_seccomp).
Result<oci::Seccomp> seccomp_for(const nlohmann::json& profile, const std::set<std::string>& caps, std::string_view machine);

}  // namespace brig::engine
