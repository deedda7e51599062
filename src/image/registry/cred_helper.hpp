// Docker credential helpers: `docker-credential-<name>` programs that keep registry passwords
// out of config files (credsStore, credHelpers in ~/.docker/config.json). The protocol:
//   get    stdin: the server URL             stdout: {"ServerURL","Username","Secret"}
//   store  stdin: {"ServerURL","Username","Secret"}
//   erase  stdin: the server URL
// A failing helper prints its reason on stdout; "credentials not found" means no entry.
#pragma once

#include "common/error.hpp"
#include "image/registry/auth_file.hpp"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace brig::registry {

// The helper an auth file names for `registry`: credHelpers[registry], else credsStore, else "".
std::string credential_helper_for(const nlohmann::json& file, std::string_view registry);

// The server URL a helper is asked about (docker's spelling for Docker Hub).
std::string helper_server_url(std::string_view registry);

// Runs the helper; nullopt when it has no credentials for the registry.
Result<std::optional<Credentials>> helper_get(std::string_view helper, std::string_view registry);
Result<void> helper_store(std::string_view helper, std::string_view registry, const Credentials& creds);
// false when the helper had no credentials for the registry.
Result<bool> helper_erase(std::string_view helper, std::string_view registry);

}  // namespace brig::registry
