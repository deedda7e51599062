#include <gtest/gtest.h>

#include "common/strings.hpp"

namespace brig {
namespace {

using V = std::vector<std::string>;

TEST(Strings, SplitKeepsEmptyFields) {
    EXPECT_EQ(split("a:b:c", ':'), (V{"a", "b", "c"}));
    EXPECT_EQ(split("a::b", ':'), (V{"a", "", "b"}));
    EXPECT_EQ(split(":a:", ':'), (V{"", "a", ""}));
    EXPECT_EQ(split("", ':'), (V{""}));
    EXPECT_EQ(split("abc", ':'), (V{"abc"}));
    EXPECT_EQ(split("root:x:0:0::/root:/bin/sh\n", '\n'), (V{"root:x:0:0::/root:/bin/sh", ""}));
}

TEST(Strings, Trim) {
    EXPECT_EQ(trim("  a b \t\r\n"), "a b");
    EXPECT_EQ(trim("abc"), "abc");
    EXPECT_EQ(trim("\n"), "");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim("\v\fx\f\v"), "x");
}

TEST(Strings, ToLower) {
    EXPECT_EQ(to_lower("Content-Type: ABC-xyz 09"), "content-type: abc-xyz 09");
    EXPECT_EQ(to_lower(""), "");
}

TEST(Strings, KeyValue) {
    auto kv = split_key_value("a=b=c");
    EXPECT_EQ(kv.key, "a");
    EXPECT_EQ(kv.value, "b=c");
    EXPECT_TRUE(kv.has_value);
    kv = split_key_value("flag");
    EXPECT_EQ(kv.key, "flag");
    EXPECT_EQ(kv.value, "");
    EXPECT_FALSE(kv.has_value);
    kv = split_key_value("k=");
    EXPECT_EQ(kv.key, "k");
    EXPECT_TRUE(kv.has_value);
    kv = split_key_value("8:0", ':');
    EXPECT_EQ(kv.key, "8");
    EXPECT_EQ(kv.value, "0");
}

TEST(Strings, Join) {
    EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
    EXPECT_EQ(join({"a"}, ","), "a");
    EXPECT_EQ(join({}, ","), "");
    EXPECT_EQ(join({"", ""}, ","), ",");
    EXPECT_EQ(join(split("x/y/z", '/'), "/"), "x/y/z");
}

TEST(Strings, KeyValueMap) {
    auto m = key_value_map({"a=1", "b", "c=x=y", "a=2", "d="});
    EXPECT_EQ(m, (std::map<std::string, std::string>{{"a", "2"}, {"b", ""}, {"c", "x=y"}, {"d", ""}}));
    EXPECT_TRUE(key_value_map({}).empty());
}

TEST(Strings, ParseNumberTakesTheWholeText) {
    EXPECT_EQ(parse_number<int64_t>("-12"), -12);
    EXPECT_EQ(parse_number<int>("0"), 0);
    EXPECT_EQ(parse_number<uint32_t>("4294967295"), 4294967295u);
    EXPECT_EQ(parse_number<uint64_t>("755", 8), 0755u);
    EXPECT_EQ(parse_number<uint16_t>("65535"), 65535);
    for (std::string_view bad : {"", " 1", "1 ", "+1", "1x", "0x10", "-"})
        EXPECT_EQ(parse_number<int64_t>(bad), std::nullopt) << bad;
    EXPECT_EQ(parse_number<uint32_t>("-1"), std::nullopt);
    EXPECT_EQ(parse_number<uint32_t>("4294967296"), std::nullopt);
    EXPECT_EQ(parse_number<uint16_t>("65536"), std::nullopt);
    EXPECT_EQ(parse_number<uint64_t>("8", 8), std::nullopt);
}

}  // namespace
}  // namespace brig
