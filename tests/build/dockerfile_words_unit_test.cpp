// The parser's raw word splitters (build/dockerfile/words.hpp): docker's parseWords, which
// keeps quotes and escapes, and the extraction of leading --flags.
#include <gtest/gtest.h>

#include "build/dockerfile/words.hpp"

namespace dd = brig::build::dockerfile::detail;

namespace {

std::vector<std::string> texts(const std::vector<dd::RawWord>& words) {
    std::vector<std::string> out;
    for (const dd::RawWord& w : words) out.push_back(w.text);
    return out;
}

}  // namespace

TEST(DockerfileWords, RawSplitKeepsQuotesAndEscapes) {
    using V = std::vector<std::string>;
    EXPECT_EQ(texts(dd::split_words_raw("a=\"b c\" d\\ e 'f g' \"h\\\"i\"", '\\')),
              (V{"a=\"b c\"", "d\\ e", "'f g'", "\"h\\\"i\""}));
    EXPECT_EQ(texts(dd::split_words_raw("  x   y  ", '\\')), (V{"x", "y"}));
    EXPECT_EQ(texts(dd::split_words_raw("a=`\" b`\"", '`')), (V{"a=`\"", "b`\""}));
    EXPECT_EQ(texts(dd::split_words_raw("end\\", '\\')), (V{"end"}));
    EXPECT_EQ(texts(dd::split_words_raw("\"\"", '\\')), (V{"\"\""}));
    auto w = dd::split_words_raw("ab  cd", '\\');
    EXPECT_EQ(w[1].offset, 4u);
}

TEST(DockerfileWords, ExtractFlags) {
    auto f = dd::extract_flag_words("--a=1 --b=\"x y\" -- --c rest");
    ASSERT_EQ(f.flags.size(), 2u);
    EXPECT_EQ(f.flags[0].text, "--a=1");
    EXPECT_EQ(f.flags[1].text, "--b=x y");
    EXPECT_EQ(f.flags[1].offset, 6u);
    EXPECT_EQ(std::string("--a=1 --b=\"x y\" -- --c rest").substr(f.rest), " --c rest");
    auto all = dd::extract_flag_words("--a --b");
    EXPECT_EQ(all.flags.size(), 2u);
    EXPECT_EQ(all.rest, 7u);
    auto none = dd::extract_flag_words("x --a");
    EXPECT_TRUE(none.flags.empty());
    EXPECT_EQ(none.rest, 0u);
    auto dash = dd::extract_flag_words("-x");
    EXPECT_TRUE(dash.flags.empty());
    EXPECT_EQ(dash.rest, 0u);
}
