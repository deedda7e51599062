#include "build/dockerfile/values.hpp"

#include <array>
#include <charconv>
#include <cstdint>

#include "common/strings.hpp"

namespace brig::build::dockerfile::detail {
namespace {

constexpr std::array<std::string_view, 35> kSignals = {
    "ABRT", "ALRM", "BUS",  "CHLD",   "CLD",  "CONT",  "FPE",  "HUP",  "ILL",    "INT",  "IO",   "IOT",
    "KILL", "PIPE", "POLL", "PROF",   "PWR",  "QUIT",  "SEGV", "STKFLT", "STOP", "SYS",  "TERM", "TRAP",
    "TSTP", "TTIN", "TTOU", "UNUSED", "URG",  "USR1",  "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ"};

}  // namespace

Result<std::string> normalize_port(std::string_view spec) {
    auto [range, proto, has_proto] = split_key_value(spec, '/');
    std::string p = has_proto ? to_lower(proto) : "tcp";
    if (p != "tcp" && p != "udp" && p != "sctp") return fail("invalid proto: {}", proto);
    auto [first, last, is_range] = split_key_value(range, '-');
    auto lo = parse_number<uint64_t>(first, 10);
    auto hi = is_range ? parse_number<uint64_t>(last, 10) : lo;
    if (!lo || !hi || *lo > 65535 || *hi > 65535) return fail("invalid containerPort: {}", range);
    if (*hi < *lo) return fail("invalid range specified for container port: {}", range);
    return fmt::format("{}/{}", range, p);
}

bool valid_signal(std::string_view s) {
    if (auto n = parse_number<uint64_t>(s, 10)) return *n > 0;
    std::string up = to_lower(s);
    for (char& c : up) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    std::string_view name = up;
    if (name.starts_with("SIG")) name.remove_prefix(3);
    for (std::string_view known : kSignals)
        if (name == known) return true;
    // RTMIN, RTMIN+1 .. RTMIN+15, RTMAX-14 .. RTMAX-1, RTMAX.
    for (std::string_view rt : {std::string_view("RTMIN"), std::string_view("RTMAX")}) {
        if (!name.starts_with(rt)) continue;
        std::string_view rest = name.substr(rt.size());
        if (rest.empty()) return true;
        char sign = rt == "RTMIN" ? '+' : '-';
        auto n = rest[0] == sign ? parse_number<uint64_t>(rest.substr(1), 10) : std::nullopt;
        return n && *n >= 1 && *n <= (rt == "RTMIN" ? 15u : 14u);
    }
    return false;
}

bool valid_octal_mode(std::string_view s) {
    auto n = parse_number<uint64_t>(s, 8);
    return n && *n <= 07777;
}

bool valid_digest(std::string_view s) {
    auto [algo, hex, ok] = split_key_value(s, ':');
    size_t want = algo == "sha256" ? 64 : algo == "sha384" ? 96 : algo == "sha512" ? 128 : 0;
    if (!ok || want == 0 || hex.size() != want) return false;
    for (char c : hex)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::optional<bool> parse_bool(std::string_view s) {
    for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"})
        if (s == t) return true;
    for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"})
        if (s == f) return false;
    return std::nullopt;
}

bool valid_uint32(std::string_view s, int base) {
    auto n = parse_number<uint64_t>(s, base);
    return n && *n <= UINT32_MAX;
}

}  // namespace brig::build::dockerfile::detail
