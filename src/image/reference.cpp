#include "image/reference.hpp"

#include <algorithm>

namespace brig::image {
namespace {

bool is_alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool valid_path_component(std::string_view c) {
    if (c.empty() || !is_alnum_lower(c.front()) || !is_alnum_lower(c.back())) return false;
    return std::all_of(c.begin(), c.end(), [](char ch) { return is_alnum_lower(ch) || ch == '.' || ch == '_' || ch == '-'; });
}

bool valid_tag(std::string_view t) {
    if (t.empty() || t.size() > 128) return false;
    auto word = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; };
    if (!word(t.front())) return false;
    return std::all_of(t.begin(), t.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

}  // namespace

std::string Reference::str() const {
    std::string s = repository();
    if (!tag.empty()) s += ":" + tag;
    if (digest) s += "@" + digest->str();
    return s;
}

std::string Reference::familiar_repository() const {
    if (domain == "docker.io") {
        if (path.starts_with("library/") && path.find('/', 8) == std::string::npos) return path.substr(8);
        return path;
    }
    return repository();
}

std::string Reference::registry_host() const { return domain == "docker.io" ? "registry-1.docker.io" : domain; }

Result<Reference> parse_reference(std::string_view s) {
    if (s.empty()) return fail("invalid reference format: empty image name");
    Reference r;
    std::string_view rest = s;
    if (auto at = rest.find('@'); at != std::string_view::npos) {
        auto d = Digest::parse(rest.substr(at + 1));
        if (!d) return fail("invalid reference '{}': {}", s, d.error().message);
        r.digest = *d;
        rest = rest.substr(0, at);
    }
    auto slash = rest.rfind('/');
    auto colon = rest.rfind(':');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
        r.tag = std::string(rest.substr(colon + 1));
        rest = rest.substr(0, colon);
        if (!valid_tag(r.tag)) return fail("invalid reference '{}': bad tag '{}'", s, r.tag);
    }
    if (rest.empty()) return fail("invalid reference format: '{}'", s);
    auto first_slash = rest.find('/');
    std::string_view first = rest.substr(0, first_slash);
    if (first_slash != std::string_view::npos &&
        (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos || first == "localhost")) {
        r.domain = std::string(first);
        r.path = std::string(rest.substr(first_slash + 1));
    } else {
        r.domain = "docker.io";
        r.path = std::string(rest);
    }
    if (r.domain == "index.docker.io") r.domain = "docker.io";
    if (r.domain == "docker.io" && r.path.find('/') == std::string::npos) r.path = "library/" + r.path;
    // Validate each path component.
    size_t i = 0;
    while (i <= r.path.size()) {
        size_t j = r.path.find('/', i);
        if (j == std::string::npos) j = r.path.size();
        std::string_view comp(r.path.data() + i, j - i);
        if (!valid_path_component(comp)) {
            bool upper = std::any_of(comp.begin(), comp.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
            return fail("invalid reference format: '{}'{}", s, upper ? ": repository name must be lowercase" : "");
        }
        i = j + 1;
    }
    if (r.tag.empty() && !r.digest) r.tag = "latest";
    return r;
}

bool looks_like_id(std::string_view s) {
    if (s.starts_with("sha256:")) s.remove_prefix(7);
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace brig::image
