// WWW-Authenticate challenges (RFC 7235) as registries send them:
//   Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"
//   Basic realm="registry"
// Several challenges may share one header, separated by commas.
#pragma once

#include "common/error.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace brig::registry {

struct AuthChallenge {
    std::string scheme;                         // lowercase: "bearer", "basic"
    std::map<std::string, std::string> params;  // keys lowercase, values unquoted

    std::string param(const std::string& key) const {
        auto it = params.find(key);
        return it == params.end() ? std::string() : it->second;
    }
};

Result<std::vector<AuthChallenge>> parse_www_authenticate(std::string_view header);

// The URL to ask a bearer token at: realm?service=...&scope=...&scope=... (values URL-encoded).
Result<std::string> token_url(const AuthChallenge& bearer, const std::vector<std::string>& scopes);

// Percent-encoding of a query value (RFC 3986 unreserved characters stay as they are).
std::string url_encode(std::string_view s);

// Base64 (RFC 4648, with padding), for basic credentials and the "auth" field of auth files.
std::string base64_encode(std::string_view data);
Result<std::string> base64_decode(std::string_view text);

}  // namespace brig::registry
