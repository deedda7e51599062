// Variable expansion (build/dockerfile/expand.hpp): the $-forms, quotes, the escape
// character, nesting, patterns, word splitting and errors.
#include <gtest/gtest.h>

#include "build/dockerfile/expand.hpp"

namespace df = brig::build::dockerfile;

namespace {

const df::Vars kVars = {{"A", "a"}, {"E", ""}, {"S", "x y"}, {"P", "a/b/c"}, {"F", "file.tar.gz"}, {"D", "old"},
                        {"D", "new"}};

std::string ex(std::string_view w, char escape = '\\') {
    auto r = df::expand(w, kVars, escape);
    EXPECT_TRUE(r.has_value()) << w << ": " << (r ? "" : r.error().message);
    return r ? *r : "<error>";
}

}  // namespace

TEST(DockerfileExpand, TheSixForms) {
    struct Case {
        const char* in;
        const char* out;
    } cases[] = {
        {"$A", "a"},        {"${A}", "a"},       {"${A}b", "ab"},     {"$Ab", ""},         {"x$A/y", "xa/y"},
        {"${U:-d}", "d"},   {"${E:-d}", "d"},    {"${A:-d}", "a"},    {"${U-d}", "d"},     {"${E-d}", ""},
        {"${A:+p}", "p"},   {"${E:+p}", ""},     {"${U:+p}", ""},     {"${E+p}", "p"},     {"${U+p}", ""},
        {"${A+p}", "p"},    {"$U", ""},          {"${U}", ""},        {"${D}", "new"},     {"$S", "x y"},
    };
    for (const Case& c : cases) EXPECT_EQ(ex(c.in), c.out) << c.in;
}

TEST(DockerfileExpand, NestedWords) {
    EXPECT_EQ(ex("${U:-${A}}"), "a");
    EXPECT_EQ(ex("${U:-${V:-z}}"), "z");
    EXPECT_EQ(ex("${A:+${A}x}"), "ax");
    EXPECT_EQ(ex("${U:-$A-$A}"), "a-a");
    EXPECT_EQ(ex("${U:-'$A'}"), "$A");      // single quotes in the word suppress expansion
    EXPECT_EQ(ex("${U:-\"$A b\"}"), "a b");
    EXPECT_EQ(ex("${U:-'}'}"), "}");
    EXPECT_EQ(ex("${U:-a\\}b}"), "a}b");
}

TEST(DockerfileExpand, QuotesAndEscapes) {
    struct Case {
        const char* in;
        const char* out;
    } cases[] = {
        {"'$A'", "$A"},          {"\"$A\"", "a"},       {"\\$A", "$A"},         {"\\\\", "\\"},
        {"a\\ b", "a b"},        {"\"a\\\"b\"", "a\"b"}, {"\"\\q\"", "\\q"},      {"\"\\$A\"", "$A"},
        {"'a\\'", "a\\"},        {"\"it's\"", "it's"},  {"'say \"hi\"'", "say \"hi\""}, {"$", "$"},
        {"a$", "a$"},            {"$/", "$/"},          {"$1", ""},             {"${A}}", "a}"},
        {"end\\", "end"},        {"a  b", "a  b"},
    };
    for (const Case& c : cases) EXPECT_EQ(ex(c.in), c.out) << c.in;
}

TEST(DockerfileExpand, BacktickEscape) {
    EXPECT_EQ(ex("C:\\path\\$A", '`'), "C:\\path\\a");
    EXPECT_EQ(ex("`$A", '`'), "$A");
    EXPECT_EQ(ex("\"C:\\dir `\"x`\"\"", '`'), "C:\\dir \"x\"");
    EXPECT_EQ(ex("``", '`'), "`");
}

TEST(DockerfileExpand, RequiredAndPatterns) {
    struct Case {
        const char* in;
        const char* out;
    } cases[] = {
        {"${A?}", "a"},           {"${A:?msg}", "a"},      {"${E?}", ""},
        {"${P#*/}", "b/c"},       {"${P##*/}", "c"},       {"${P%/*}", "a/b"},    {"${P%%/*}", "a"},
        {"${F%.*}", "file.tar"},  {"${F%%.*}", "file"},    {"${F#*.}", "tar.gz"}, {"${F#x}", "file.tar.gz"},
        {"${P/b/X}", "a/X/c"},    {"${P//\\//-}", "a-b-c"}, {"${P/?/Z}", "Z/b/c"}, {"${P//[/x}", "a/b/c"},
        {"${U#a}", ""},           {"${F/t*r/T}", "file.T.gz"},
    };
    for (const Case& c : cases) EXPECT_EQ(ex(c.in), c.out) << c.in;
}

TEST(DockerfileExpand, Errors) {
    struct Case {
        const char* in;
        const char* message;
    } cases[] = {
        {"${A", "failed to process \"${A\": syntax error: missing '}'"},
        {"${", "failed to process \"${\": syntax error: missing '}'"},
        {"${A:-x", "failed to process \"${A:-x\": syntax error: missing '}'"},
        {"${}", "failed to process \"${}\": syntax error: bad substitution"},
        {"${:a}", "failed to process \"${:a}\": syntax error: bad substitution"},
        {"${A:x}", "failed to process \"${A:x}\": unsupported modifier (:x) in substitution"},
        {"${A^}", "failed to process \"${A^}\": unsupported modifier (^) in substitution"},
        {"${A:#x}", "failed to process \"${A:#x}\": unsupported modifier (:#) in substitution"},
        {"${U?}", "failed to process \"${U?}\": U: is not allowed to be unset"},
        {"${E:?}", "failed to process \"${E:?}\": E: is not allowed to be empty"},
        {"${U:?set U}", "failed to process \"${U:?set U}\": U: set U"},
        {"'abc", "failed to process \"'abc\": unexpected end of statement while looking for matching single-quote"},
        {"\"abc", "failed to process \"\"abc\": unexpected end of statement while looking for matching double-quote"},
        {"${A/x}", "failed to process \"${A/x}\": syntax error: missing '/' in ${}"},
    };
    for (const Case& c : cases) {
        auto r = df::expand(c.in, kVars);
        ASSERT_FALSE(r.has_value()) << c.in << " -> " << *r;
        EXPECT_EQ(r.error().message, c.message) << c.in;
    }
}

TEST(DockerfileExpand, Words) {
    auto words = [](std::string_view text, char escape = '\\') {
        auto r = df::expand_words(text, kVars, escape);
        EXPECT_TRUE(r.has_value()) << text;
        return r ? *r : std::vector<std::string>{"<error>"};
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(words("a \"b c\" $S"), (V{"a", "b c", "x", "y"}));
    EXPECT_EQ(words("\"$S\""), (V{"x y"}));
    EXPECT_EQ(words("  lead   trail  "), (V{"lead", "trail"}));
    EXPECT_EQ(words("a\\ b 'c d'e"), (V{"a b", "c de"}));
    EXPECT_EQ(words("''"), V{});
    EXPECT_EQ(words("k=\"v 1\" k2=$A"), (V{"k=v 1", "k2=a"}));
    EXPECT_EQ(words("C:\\a `\"q r`\"", '`'), (V{"C:\\a", "\"q", "r\""}));
    EXPECT_FALSE(df::expand_words("\"open", kVars).has_value());
}

TEST(DockerfileExpand, HeredocBodies) {
    auto r = df::expand_heredoc("echo \"$A\" '$A' \\$A ${U:-d}\n", kVars);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(*r, "echo \"a\" 'a' $A d\n");
}

TEST(DockerfileExpand, SpecialParametersAndDigits) {
    df::Vars v = {{"@", "all"}, {"1", "one"}, {"12", "twelve"}};
    EXPECT_EQ(*df::expand("$@x", v), "allx");
    EXPECT_EQ(*df::expand("$12b", v), "twelveb");
    EXPECT_EQ(*df::expand("${1}2", v), "one2");
    EXPECT_EQ(*df::expand("$$ $# $?", v), "  ");
    EXPECT_EQ(*df::expand("$-x", v), "x");
}

TEST(DockerfileExpand, PatternsOnUtf8) {
    df::Vars v = {{"W", "h\xC3\xA9llo"}};
    EXPECT_EQ(*df::expand("${W/h?l/X}", v), "Xlo");
    EXPECT_EQ(*df::expand("${W#??}", v), "llo");
    EXPECT_EQ(*df::expand("${W//l/L}", v), "h\xC3\xA9LLo");
    EXPECT_EQ(*df::expand("${W//\\*/x}", {{"W", "a*b*"}}), "axbx");
}

TEST(DockerfileExpand, LaterEntriesWinAndUnsetIsEmpty) {
    df::Vars v = {{"X", "1"}, {"Y", "2"}, {"X", "3"}};
    EXPECT_EQ(*df::expand("$X$Y$Z", v), "32");
    EXPECT_EQ(*df::expand("", v), "");
}
