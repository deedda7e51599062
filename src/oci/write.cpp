// Model -> JSON. Which member is written under which name, and which are left out when
// empty, is in fields.hpp; this file only knows how each kind of value is written.
#include "oci/write.hpp"

#include <concepts>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "oci/fields.hpp"

namespace brig::oci {

namespace {

using ojson = nlohmann::ordered_json;  // keeps the runtime-spec's member order

// ---- Go's "empty value" (what omitempty leaves out) ----
template <class T>
bool is_empty(const T& v) {
    if constexpr (fields::Described<T>) {
        return false;  // Go never omits a struct, only a nil pointer to one (an absent optional)
    } else if constexpr (std::integral<T>) {
        return v == T{};
    } else if constexpr (requires { v.has_value(); }) {
        return !v.has_value();
    } else {
        return v.empty();  // strings, arrays, maps
    }
}

// ---- values ----
template <class T>
ojson value(const std::optional<T>& v);
template <class T>
ojson value(const std::vector<T>& v);
template <class T>
ojson value(const std::map<std::string, T>& v);
template <fields::Described T>
ojson value(const T& v);

ojson value(const std::string& v) { return v; }

template <std::integral T>  // bool included
ojson value(T v) {
    return v;
}

template <class T>
ojson value(const std::optional<T>& v) {
    return value(*v);
}

template <class T>
ojson value(const std::vector<T>& v) {
    ojson out = ojson::array();
    for (const auto& item : v) out.push_back(value(item));
    return out;
}

template <class T>
ojson value(const std::map<std::string, T>& v) {
    ojson out = ojson::object();
    for (const auto& [key, item] : v) out[key] = value(item);
    return out;
}

template <fields::Described T>
ojson value(const T& v) {
    ojson out = ojson::object();
    auto put = [&](const auto& f) {
        const auto& member = v.*f.member;
        constexpr bool optional = requires { member.has_value(); };
        if (is_empty(member) && (f.omitempty || optional)) return;  // an absent optional is never written
        out[std::string(f.name)] = value(member);
    };
    std::apply([&](const auto&... f) { (put(f), ...); }, of(fields::Of<T>{}));
    return out;
}

}  // namespace

ojson to_json(const Spec& spec) { return value(spec); }

ojson to_json(const Process& process) { return value(process); }

std::string to_string(const Spec& spec) { return to_json(spec).dump(1, '\t'); }

}  // namespace brig::oci
