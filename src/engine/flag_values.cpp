#include "engine/flag_values.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>

namespace brig::engine {

namespace {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t p = s.find(sep, start);
        out.emplace_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
        if (p == std::string_view::npos) break;
        start = p + 1;
    }
    return out;
}

std::optional<int64_t> to_int(std::string_view s) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

Result<int64_t> parse_size(std::string_view s) {
    std::string t;
    for (char c : s) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t i = 0;
    while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
    if (i == 0) return fail("invalid size {:?}: expected a number with an optional unit (b, k, m, g)", s);
    double num = std::strtod(t.substr(0, i).c_str(), nullptr);
    std::string unit = t.substr(i);
    if (unit.ends_with("ib")) unit.erase(unit.size() - 2);
    else if (unit.size() == 2 && unit[1] == 'b') unit.pop_back();
    double mult = 1;
    if (unit.empty() || unit == "b") mult = 1;
    else if (unit == "k") mult = 1024.0;
    else if (unit == "m") mult = 1024.0 * 1024;
    else if (unit == "g") mult = 1024.0 * 1024 * 1024;
    else if (unit == "t") mult = 1024.0 * 1024 * 1024 * 1024;
    else return fail("invalid size {:?}: unknown unit {:?}", s, unit);
    return static_cast<int64_t>(num * mult);
}

Result<int64_t> parse_cpus(std::string_view s) {
    char* end = nullptr;
    std::string t(s);
    double v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || !(v >= 0)) return fail("invalid value {:?} for --cpus", s);
    return static_cast<int64_t>(std::llround(v * 1e9));
}

Result<Ulimit> parse_ulimit(std::string_view s) {
    auto eq = s.find('=');
    if (eq == std::string_view::npos) return fail("invalid ulimit {:?}: expected NAME=SOFT[:HARD]", s);
    std::string name(s.substr(0, eq));
    static const std::set<std::string> known = {"core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue",
                                                "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending",
                                                "stack", "as"};
    if (!known.contains(name)) return fail("invalid ulimit {:?}: unknown resource {:?}", s, name);
    auto vals = split(s.substr(eq + 1), ':');
    if (vals.size() > 2) return fail("invalid ulimit {:?}", s);
    auto soft = to_int(vals[0]);
    auto hard = vals.size() == 2 ? to_int(vals[1]) : soft;
    if (!soft || !hard) return fail("invalid ulimit {:?}: values must be numbers", s);
    if (*soft > *hard && *hard >= 0) return fail("invalid ulimit {:?}: soft limit exceeds the hard limit", s);
    return Ulimit{name, *soft, *hard};
}

Result<DeviceMapping> parse_device(std::string_view s) {
    auto parts = split(s, ':');
    if (parts.size() > 3 || parts[0].empty()) return fail("invalid device {:?}", s);
    std::string host = parts[0], ctr = parts[0], perms = "rwm";
    if (parts.size() >= 2) {
        if (parts.size() == 2 && parts[1].find('/') == std::string::npos) perms = parts[1];
        else ctr = parts[1];
    }
    if (parts.size() == 3) perms = parts[2];
    if (perms.empty() || perms.find_first_not_of("rwm") != std::string::npos)
        return fail("invalid device {:?}: permissions must be a combination of r, w, m", s);
    if (host[0] != '/' || ctr[0] != '/') return fail("invalid device {:?}: paths must be absolute", s);
    return DeviceMapping{host, ctr, perms};
}

std::pair<std::string, std::string> parse_tmpfs(std::string_view s) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos) return {std::string(s), ""};
    return {std::string(s.substr(0, colon)), std::string(s.substr(colon + 1))};
}

Result<int64_t> parse_duration(std::string_view s) {
    if (s.empty()) return fail("invalid duration \"\"");
    if (auto plain = to_int(s)) return *plain * 1'000'000'000;  // bare number: seconds
    int64_t total = 0;
    size_t i = 0;
    while (i < s.size()) {
        size_t j = i;
        while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
        if (j == i) return fail("invalid duration {:?}", s);
        double num = std::strtod(std::string(s.substr(i, j - i)).c_str(), nullptr);
        size_t k = j;
        while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) ++k;
        std::string_view unit = s.substr(j, k - j);
        double mult;
        if (unit == "ns") mult = 1;
        else if (unit == "us" || unit == "µs") mult = 1e3;
        else if (unit == "ms") mult = 1e6;
        else if (unit == "s") mult = 1e9;
        else if (unit == "m") mult = 60e9;
        else if (unit == "h") mult = 3600e9;
        else return fail("invalid duration {:?}: unknown unit {:?}", s, unit);
        total += static_cast<int64_t>(num * mult);
        i = k;
    }
    return total;
}

}  // namespace brig::engine
