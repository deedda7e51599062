// .dockerignore matching (build/context/ignore.hpp) and the glob syntax under it (glob.hpp).
#include <gtest/gtest.h>

#include "build/context/glob.hpp"
#include "build/context/ignore.hpp"
#include "build/context/path.hpp"

namespace bc = brig::build::context;

namespace {

bool ex(std::string_view rules, std::string_view path) {
    auto ig = bc::Ignore::parse(rules);
    EXPECT_TRUE(ig.has_value()) << (ig ? "" : ig.error().message);
    return ig && ig->excluded(path);
}

bool gmatch(std::string_view pattern, std::string_view s) {
    auto g = bc::Glob::compile(pattern);
    EXPECT_TRUE(g.has_value()) << pattern;
    return g && g->match(s);
}

}  // namespace

TEST(ContextPath, CleanAsGo) {
    struct Case {
        const char* in;
        const char* out;
    } cases[] = {
        {"", "."},          {".", "."},        {"/", "/"},         {"a/", "a"},          {"./a", "a"},
        {"a//b", "a/b"},    {"a/./b", "a/b"},  {"a/../b", "b"},    {"../a", "../a"},     {"/../a", "/a"},
        {"a/b/../..", "."}, {"a/..", "."},     {"../../x", "../../x"}, {"/a/b/", "/a/b"}, {"a/../../b", "../b"},
    };
    for (const auto& c : cases) EXPECT_EQ(bc::clean_path(c.in), c.out) << c.in;
    EXPECT_EQ(bc::rel_in_root("../x"), "x");
    EXPECT_EQ(bc::rel_in_root("/a/../../b/"), "b");
    EXPECT_EQ(bc::rel_in_root("."), "");
    EXPECT_EQ(bc::rel_in_root("./a//b"), "a/b");
}

TEST(IgnoreGlob, GoMatchSyntax) {
    struct Case {
        const char* pattern;
        const char* s;
        bool match;
    } cases[] = {
        {"abc", "abc", true},     {"*", "abc", true},        {"*c", "abc", true},      {"a*", "a", true},
        {"a*", "abc", true},      {"a*", "ab/c", false},     {"a*/b", "abc/b", true},  {"a*/b", "a/c/b", false},
        {"a*b*c*d*e*/f", "axbxcxdxe/f", true},               {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true},
        {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false},          {"a*b?c*x", "abxbbxdbxebxczzx", true},
        {"a*b?c*x", "abxbbxdbxebxczzy", false},              {"ab[c]", "abc", true},   {"ab[b-d]", "abc", true},
        {"ab[e-g]", "abc", false},  {"ab[^c]", "abc", false}, {"ab[^b-d]", "abc", false}, {"ab[^e-g]", "abc", true},
        {"a\\*b", "a*b", true},   {"a\\*b", "ab", false},    {"a?b", "a\xe2\x98\xba" "b", true}, {"a[^a]b", "a\xe2\x98\xba" "b", true},
        {"a???b", "a\xe2\x98\xba" "b", false},               {"[a-\xce\xb6]*", "\xce\xb1", true}, {"*[a-\xce\xb6]", "A", false},
        {"a?b", "a/b", false},    {"a*b", "a/b", false},     {"[\\]a]", "]", true},    {"[\\-]", "-", true},
        {"[x\\-]", "x", true},    {"[x\\-]", "-", true},     {"[x\\-]", "z", false},   {"[\\-x]", "x", true},
        {"*x", "xxx", true},      {"[^/]", "/", false} /* Go: a class matches '/' unless it is in it */,
        {"[!a]", "!", true},      {"?", "", false},          {"*", "", true},
    };
    for (const auto& c : cases) EXPECT_EQ(gmatch(c.pattern, c.s), c.match) << c.pattern << " vs " << c.s;
    EXPECT_TRUE(gmatch("a[^x]b", "a/b"));  // as Go: a negated class takes '/'

    for (const char* bad : {"[]a]", "[-]", "[x-]", "[a-b-c]", "[", "[^", "[^bc", "a[", "a\\", "[\\", "[a-", "[z-a]", "[]"}) {
        EXPECT_FALSE(bc::Glob::compile(bad).has_value()) << bad;
    }
}

TEST(IgnoreRules, Table) {
    struct Case {
        const char* rules;
        const char* path;
        bool excluded;
    } cases[] = {
        // plain names, and a directory excluding what is below it
        {"node_modules", "node_modules", true},
        {"node_modules", "node_modules/a/b.js", true},
        {"node_modules", "src/node_modules", false},
        {"node_modules", "node_modules_x", false},
        // leading '/', "./", trailing '/', cleaning
        {"/foo/bar", "foo/bar", true},
        {"/foo/bar", "foo/bar/baz", true},
        {"/foo/bar", "x/foo/bar", false},
        {"./foo", "foo", true},
        {"foo/", "foo/x", true},
        {"foo//bar/./", "foo/bar", true},
        {"a/../b", "b", true},
        {"a/../b", "a", false},
        {"../x", "x", false},
        {"foo", "./foo", true},
        {"foo", "/foo/x", true},
        // the reference's examples
        {"*/temp*", "somedir/temporary.txt", true},
        {"*/temp*", "somedir/temp", true},
        {"*/temp*", "temp", false},
        {"*/temp*", "a/b/temp", false},
        {"*/*/temp*", "somedir/subdir/temporary.txt", true},
        {"*/*/temp*", "somedir/temporary.txt", false},
        {"temp?", "tempa", true},
        {"temp?", "temp", false},
        {"temp?", "tempab", false},
        {"*.md", "README.md", true},
        {"*.md", "docs/README.md", false},
        // exceptions: the last matching line wins
        {"*.md\n!README.md", "README.md", false},
        {"*.md\n!README.md", "CHANGES.md", true},
        {"*.md\n!README*.md\nREADME-secret.md", "README-secret.md", true},
        {"*.md\n!README*.md\nREADME-secret.md", "README-public.md", false},
        {"*.md\nREADME-secret.md\n!README*.md", "README-secret.md", false},
        {"dir\n!dir/keep", "dir", true},
        {"dir\n!dir/keep", "dir/keep", false},
        {"dir\n!dir/keep", "dir/keep/deep", false},
        {"dir\n!dir/keep", "dir/other", true},
        {"*\n!src", "src/a.c", false},
        {"*\n!src", "other", true},
        {"*\n!src\nsrc/gen", "src/gen/x.c", true},
        {"!x\nx", "x", true},
        // **
        {"**", "x", true},
        {"**", "a/b/c", true},
        {"**/*.go", "main.go", true},
        {"**/*.go", "a/b/main.go", true},
        {"**/*.go", "a/b/main.c", false},
        {"**/x", "x", true},
        {"**/x", "a/b/x", true},
        {"**/x", "ax", false},
        {"a/**", "a/b", true},
        {"a/**", "a/b/c", true},
        {"a/**", "a", false},
        {"a/**/b", "a/b", true},
        {"a/**/b", "a/x/y/b", true},
        {"a/**/b", "a/xb", false},
        {"a**b", "ab", true},  // docker: "**" before more pattern is "any directories", even here
        {"a**b", "ax/b", true},
        {"a**b", "axb", false},
        {"**/.git", "sub/module/.git/config", true},
        {"*\n!**/*.py", "a/b/c.py", false},
        {"*\n!**/*.py", "a/b/c.txt", true},
        // classes and escapes
        {"[a-c]x", "bx", true},
        {"[a-c]x", "dx", false},
        {"[^a]x", "bx", true},
        {"[^a]x", "ax", false},
        {"\\*x", "*x", true},
        {"\\*x", "ax", false},
        {"a\\?", "a?", true},
        {"a\\?", "ab", false},
        // comments, white space
        {"# comment\nfoo", "# comment", false},
        {"# comment\nfoo", "foo", true},
        {" #x", "#x", true},  // '#' only in column 1 starts a comment
        {"  foo  \t", "foo", true},
        {"foo\r\nbar\r\n", "bar", true},
        {"\n\n  \nfoo\n\n", "foo", true},
        {"*\n!  keep  ", "keep", false},
        {"\xEF\xBB\xBF" "foo", "foo", true},
        // the Dockerfile and the ignore file may be listed: excluded for COPY like anything else
        {"Dockerfile\n.dockerignore", "Dockerfile", true},
        {"Dockerfile\n.dockerignore", ".dockerignore", true},
        // the root itself is never excluded
        {"*", "", false},
        {"*", ".", false},
    };
    for (const auto& c : cases) EXPECT_EQ(ex(c.rules, c.path), c.excluded) << "rules: " << c.rules << "\npath: " << c.path;
}

TEST(IgnoreRules, ParseErrorsAndPatterns) {
    EXPECT_FALSE(bc::Ignore::parse("foo\n!\n").has_value());
    EXPECT_FALSE(bc::Ignore::parse("foo\n!   \n").has_value());
    auto bad = bc::Ignore::parse("ok\n[abc\n");
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().message.find("line 2"), std::string::npos) << bad.error().message;
    auto ig = bc::Ignore::parse("# c\n/a/b/\n!./c\n\n  d/../e  \n");
    ASSERT_TRUE(ig.has_value());
    EXPECT_EQ(ig->patterns(), (std::vector<std::string>{"a/b", "!c", "e"}));
    auto empty = bc::Ignore::parse("");
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->empty());
    EXPECT_FALSE(empty->excluded("anything"));
}

TEST(IgnoreRules, MayIncludeBelow) {
    struct Case {
        const char* rules;
        const char* dir;
        bool may;
    } cases[] = {
        {"dir\n!dir/keep", "dir", true},
        {"dir\n!other", "dir", false},
        {"dir\n!dir/keep\ndir", "dir", false},  // the exception comes before the line that excludes dir
        {"dir\n!**/*.go", "dir", true},
        {"*\n!src/**", "src", true},
        {"*\n!src/**", "lib", false},
        {"dir\n!dir*/x", "dir", true},
        {"dir\n!dir/a/b", "dir", true},
        {"a/b\n!a/b/c/d", "a/b", true},
        {"a\n!a/b/c", "a/x", false},
        {"a\n!a/*/c", "a/x", true},
        {"*.o", "build", false},
        {"build\n!build", "build", false},  // re-included itself: nothing to look for below
    };
    for (const auto& c : cases) {
        auto ig = bc::Ignore::parse(c.rules);
        ASSERT_TRUE(ig.has_value());
        EXPECT_EQ(ig->may_include_below(c.dir), c.may) << "rules: " << c.rules << "\ndir: " << c.dir;
    }
}
