// Registry credentials in the files docker and podman keep them in:
//   {"auths": {"registry.example:5000": {"auth": base64("user:password")}, ...}}
// read from $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json (or /run/containers/<uid>/auth.json)
// and ~/.docker/config.json, in that order; `brig login` writes the first of those. A file that
// names a credential helper for a registry (credHelpers, or credsStore for all) has its
// credentials read, stored and erased through docker-credential-<name> (cred_helper.hpp).
#pragma once

#include "common/error.hpp"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brig::registry {

struct Credentials {
    std::string username;
    std::string password;
    std::string identity_token;  // an OAuth2 refresh token some registries hand out instead of a password
};

// Files to read credentials from, most specific first (missing ones are skipped).
std::vector<std::filesystem::path> auth_file_search_path();
// The file `brig login` writes and `brig logout` edits when no --authfile is given.
std::filesystem::path default_auth_file();

// Looks up the entry for `registry` (and optionally a repository-scoped entry such as
// "registry/ns/repo", the most specific winning) in a parsed auth file.
Result<std::optional<Credentials>> lookup_credentials(const nlohmann::json& file, std::string_view registry,
                                                      std::string_view repository = {});
// The same across the search path (or only `auth_file` when not empty).
Result<std::optional<Credentials>> find_credentials(std::string_view registry, std::string_view repository = {},
                                                    const std::filesystem::path& auth_file = {});

// Adds or replaces the entry for `registry`, keeping everything else in the file. Written
// atomically (temp file, fsync, rename), mode 0600, parent directory 0700 when created.
Result<void> save_credentials(const std::filesystem::path& file, std::string_view registry,
                              const Credentials& creds);
// Removes the entry for `registry`; false when there was none.
Result<bool> remove_credentials(const std::filesystem::path& file, std::string_view registry);

}  // namespace brig::registry
