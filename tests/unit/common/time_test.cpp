// RFC 3339: formatting without the time zone database, parsing with fractions and offsets.
#include <gtest/gtest.h>

#include <ctime>

#include "common/time.hpp"

namespace brig {
namespace {

constexpr int64_t kSec = 1'000'000'000;

TEST(Time, FormatsSeconds) {
    EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(951782400), "2000-02-29T00:00:00Z");  // a leap day
    EXPECT_EQ(format_rfc3339(1700000000), "2023-11-14T22:13:20Z");
    EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59Z");
    EXPECT_EQ(format_rfc3339(253402300799), "9999-12-31T23:59:59Z");
}

TEST(Time, FormatsNanosecondsWithNineDigits) {
    EXPECT_EQ(format_rfc3339_nano(0), "1970-01-01T00:00:00.000000000Z");
    EXPECT_EQ(format_rfc3339_nano(1700000000 * kSec + 5), "2023-11-14T22:13:20.000000005Z");
    EXPECT_EQ(format_rfc3339_nano(1700000000 * kSec + 123456789), "2023-11-14T22:13:20.123456789Z");
    EXPECT_EQ(format_rfc3339_nano(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(Time, AgreesWithGmtimeOverManyDays) {
    for (int64_t t = -5'000'000'000; t < 5'000'000'000; t += 86400 * 37 + 3607) {
        time_t tt = static_cast<time_t>(t);
        tm g{};
        ::gmtime_r(&tt, &g);
        char want[32];
        std::strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &g);
        ASSERT_EQ(format_rfc3339(t), want) << t;
        ASSERT_EQ(parse_rfc3339_ns(want).value(), t * kSec) << want;
    }
}

TEST(Time, NowIsNow) {
    int64_t before = static_cast<int64_t>(::time(nullptr));
    auto ns = parse_rfc3339_ns(now_rfc3339_nano());
    auto s = parse_rfc3339_ns(now_rfc3339_seconds());
    ASSERT_TRUE(ns && s);
    EXPECT_GE(*ns / kSec, before);
    EXPECT_LE(*ns / kSec, before + 5);
    EXPECT_EQ(*s % kSec, 0);
    EXPECT_EQ(now_rfc3339_nano().size(), 30u);
}

TEST(Time, ParsesFractionsAndOffsets) {
    EXPECT_EQ(parse_rfc3339_ns("2023-11-14T22:13:20Z").value(), 1700000000 * kSec);
    EXPECT_EQ(parse_rfc3339_ns("2023-11-14t22:13:20z").value(), 1700000000 * kSec);
    EXPECT_EQ(parse_rfc3339_ns("2023-11-14T22:13:20.5Z").value(), 1700000000 * kSec + 500'000'000);
    EXPECT_EQ(parse_rfc3339_ns("2023-11-14T22:13:20.123456789Z").value(), 1700000000 * kSec + 123456789);
    // Digits past nanoseconds are dropped, not rounded.
    EXPECT_EQ(parse_rfc3339_ns("2023-11-14T22:13:20.1234567899Z").value(), 1700000000 * kSec + 123456789);
    EXPECT_EQ(parse_rfc3339_ns("2023-11-15T00:13:20+02:00").value(), 1700000000 * kSec);
    EXPECT_EQ(parse_rfc3339_ns("2023-11-14T17:43:20.25-04:30").value(), 1700000000 * kSec + 250'000'000);
    EXPECT_EQ(parse_rfc3339_ns("1969-12-31T23:59:59Z").value(), -kSec);
    EXPECT_EQ(parse_rfc3339_ns("2016-12-31T23:59:60Z").value(), parse_rfc3339_ns("2016-12-31T23:59:59Z").value());
}

TEST(Time, RoundTrips) {
    for (int64_t ns : {int64_t{0}, 1700000000 * kSec + 1, -3 * kSec - 7, 4102444800 * kSec + 999999999})
        EXPECT_EQ(parse_rfc3339_ns(format_rfc3339_nano(ns)).value(), ns) << ns;
}

TEST(Time, RefusesWhatIsNotRfc3339) {
    for (const char* bad : {"", "2023", "2023-11-14", "2023-11-14T22:13:20", "2023-11-14 22:13:20Z",
                            "2023-11-14T22:13Z", "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
                            "2023-11-31T00:00:00Z", "2023-11-14T24:00:00Z", "2023-11-14T22:60:00Z",
                            "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20+2:00", "2023-11-14T22:13:20+02",
                            "2023-11-14T22:13:20+24:00", "2023-11-14T22:13:20Zjunk", "x023-11-14T22:13:20Z",
                            "2023-1-14T22:13:20Z"})
        EXPECT_FALSE(parse_rfc3339_ns(bad).has_value()) << bad;
    EXPECT_FALSE(parse_rfc3339_ns("9999-12-31T23:59:59Z").has_value());  // beyond int64 nanoseconds
}

TEST(Time, TimestampsMayOmitTheOffsetOrTheTime) {
    EXPECT_EQ(parse_timestamp_ns("2023-11-14T22:13:20").value(), 1700000000 * kSec);
    EXPECT_EQ(parse_timestamp_ns("2023-11-14T22:13:20.5").value(), 1700000000 * kSec + 500'000'000);
    EXPECT_EQ(parse_timestamp_ns("2023-11-14T22:13:20+01:00").value(), 1699996400 * kSec);
    EXPECT_EQ(parse_timestamp_ns("2023-11-14").value(), 1699920000 * kSec);
    EXPECT_EQ(parse_timestamp_ns("2023-11-14Z").value(), 1699920000 * kSec);
    EXPECT_EQ(parse_timestamp_ns("2023-11-14-01:00").value(), 1699923600 * kSec);
    for (const char* bad : {"", "2023-11", "2023-11-14T", "2023-11-14T22", "2023-11-14junk", "10m"})
        EXPECT_FALSE(parse_timestamp_ns(bad).has_value()) << bad;
}

}  // namespace
}  // namespace brig
