// The checks the validator's files share (validate_rules.hpp).
#include "oci/validate_rules.hpp"

#include <string>

#include <fmt/format.h>

#include "oci/spec_error.hpp"

namespace brig::oci::detail {

namespace {

bool is_absolute(std::string_view p) { return p.starts_with('/'); }

void check_mapping(const IdMapping& m, std::string_view path) {
    constexpr uint64_t kIdSpace = uint64_t{1} << 32;
    if (m.size == 0) bad(field_path(path, "size"), "must be greater than zero");
    // The kernel rejects ranges that reach 2^32 (the last id, (uid_t)-1, is invalid).
    if (uint64_t{m.containerID} + m.size >= kIdSpace) bad(path, "containerID + size exceeds the 32-bit id range");
    if (uint64_t{m.hostID} + m.size >= kIdSpace) bad(path, "hostID + size exceeds the 32-bit id range");
}

}  // namespace

void check_absolute(std::string_view path, std::string_view value) {
    if (value.empty()) bad(path, "is required");
    if (!is_absolute(value)) bad(path, fmt::format("must be an absolute path (got {})", quote(value)));
}

void check_in_root(std::string_view path, std::string_view value) {
    check_absolute(path, value);
    for (size_t i = 0; i <= value.size();) {
        size_t j = value.find('/', i);
        if (j == std::string_view::npos) j = value.size();
        if (value.substr(i, j - i) == "..")
            bad(path, fmt::format("must not contain \"..\" components (got {})", quote(value)));
        i = j + 1;
    }
}

bool is_id_list(std::string_view s) {
    if (s.empty()) return false;
    auto number = [](std::string_view n, unsigned long& out) {
        if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != n.npos) return false;
        out = std::stoul(std::string(n));
        return true;
    };
    while (true) {
        auto comma = s.find(',');
        auto item = s.substr(0, comma);
        auto dash = item.find('-');
        unsigned long lo = 0, hi = 0;
        if (!number(item.substr(0, dash), lo)) return false;
        if (dash != item.npos && (!number(item.substr(dash + 1), hi) || hi < lo)) return false;
        if (comma == s.npos) return true;
        s.remove_prefix(comma + 1);
    }
}

bool is_valid_ifname(std::string_view name) {
    if (name.empty() || name.size() >= 16 || name == "." || name == "..") return false;
    for (char c : name)
        if (c == '/' || c == ':' || c == '\0' || c == ' ' || (c >= '\t' && c <= '\r')) return false;
    return true;
}

void check_mappings(const std::vector<IdMapping>& ms, std::string_view path) {
    for (std::size_t i = 0; i < ms.size(); ++i) check_mapping(ms[i], index_path(path, i));
}

}  // namespace brig::oci::detail
