// Registry host names as login/logout and auth files spell them, and which registries count
// as local (reached over plain http when they do not speak TLS, as docker does for localhost).
#pragma once

#include "common/error.hpp"

#include <string>
#include <string_view>

namespace brig::registry {

// "https://index.docker.io/v1/" -> "docker.io", "localhost:5000/" -> "localhost:5000".
// Rejects what is not host[:port].
Result<std::string> normalize_registry(std::string_view text);

// localhost, *.localhost, 127.0.0.0/8, [::1] (any port).
bool is_local_registry(std::string_view registry);

}  // namespace brig::registry
