#include "oci/spec_error.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace brig::oci::detail {

void bad(std::string_view path, std::string_view what) {
    if (path.empty()) throw SpecError{std::string(what)};
    throw SpecError{fmt::format("{}: {}", path, what)};
}

std::string quote(std::string_view s) {
    using nlohmann::json;
    return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string field_path(std::string_view base, std::string_view key) {
    return base.empty() ? std::string(key) : fmt::format("{}.{}", base, key);
}

std::string index_path(std::string_view base, std::size_t i) { return fmt::format("{}[{}]", base, i); }

std::string key_path(std::string_view base, std::string_view key) { return fmt::format("{}[{}]", base, quote(key)); }

}  // namespace brig::oci::detail
