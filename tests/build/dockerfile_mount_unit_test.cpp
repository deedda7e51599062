// RUN --mount (build/dockerfile/mount.hpp): BuildKit's CSV, the keys of each mount type,
// normalization, expansion and errors.
#include <gtest/gtest.h>

#include "build/dockerfile/decode.hpp"
#include "build/dockerfile/mount.hpp"
#include "build/dockerfile/parser.hpp"

namespace df = brig::build::dockerfile;
using Options = std::vector<std::pair<std::string, std::string>>;

namespace {

brig::Result<std::vector<df::Mount>> mounts(std::string_view flags, const df::Vars& vars = {}) {
    auto p = df::parse("FROM x\nRUN " + std::string(flags) + " true");
    if (!p) return std::unexpected(p.error());
    auto c = df::decode(p->stages[0].body[0], vars);
    if (!c) return std::unexpected(c.error());
    return std::get<df::Run>(*c).mounts;
}

}  // namespace

TEST(DockerfileMount, Csv) {
    using df::detail::csv_fields;
    EXPECT_EQ(*csv_fields("a,b=c,,d"), (std::vector<std::string>{"a", "b=c", "", "d"}));
    EXPECT_EQ(*csv_fields("\"target=/a,b\",x"), (std::vector<std::string>{"target=/a,b", "x"}));
    EXPECT_EQ(*csv_fields("\"say \"\"hi\"\"\""), (std::vector<std::string>{"say \"hi\""}));
    EXPECT_EQ(*csv_fields("a,"), (std::vector<std::string>{"a", ""}));
    EXPECT_EQ(csv_fields("a=\"b\"").error().message, "bare \" in non-quoted-field");
    EXPECT_EQ(csv_fields("\"open").error().message, "extraneous or missing \" in quoted-field");
    EXPECT_EQ(csv_fields("\"a\"b").error().message, "extraneous or missing \" in quoted-field");
}

TEST(DockerfileMount, TypesAndNormalizedOptions) {
    struct Case {
        const char* flag;
        const char* type;
        Options options;
    } cases[] = {
        {"--mount=target=/src", "bind", {{"target", "/src"}}},
        {"--mount=type=bind,src=ctx,dst=/src,rw", "bind", {{"source", "ctx"}, {"target", "/src"}, {"readonly", "false"}}},
        {"--mount=type=bind,from=build,source=/out,destination=/in,ro", "bind",
         {{"from", "build"}, {"source", "/out"}, {"target", "/in"}, {"readonly", "true"}}},
        {"--mount=type=bind,target=/a,readonly=false", "bind", {{"target", "/a"}, {"readonly", "false"}}},
        {"--mount=type=bind,target=/a,readwrite=0", "bind", {{"target", "/a"}, {"readonly", "true"}}},
        {"--mount=type=cache,target=/root/.cache,id=pip,sharing=LOCKED,mode=0755,uid=1000,gid=1000", "cache",
         {{"target", "/root/.cache"}, {"id", "pip"}, {"sharing", "locked"}, {"mode", "0755"}, {"uid", "1000"},
          {"gid", "1000"}}},
        {"--mount=type=tmpfs,target=/tmp,size=64m", "tmpfs", {{"target", "/tmp"}, {"size", "64m"}}},
        {"--mount=type=secret,id=aws,target=/root/.aws/credentials,required", "secret",
         {{"id", "aws"}, {"target", "/root/.aws/credentials"}, {"required", "true"}}},
        {"--mount=type=secret,id=tok,env=TOKEN,required=false", "secret",
         {{"id", "tok"}, {"env", "TOKEN"}, {"required", "false"}}},
        {"--mount=type=ssh", "ssh", {}},
        {"--mount=TYPE=SSH,id=default,required=true", "ssh", {{"id", "default"}, {"required", "true"}}},
        {"--mount=\"type=bind,target=/a b\"", "bind", {{"target", "/a b"}}},
    };
    for (const Case& c : cases) {
        auto m = mounts(c.flag);
        ASSERT_TRUE(m.has_value()) << c.flag << ": " << m.error().message;
        ASSERT_EQ(m->size(), 1u) << c.flag;
        EXPECT_EQ((*m)[0].type, c.type) << c.flag;
        EXPECT_EQ((*m)[0].options, c.options) << c.flag;
    }
}

TEST(DockerfileMount, SeveralAndExpanded) {
    auto m = mounts("--mount=type=cache,target=$HOME/.cache,id=${ID:-dflt} --mount=type=secret,id=$S", {{"HOME", "/root"}, {"S", "npmrc"}});
    ASSERT_TRUE(m.has_value()) << m.error().message;
    ASSERT_EQ(m->size(), 2u);
    EXPECT_EQ((*m)[0].options, (Options{{"target", "/root/.cache"}, {"id", "dflt"}}));
    EXPECT_EQ((*m)[1].options, (Options{{"id", "npmrc"}}));
}

TEST(DockerfileMount, Errors) {
    struct Case {
        const char* flag;
        const char* message;
    } cases[] = {
        {"--mount=type=volume,target=/a", "unsupported mount type \"volume\""},
        {"--mount=type=bind,target=/a,size=1m", "unexpected key 'size' for mount type 'bind'"},
        {"--mount=type=bind,target=/a,sharing=shared", "unexpected key 'sharing' for mount type 'bind'"},
        {"--mount=type=cache,target=/a,sharing=open", "unsupported sharing value \"open\""},
        {"--mount=type=bind,target=/a,required", "unexpected key 'required' for mount type 'bind'"},
        {"--mount=type=bind,target=/a,mode=0644", "mode not allowed for \"bind\" type mounts"},
        {"--mount=type=cache,target=/a,mode=9", "invalid value 9 for mode"},
        {"--mount=type=cache,target=/a,uid=-1", "invalid value -1 for uid"},
        {"--mount=type=tmpfs,target=/a,size=lots", "invalid value for size: lots"},
        {"--mount=type=bind,target=/a,ro=maybe", "invalid value for ro: maybe"},
        {"--mount=type=bind,target=/a,bogus=1", "unexpected key 'bogus' in 'bogus=1'"},
        {"--mount=type=bind,target=/a,nokey", "invalid field 'nokey' must be a key=value pair"},
        {"--mount=type=cache", "mount type=cache needs a target"},
        {"--mount=type=secret", "invalid secret mount: one of id, source, target or env is required"},
        {"--mount=type=secret,id=a,source=b", "both source and id can't be set"},
        {"--mount=type=secret,id=a,from=x", "secret mount should not have a from"},
        {"--mount=type=bind,target=/a,env=X", "unexpected key 'env' for mount type 'bind'"},
    };
    for (const Case& c : cases) {
        auto m = mounts(c.flag);
        ASSERT_FALSE(m.has_value()) << c.flag;
        std::string value = std::string(c.flag).substr(8);
        EXPECT_EQ(m.error().message, "Dockerfile:2:5: --mount=" + value + ": " + c.message) << c.flag;
    }
    auto quote = mounts("--mount=target=a\\\"b");  // the Dockerfile has a\"b: the flag's value a"b
    ASSERT_FALSE(quote.has_value());
    EXPECT_EQ(quote.error().message,
              "Dockerfile:2:5: --mount=target=a\"b: failed to parse csv mounts: bare \" in non-quoted-field");
    auto bad = mounts("--mount=type=bind,target=${T");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().message,
              "Dockerfile:2:5: --mount=type=bind,target=${T: failed to process \"${T\": syntax error: missing '}'");
}
