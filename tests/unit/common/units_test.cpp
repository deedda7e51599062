// The one grammar for sizes and durations: every input the two older parsers of each took
// (engine/spec.cpp and runtime/cgroup_ops.cpp) is here.
#include <gtest/gtest.h>

#include "common/units.hpp"

namespace brig {
namespace {

using std::chrono::nanoseconds;

TEST(Units, Sizes) {
    struct Case {
        const char* in;
        int64_t bytes;
    };
    for (auto [in, bytes] : std::initializer_list<Case>{
             {"0", 0},
             {"1024", 1024},
             {"4096", 4096},
             {"2b", 2},
             {"2B", 2},
             {"10 k", 10240},
             {"2kb", 2048},
             {"64KiB", 64LL << 10},
             {"64Ki", 64LL << 10},
             {"512m", 512LL << 20},
             {"512M", 512LL << 20},
             {"64MB", 64LL << 20},
             {"100MB", 100LL << 20},
             {"1g", 1LL << 30},
             {"1.5g", 3LL << 29},
             {"1.5GiB", 3LL << 29},
             {"2t", 2LL << 40},
             {"1p", 1LL << 50},
             {"1.0000001k", 1024},  // fractions of a byte are dropped
         })
        EXPECT_EQ(parse_size(in).value(), bytes) << in;
}

TEST(Units, BadSizes) {
    for (const char* bad : {"", "m", "lots", "5q", "12x", "1..2m", "1.2.3", "-1", "-2", "+5", "1mm", ".5m", "5.",
                            "5i", "5ib", "1kbb", "1  k", " 1k", "1k ", "1e3", "0x10", "99999999999p", "8192p"})
        EXPECT_FALSE(parse_size(bad).has_value()) << bad;
    EXPECT_EQ(parse_size("8191p").value(), 8191LL << 50);
}

TEST(Units, Durations) {
    struct Case {
        const char* in;
        int64_t ns;
    };
    for (auto [in, ns] : std::initializer_list<Case>{
             {"0", 0},
             {"+0", 0},
             {"-0", 0},
             {"0s", 0},
             {"5s", 5'000'000'000},
             {"10s", 10'000'000'000},
             {"500ms", 500'000'000},
             {"1m30s", 90'000'000'000},
             {"1.5s", 1'500'000'000},
             {".5s", 500'000'000},
             {"1.s", 1'000'000'000},
             {"2h", 7'200'000'000'000},
             {"2h45m", 9'900'000'000'000},
             {"1h1m1s1ms1us1ns", 3'661'001'001'001},
             {"3us", 3'000},
             {"3\u00b5s", 3'000},
             {"3\u03bcs", 3'000},
             {"7ns", 7},
             {"-1.5h", -5'400'000'000'000},
             {"+2m", 120'000'000'000},
             {"0.000000001s", 1},
             {"1.0000000001s", 1'000'000'000},
             {"9223372036854775807ns", INT64_MAX},
             {"-9223372036854775808ns", INT64_MIN},
         })
        EXPECT_EQ(parse_duration(in).value(), nanoseconds(ns)) << in;
}

TEST(Units, BadDurations) {
    for (const char* bad : {"", "+", "-", "3", "5", "s", ".s", "5x", "1d", "1y", "1.5", "1s2", "5 s", "1s ",
                            "--1s", "1sm", "9223372036854775808ns", "2562048h", "99999999999999999999s"})
        EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
}

TEST(Units, ErrorsSayWhy) {
    EXPECT_NE(parse_duration("10").error().message.find("missing unit"), std::string::npos);
    EXPECT_NE(parse_duration("10d").error().message.find("unknown unit \"d\""), std::string::npos);
    EXPECT_NE(parse_size("5q").error().message.find("invalid size \"5q\""), std::string::npos);
}

}  // namespace
}  // namespace brig
