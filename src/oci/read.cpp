// JSON -> model, the first step of parsing. Only types and ranges are checked here:
// absent fields keep their defaults and `null` counts as absent (as in Go's
// encoding/json, which produced the configs runc accepts). Unknown fields are ignored,
// as the runtime-spec requires. Which member fills which field is in fields.hpp.
#include <concepts>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oci/fields.hpp"
#include "oci/parse_steps.hpp"
#include "oci/spec_error.hpp"

namespace brig::oci::detail {

namespace {

using nlohmann::json;

json parse_json(std::string_view text) {
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        // nlohmann: "[json.exception.parse_error.101] parse error at line 3, column 5: ...".
        std::string_view msg = e.what();
        if (msg.starts_with('[')) {
            if (auto end = msg.find("] "); end != msg.npos) msg.remove_prefix(end + 2);
        }
        if (msg.starts_with("parse error")) msg.remove_prefix(std::string_view("parse error").size());
        // Now " at line 3, column 5: <what>" or ": <what>".
        bad("", fmt::format("invalid JSON{}{}", msg.starts_with(' ') || msg.starts_with(':') ? "" : ": ", msg));
    }
}

// Member `key` of an object, or nullptr when absent or null.
const json* member(const json& obj, std::string_view key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
}

void expect_object(const json& j, std::string_view path) {
    if (!j.is_object()) bad(path, "must be an object");
}

// ---- scalars ----
void read(const json& j, std::string_view path, std::string& out) {
    if (!j.is_string()) bad(path, "must be a string");
    out = j.get_ref<const std::string&>();
}

void read(const json& j, std::string_view path, bool& out) {
    if (!j.is_boolean()) bad(path, "must be a boolean");
    out = j.get<bool>();
}

template <std::integral T>
void read(const json& j, std::string_view path, T& out) {
    constexpr auto lo = std::numeric_limits<T>::min();
    constexpr auto hi = std::numeric_limits<T>::max();
    if (j.is_number_unsigned()) {  // nlohmann stores every non-negative integer as unsigned
        auto v = j.get<uint64_t>();
        if (std::cmp_greater(v, hi)) bad(path, fmt::format("must be at most {}", hi));
        out = static_cast<T>(v);
    } else if (j.is_number_integer()) {
        auto v = j.get<int64_t>();
        if constexpr (std::is_unsigned_v<T>) {
            bad(path, "must be a non-negative integer");
        } else {
            if (std::cmp_less(v, lo)) bad(path, fmt::format("must be at least {}", lo));
            out = static_cast<T>(v);
        }
    } else {
        bad(path, std::is_unsigned_v<T> ? "must be a non-negative integer" : "must be an integer");
    }
}

// ---- the rest, declared first so that each can read the others ----
template <class T>
void read(const json& j, std::string_view path, std::optional<T>& out);
template <class T>
void read(const json& j, std::string_view path, std::vector<T>& out);
template <class T>
void read(const json& j, std::string_view path, std::map<std::string, T>& out);
template <fields::Described T>
void read(const json& j, std::string_view path, T& out);
void read(const json& j, std::string_view path, IntelRdt& out);

// Reads obj[key] into out when present; leaves out untouched otherwise.
template <class T>
void field(const json& obj, std::string_view path, std::string_view key, T& out) {
    if (const json* v = member(obj, key)) read(*v, field_path(path, key), out);
}

// Every field of a model struct that fields.hpp lists.
template <fields::Described T>
void read_fields(const json& j, std::string_view path, T& out) {
    expect_object(j, path);
    std::apply([&](const auto&... f) { (field(j, path, f.name, out.*f.member), ...); }, of(fields::Of<T>{}));
}

template <fields::Described T>
void read(const json& j, std::string_view path, T& out) {
    read_fields(j, path, out);
}

template <class T>
void read(const json& j, std::string_view path, std::optional<T>& out) {
    T value{};
    read(j, path, value);
    out = std::move(value);
}

template <class T>
void read(const json& j, std::string_view path, std::vector<T>& out) {
    if (!j.is_array()) bad(path, "must be an array");
    out.clear();
    out.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) {
        T value{};
        read(j[i], index_path(path, i), value);
        out.push_back(std::move(value));
    }
}

template <class T>
void read(const json& j, std::string_view path, std::map<std::string, T>& out) {
    expect_object(j, path);
    out.clear();
    for (const auto& [key, value] : j.items()) {
        T parsed{};
        read(value, key_path(path, key), parsed);
        out.emplace(key, std::move(parsed));
    }
}

// 1.3.0 made `schemata` an array of lines; drafts had one newline-separated string,
// which configs in the wild still use. Accept both.
void read(const json& j, std::string_view path, IntelRdt& out) {
    const json* schemata = j.is_object() ? member(j, "schemata") : nullptr;
    if (!schemata || !schemata->is_string()) return read_fields(j, path, out);
    json lines = json::array();
    std::string_view text = schemata->get_ref<const std::string&>();
    while (!text.empty()) {
        auto nl = text.find('\n');
        if (auto line = text.substr(0, nl); !line.empty()) lines.push_back(line);
        text.remove_prefix(nl == text.npos ? text.size() : nl + 1);
    }
    json as_array = j;
    as_array["schemata"] = std::move(lines);
    read_fields(as_array, path, out);
}

}  // namespace

Spec read_spec(std::string_view json_text) {
    json j = parse_json(json_text);
    if (!j.is_object()) bad("", "the configuration must be a JSON object");
    Spec spec;
    read_fields(j, "", spec);
    if (!spec.linux) spec.linux.emplace();
    return spec;
}

Process read_process(std::string_view json_text) {
    json j = parse_json(json_text);
    if (!j.is_object()) bad("", "the process must be a JSON object");
    Process p;
    read_fields(j, "", p);
    return p;
}

Seccomp read_seccomp(std::string_view json_text) {
    Seccomp s;
    read_fields(parse_json(json_text), "linux.seccomp", s);
    return s;
}

}  // namespace brig::oci::detail
