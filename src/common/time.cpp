#include "common/time.hpp"

#include <time.h>

#include <optional>

#include <fmt/format.h>

namespace brig {

namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

struct Civil {
    int64_t year;
    unsigned month, day;  // 1-based
};

// Days since 1970-01-01 <-> proleptic Gregorian date (H. Hinnant's algorithms: exact for
// every date, no table, no time zone).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Civil civil_from_days(int64_t z) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

unsigned days_in_month(int64_t y, unsigned m) {
    static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

std::string format_date_time(int64_t unix_seconds) {
    int64_t days = floor_div(unix_seconds, 86400);
    int64_t secs = unix_seconds - days * 86400;
    Civil c = civil_from_days(days);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", c.year, c.month, c.day, secs / 3600, secs / 60 % 60,
                       secs % 60);
}

// A reader over the text: fixed-width numbers and single characters.
struct Cursor {
    std::string_view s;
    size_t i = 0;

    bool done() const { return i == s.size(); }
    bool eat(char c) {
        if (i < s.size() && s[i] == c) return ++i, true;
        return false;
    }
    bool eat_either(char a, char b) { return eat(a) || eat(b); }
    std::optional<unsigned> digits(size_t n) {
        if (s.size() - i < n) return std::nullopt;
        unsigned v = 0;
        for (size_t k = 0; k < n; ++k) {
            char c = s[i + k];
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + static_cast<unsigned>(c - '0');
        }
        i += n;
        return v;
    }
};

// "Z", "z" or "+hh:mm" / "-hh:mm" -> seconds east of UTC.
std::optional<int64_t> parse_offset(Cursor& c) {
    if (c.eat_either('Z', 'z')) return 0;
    int sign = c.eat('+') ? 1 : c.eat('-') ? -1 : 0;
    if (sign == 0) return std::nullopt;
    auto hh = c.digits(2);
    if (!hh || !c.eat(':')) return std::nullopt;
    auto mm = c.digits(2);
    if (!mm || *hh > 23 || *mm > 59) return std::nullopt;
    return sign * static_cast<int64_t>(*hh * 3600 + *mm * 60);
}

Result<int64_t> parse(std::string_view s, bool loose) {
    auto bad = [&] { return fail("invalid time {:?}: expected RFC 3339, e.g. 2006-01-02T15:04:05Z", s); };
    Cursor c{s};
    auto year = c.digits(4);
    if (!year || !c.eat('-')) return bad();
    auto month = c.digits(2);
    if (!month || !c.eat('-')) return bad();
    auto day = c.digits(2);
    if (!day || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month)) return bad();
    int64_t secs = days_from_civil(*year, *month, *day) * 86400;
    int64_t frac_ns = 0;
    if (c.eat_either('T', 't')) {
        auto hh = c.digits(2);
        if (!hh || !c.eat(':')) return bad();
        auto mm = c.digits(2);
        if (!mm || !c.eat(':')) return bad();
        auto ss = c.digits(2);
        if (!ss || *hh > 23 || *mm > 59 || *ss > 60) return bad();
        secs += *hh * 3600 + *mm * 60 + (*ss == 60 ? 59 : *ss);
        if (c.eat('.')) {
            size_t n = 0;
            for (; !c.done() && s[c.i] >= '0' && s[c.i] <= '9'; ++c.i, ++n)
                if (n < 9) frac_ns = frac_ns * 10 + (s[c.i] - '0');
            if (n == 0) return bad();
            for (; n < 9; ++n) frac_ns *= 10;
        }
    } else if (!loose) {
        return bad();
    }
    if (!c.done()) {
        auto off = parse_offset(c);
        if (!off || !c.done()) return bad();
        secs -= *off;
    } else if (!loose) {
        return bad();
    }
    int64_t ns = 0;
    if (__builtin_mul_overflow(secs, kNsPerSec, &ns) || __builtin_add_overflow(ns, frac_ns, &ns))
        return fail("time {:?} is out of range (years 1678 to 2261)", s);
    return ns;
}

}  // namespace

int64_t unix_now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

std::string format_rfc3339(int64_t unix_seconds) { return format_date_time(unix_seconds) + "Z"; }

std::string format_rfc3339_nano(int64_t unix_ns) {
    int64_t secs = floor_div(unix_ns, kNsPerSec);
    return fmt::format("{}.{:09}Z", format_date_time(secs), unix_ns - secs * kNsPerSec);
}

std::string now_rfc3339_seconds() { return format_rfc3339(floor_div(unix_now_ns(), kNsPerSec)); }
std::string now_rfc3339_nano() { return format_rfc3339_nano(unix_now_ns()); }

Result<int64_t> parse_rfc3339_ns(std::string_view s) { return parse(s, false); }
Result<int64_t> parse_timestamp_ns(std::string_view s) { return parse(s, true); }

}  // namespace brig
