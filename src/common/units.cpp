#include "common/units.hpp"

#include <charconv>
#include <cmath>

namespace brig {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

Result<int64_t> parse_size(std::string_view s) {
    auto bad = [&] {
        return fail("invalid size {:?}: expected a number with an optional unit (b, k, m, g, t, p), e.g. 512m", s);
    };
    size_t i = 0;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == 0) return bad();
    if (i < s.size() && s[i] == '.') {
        size_t frac = ++i;
        while (i < s.size() && is_digit(s[i])) ++i;
        if (i == frac) return bad();
    }
    double number = 0;
    if (auto [p, ec] = std::from_chars(s.data(), s.data() + i, number); ec != std::errc() || p != s.data() + i)
        return bad();
    std::string_view unit = s.substr(i);
    if (unit.starts_with(' ')) unit.remove_prefix(1);
    int power = 0;
    if (!unit.empty()) {
        static constexpr std::string_view kPrefixes = "kmgtp";
        if (auto p = kPrefixes.find(lower(unit.front())); p != std::string_view::npos) {
            power = static_cast<int>(p) + 1;
            unit.remove_prefix(1);
            if (!unit.empty() && lower(unit.front()) == 'i') unit.remove_prefix(1);  // "KiB": binary either way
        }
    }
    if (!unit.empty() && lower(unit.front()) == 'b') unit.remove_prefix(1);
    if (!unit.empty()) return bad();
    long double bytes = static_cast<long double>(number) * std::pow(1024.0L, power);
    if (bytes >= 9223372036854775808.0L) return fail("size {:?} is too large", s);
    return static_cast<int64_t>(bytes);
}

Result<std::chrono::nanoseconds> parse_duration(std::string_view s) {
    // Go's algorithm: integers throughout, a float only to scale a fraction by its unit.
    std::string_view orig = s;
    auto bad = [&](std::string_view why) { return fail("invalid duration {:?}: {}", orig, why); };
    bool neg = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        neg = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s == "0") return std::chrono::nanoseconds(0);
    if (s.empty()) return bad("expected a number with a unit (ns, us, ms, s, m, h), e.g. 1m30s");
    constexpr uint64_t kLimit = uint64_t{1} << 63;
    uint64_t total = 0;
    while (!s.empty()) {
        if (!is_digit(s.front()) && s.front() != '.') return bad("expected a number");
        uint64_t whole = 0;
        size_t i = 0;
        for (; i < s.size() && is_digit(s[i]); ++i) {
            if (whole > (kLimit - 1) / 10) return bad("too large");
            whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
            if (whole > kLimit) return bad("too large");
        }
        bool digits = i > 0;
        uint64_t frac = 0;
        double scale = 1;
        if (i < s.size() && s[i] == '.') {
            ++i;
            bool overflow = false;
            for (; i < s.size() && is_digit(s[i]); ++i) {
                digits = true;
                if (overflow) continue;
                if (frac > (kLimit - 1) / 10) {
                    overflow = true;  // further digits cannot matter at nanosecond precision
                    continue;
                }
                frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
                scale *= 10;
            }
        }
        if (!digits) return bad("expected a number");
        s.remove_prefix(i);
        size_t u = 0;
        while (u < s.size() && !is_digit(s[u]) && s[u] != '.') ++u;
        if (u == 0) return bad("missing unit (ns, us, ms, s, m or h)");
        std::string_view unit = s.substr(0, u);
        s.remove_prefix(u);
        uint64_t mult;
        if (unit == "ns") mult = 1;
        else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") mult = 1'000;
        else if (unit == "ms") mult = 1'000'000;
        else if (unit == "s") mult = 1'000'000'000;
        else if (unit == "m") mult = 60'000'000'000;
        else if (unit == "h") mult = 3'600'000'000'000;
        else return bad(fmt::format("unknown unit {:?} (use ns, us, ms, s, m or h)", unit));
        if (whole > kLimit / mult) return bad("too large");
        uint64_t v = whole * mult;
        if (frac > 0) {
            v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(mult) / scale));
            if (v > kLimit) return bad("too large");
        }
        total += v;
        if (total > kLimit) return bad("too large");
    }
    if (neg) return std::chrono::nanoseconds(static_cast<int64_t>(0 - total));
    if (total > kLimit - 1) return bad("too large");
    return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

}  // namespace brig
