#include "image/registry/endpoint.hpp"

#include <algorithm>
#include <cctype>

namespace brig::registry {

namespace {

// host[:port], host a DNS name, an IPv4 address or a bracketed IPv6 address.
bool valid_domain(std::string_view d) {
    if (d.empty()) return false;
    std::string_view host = d;
    std::string_view port;
    if (d.front() == '[') {
        size_t close = d.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        std::string_view inner = d.substr(1, close - 1);
        if (!std::all_of(inner.begin(), inner.end(),
                         [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; })) {
            return false;
        }
        std::string_view rest = d.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return false;
            port = rest.substr(1);
            if (port.empty()) return false;
        }
        host = {};
    } else if (size_t colon = d.find(':'); colon != std::string_view::npos) {
        host = d.substr(0, colon);
        port = d.substr(colon + 1);
        if (port.empty()) return false;
    }
    if (!port.empty() && (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
                              return c >= '0' && c <= '9';
                          }))) {
        return false;
    }
    if (d.front() == '[') return true;
    if (host.empty()) return false;
    // Labels of letters, digits and inner hyphens, separated by dots.
    size_t start = 0;
    while (start <= host.size()) {
        size_t dot = host.find('.', start);
        std::string_view label = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
        if (label.empty() || label.front() == '-' || label.back() == '-') return false;
        for (char c : label) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
        }
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return true;
}

}  // namespace

Result<std::string> normalize_registry(std::string_view text) {
    std::string_view s = text;
    if (s.starts_with("https://")) {
        s.remove_prefix(8);
    } else if (s.starts_with("http://")) {
        s.remove_prefix(7);
    }
    // Keys such as "https://index.docker.io/v1/" carry an API path: only the host counts.
    if (size_t slash = s.find('/'); slash != std::string_view::npos) s = s.substr(0, slash);
    if (s.empty()) return fail("invalid registry \"{}\": empty", text);
    if (!valid_domain(s)) return fail("invalid registry \"{}\"", text);
    std::string host(s);
    if (host == "index.docker.io" || host == "registry-1.docker.io" || host == "registry.hub.docker.com") {
        host = std::string("docker.io");
    }
    return host;
}

bool is_local_registry(std::string_view registry) {
    std::string_view host = registry;
    if (!host.empty() && host.front() == '[') {
        size_t close = host.find(']');
        host = host.substr(1, close == std::string_view::npos ? host.npos : close - 1);
        return host == "::1";
    }
    if (size_t colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
    return host == "localhost" || host.starts_with("127.") || host.ends_with(".localhost");
}

}  // namespace brig::registry
