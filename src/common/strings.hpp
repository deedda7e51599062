// Small string helpers that were written again in many files. ASCII only: the texts are
// file contents, flags and protocol fields, never user prose.
#pragma once

#include <charconv>
#include <concepts>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brig {

// Every field between `sep`s, empty ones included: "a::b" -> {"a", "", "b"}, "" -> {""}.
inline std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    for (size_t start = 0;;) {
        size_t p = s.find(sep, start);
        out.emplace_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
        if (p == std::string_view::npos) return out;
        start = p + 1;
    }
}

// Without leading and trailing ASCII white space (space, \t, \n, \v, \f, \r).
inline std::string_view trim(std::string_view s) {
    constexpr std::string_view kSpace = " \t\n\v\f\r";
    size_t b = s.find_first_not_of(kSpace);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

inline std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// "key=value" split at the first `sep`; "key" alone has no value (has_value tells it from "key=").
struct KeyValue {
    std::string_view key, value;
    bool has_value = false;
};
inline KeyValue split_key_value(std::string_view s, char sep = '=') {
    size_t p = s.find(sep);
    if (p == std::string_view::npos) return {s, {}, false};
    return {s.substr(0, p), s.substr(p + 1), true};
}

// "KEY=VALUE" flags (--label, --opt) as a map; a bare KEY has an empty value, a later KEY wins.
inline std::map<std::string, std::string> key_value_map(const std::vector<std::string>& items) {
    std::map<std::string, std::string> out;
    for (const auto& s : items) {
        auto kv = split_key_value(s);
        out[std::string(kv.key)] = std::string(kv.value);
    }
    return out;
}

// The parts with `sep` between them: join({"a", "b"}, ", ") -> "a, b".
inline std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += sep;
        out += parts[i];
    }
    return out;
}

// All of `s` as an integer of type T in `base`: no white space, no '+', a '-' only for a signed
// T, nothing after the digits; nullopt when it is empty, malformed or does not fit in T.
//   parse_number<int64_t>("-12") -> -12, parse_number<uint32_t>("4294967296") -> nullopt.
template <std::integral T>
std::optional<T> parse_number(std::string_view s, int base = 10) {
    T v{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace brig
