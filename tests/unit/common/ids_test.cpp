#include <gtest/gtest.h>

#include <set>

#include "common/ids.hpp"

namespace brig {
namespace {

TEST(Ids, HexHasTwoDigitsPerByte) {
    EXPECT_EQ(random_hex(0), "");
    for (size_t n : {1u, 4u, 32u}) {
        std::string h = random_hex(n);
        EXPECT_EQ(h.size(), 2 * n);
        EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos) << h;
    }
}

TEST(Ids, AlnumIsLowerCaseAndDigits) {
    std::string s = random_alnum(200);
    EXPECT_EQ(s.size(), 200u);
    EXPECT_EQ(s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789"), std::string::npos) << s;
}

TEST(Ids, DoNotRepeat) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(random_hex(16)).second);
    // Every hex digit turns up.
    std::string many = random_hex(512);
    EXPECT_EQ(std::set<char>(many.begin(), many.end()).size(), 16u);
}

}  // namespace
}  // namespace brig
