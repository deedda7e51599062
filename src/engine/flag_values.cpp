#include "engine/flag_values.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>

#include "common/strings.hpp"

namespace brig::engine {

Result<int64_t> parse_cpus(std::string_view s) {
    char* end = nullptr;
    std::string t(s);
    double v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || !(v >= 0)) return fail("invalid value {:?} for --cpus", s);
    return static_cast<int64_t>(std::llround(v * 1e9));
}

Result<int64_t> parse_memory_flag(std::string_view flag, std::string_view value) {
    if (flag == "--memory-swap" && value == "-1") return -1;
    auto m = parse_size(value);
    if (!m) return fail("invalid {}: {}", flag, m.error().message);
    return *m;
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
    auto soft = parse_number<int64_t>(vals[0]);
    auto hard = vals.size() == 2 ? parse_number<int64_t>(vals[1]) : soft;
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

}  // namespace brig::engine
