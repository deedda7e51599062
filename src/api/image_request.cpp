#include "api/image_request.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "image/registry/challenge.hpp"

namespace brig::api {

Result<std::optional<registry::Credentials>> registry_auth(std::string_view header) {
    if (header.empty()) return std::nullopt;
    std::string b64(header);
    std::ranges::replace(b64, '-', '+');
    std::ranges::replace(b64, '_', '/');
    while (b64.size() % 4) b64 += '=';
    auto text = registry::base64_decode(b64);
    if (!text) return fail("X-Registry-Auth: not base64");
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object()) return fail("X-Registry-Auth: not a JSON object");
    registry::Credentials c;
    c.username = j.value("username", "");
    c.password = j.value("password", "");
    c.identity_token = j.value("identitytoken", "");
    if (c.username.empty() && c.identity_token.empty()) return std::nullopt;
    return c;
}

Result<image::Reference> tagged_reference(const std::string& name, const std::string& tag) {
    if (name.empty()) return fail("an image name is required");
    if (tag.empty()) return image::parse_reference(name);
    return image::parse_reference(name + (tag.starts_with("sha256:") ? "@" : ":") + tag);
}

std::string registry_of_server_address(std::string address) {
    if (auto p = address.find("://"); p != std::string::npos) address.erase(0, p + 3);
    if (auto p = address.find('/'); p != std::string::npos) address.erase(p);
    if (address.empty() || address == "index.docker.io" || address == "registry-1.docker.io") return "docker.io";
    return address;
}

Result<bool> prune_all_images(const Filters& filters) {
    bool all = false;
    for (const auto& [key, values] : filters) {
        if (key != "dangling") return fail("invalid filter '{}'", key);
        for (const auto& v : values) {
            if (v == "false" || v == "0") all = true;
            else if (v != "true" && v != "1") return fail("invalid filter 'dangling={}'", v);
        }
    }
    return all;
}

}  // namespace brig::api
