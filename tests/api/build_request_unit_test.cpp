// POST /build's query: what the docker CLI sends by default parses to the builder's defaults;
// tags, build args and labels come through; what the builder does not honour is refused by name.
#include <gtest/gtest.h>

#include "api/build_request.hpp"

namespace brig::api {
namespace {

Request with(std::initializer_list<std::pair<const char*, const char*>> q) {
    Request r;
    r.method = "POST";
    r.path = "/build";
    for (auto& [k, v] : q) r.query.emplace(k, v);
    return r;
}

// The query the 20.10 CLI sends for `docker build .`.
Request cli_default() {
    return with({{"buildargs", "{}"}, {"cachefrom", "[]"}, {"cgroupparent", ""}, {"cpuperiod", "0"}, {"cpuquota", "0"},
                 {"cpusetcpus", ""}, {"cpusetmems", ""}, {"cpushares", "0"}, {"dockerfile", "Dockerfile"}, {"labels", "{}"},
                 {"memory", "0"}, {"memswap", "0"}, {"networkmode", "default"}, {"rm", "1"}, {"shmsize", "0"},
                 {"target", ""}, {"ulimits", "null"}, {"version", "1"}});
}

TEST(BuildRequest, TheClisDefaultsAreTheBuildersDefaults) {
    auto b = parse_build_request(cli_default());
    ASSERT_TRUE(b) << b.error().what();
    EXPECT_EQ(b->dockerfile, "Dockerfile");
    EXPECT_TRUE(b->tags.empty());
    EXPECT_EQ(b->pull, "missing");
    EXPECT_EQ(b->network, "");
    EXPECT_EQ(b->cgroup_parent, "");
    EXPECT_FALSE(b->quiet);
    EXPECT_TRUE(b->warnings.empty());
}

TEST(BuildRequest, TagsArgsAndLabels) {
    auto req = with({{"t", "app:1"}, {"t", "registry.local:5000/team/app"}, {"q", "1"}, {"nocache", "1"}, {"pull", "1"},
                     {"buildargs", R"({"A":"x","UNSET":null,"SOURCE_DATE_EPOCH":"1700000000"})"},
                     {"labels", R"({"k":"v"})"}, {"networkmode", "none"}, {"cgroupparent", "/mine"}, {"target", "build"}});
    auto b = parse_build_request(req);
    ASSERT_TRUE(b) << b.error().what();
    EXPECT_EQ(b->tags, (std::vector<std::string>{"docker.io/library/app:1", "registry.local:5000/team/app:latest"}));
    EXPECT_EQ(b->shown_tags, (std::vector<std::string>{"app:1", "registry.local:5000/team/app:latest"}));
    EXPECT_TRUE(b->quiet && b->no_cache);
    EXPECT_EQ(b->pull, "always");
    ASSERT_EQ(b->build_args.size(), 2u);  // UNSET (null) is dropped
    EXPECT_EQ(b->source_date_epoch, 1700000000);
    EXPECT_EQ(b->labels.at("k"), "v");
    EXPECT_EQ(b->network, "none");
    EXPECT_EQ(b->cgroup_parent, "/mine");
    EXPECT_EQ(b->target, "build");
}

TEST(BuildRequest, RefusedParametersAreNamed) {
    auto refused = [](std::initializer_list<std::pair<const char*, const char*>> q, const std::string& name) {
        auto b = parse_build_request(with(q));
        if (b) return ::testing::AssertionFailure() << "accepted";
        if (b.error().message.find(name) == std::string::npos) return ::testing::AssertionFailure() << b.error().message;
        return ::testing::AssertionSuccess();
    };
    EXPECT_TRUE(refused({{"version", "2"}}, "BuildKit"));
    EXPECT_TRUE(refused({{"remote", "https://example.com/ctx.tar"}}, "remote"));
    EXPECT_TRUE(refused({{"memory", "67108864"}}, "memory"));
    EXPECT_TRUE(refused({{"extrahosts", "a:1.2.3.4"}}, "extrahosts"));
    EXPECT_TRUE(refused({{"networkmode", "bridge"}}, "networkmode"));
    EXPECT_TRUE(refused({{"cgroupparent", "relative"}}, "cgroupparent"));
    EXPECT_TRUE(refused({{"t", "Bad:Name:x"}}, "t:"));
    EXPECT_TRUE(refused({{"buildargs", "[1]"}}, "buildargs"));
    EXPECT_TRUE(refused({{"labels", R"({"k":1})"}}, "labels"));
    EXPECT_TRUE(refused({{"buildargs", R"({"SOURCE_DATE_EPOCH":"soon"})"}}, "SOURCE_DATE_EPOCH"));
    EXPECT_TRUE(refused({{"platform", "linux/arm64"}}, "platform"));
    auto b = parse_build_request(with({{"cachefrom", R"(["app:cache"])"}}));
    ASSERT_TRUE(b);
    EXPECT_EQ(b->warnings.size(), 1u);
}

}  // namespace
}  // namespace brig::api
