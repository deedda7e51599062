// The stage graph: bases, reads, the target and what it needs; the image state's metadata
// instructions; cache keys.
#include <gtest/gtest.h>

#include "build/cache.hpp"
#include "build/dockerfile/decode.hpp"
#include "build/dockerfile/dockerfile.hpp"
#include "build/graph.hpp"
#include "build/image_state.hpp"

namespace brig::build {
namespace {

namespace df = dockerfile;

StageGraph plan(const std::string& text, const std::string& target = "", df::Vars vars = {}) {
    auto f = df::parse(text);
    EXPECT_TRUE(f) << (f ? "" : f.error().what());
    auto g = plan_stages(*f, vars, target);
    EXPECT_TRUE(g) << (g ? "" : g.error().what());
    return g ? *g : StageGraph{};
}

TEST(StageGraph, TargetNeedsOnlyWhatItBuildsOnAndCopiesFrom) {
    auto g = plan(
        "FROM busybox AS base\n"
        "FROM base AS build\nRUN make\n"
        "FROM busybox AS unused\nRUN sleep 1\n"
        "FROM scratch\nCOPY --from=build /out /out\nCOPY --from=0 /x /x\n");
    ASSERT_EQ(g.stages.size(), 4u);
    EXPECT_EQ(g.target, 3);
    EXPECT_EQ(g.stages[1].base_stage, 0);
    EXPECT_FALSE(g.stages[0].base_stage);
    EXPECT_EQ(g.stages[3].reads, (std::vector<int>{1, 0}));
    EXPECT_TRUE(g.stages[0].needed);
    EXPECT_TRUE(g.stages[1].needed);
    EXPECT_FALSE(g.stages[2].needed);
    EXPECT_TRUE(g.stages[3].needed);
}

TEST(StageGraph, TargetByNameSkipsLaterStages) {
    auto g = plan("FROM busybox AS a\nFROM busybox AS b\nFROM a\n", "A");
    EXPECT_EQ(g.target, 0);
    EXPECT_TRUE(g.stages[0].needed);
    EXPECT_FALSE(g.stages[1].needed);
    EXPECT_FALSE(g.stages[2].needed);
}

TEST(StageGraph, GlobalArgsExpandInFrom) {
    auto g = plan("ARG TAG=1\nFROM busybox:${TAG}\n", "", {{"TAG", "1.36"}});
    EXPECT_EQ(g.stages[0].base, "busybox:1.36");
}

TEST(StageGraph, RunMountFromIsARead) {
    auto g = plan("FROM busybox AS tools\nFROM busybox\nRUN --mount=type=bind,from=tools,target=/t ls /t\n");
    EXPECT_EQ(g.stages[1].reads, (std::vector<int>{0}));
    EXPECT_TRUE(g.stages[0].needed);
}

TEST(StageGraph, Errors) {
    auto f = df::parse("FROM busybox AS a\nFROM busybox AS a\n");  // the parser or the plan refuses it
    EXPECT_TRUE(!f || !plan_stages(*f, {}, ""));
    auto f2 = df::parse("FROM busybox AS a\n");
    ASSERT_TRUE(f2);
    auto r = plan_stages(*f2, {}, "nope");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("nope"), std::string::npos);
    auto f3 = df::parse("FROM busybox AS a\nCOPY --from=a /x /y\n");
    ASSERT_TRUE(f3);
    EXPECT_FALSE(plan_stages(*f3, {}, ""));
}

df::Command decoded(const std::string& line, const df::Vars& vars = {}) {
    auto f = df::parse("FROM scratch\n" + line + "\n");
    EXPECT_TRUE(f) << (f ? "" : f.error().what());
    auto c = df::decode(f->stages[0].body[0], vars);
    EXPECT_TRUE(c) << (c ? "" : c.error().what());
    return *c;
}

TEST(ImageStateMeta, EveryMetadataInstruction) {
    ImageState s = scratch_state();
    for (const char* l : {"ENV A=1 B=\"two words\"", "ENV A=3", "LABEL x=y", "WORKDIR /app", "WORKDIR sub", "USER nobody",
                          "EXPOSE 80 53/udp", "VOLUME [\"/data\", \"rel\"]", "STOPSIGNAL SIGINT", "SHELL [\"/bin/ash\", \"-c\"]",
                          "CMD echo hi", "HEALTHCHECK --interval=5s --retries=2 CMD true", "ONBUILD RUN echo later",
                          "MAINTAINER someone"})
        ASSERT_TRUE(apply_metadata(s, decoded(l))) << l;
    EXPECT_EQ(s.env_value("A"), "3");
    EXPECT_EQ(s.env_value("B"), "two words");
    EXPECT_EQ(s.config["Labels"]["x"], "y");
    EXPECT_EQ(s.workdir(), "/app/sub");
    EXPECT_EQ(s.user(), "nobody");
    EXPECT_TRUE(s.config["ExposedPorts"].contains("80/tcp"));
    EXPECT_TRUE(s.config["ExposedPorts"].contains("53/udp"));
    EXPECT_TRUE(s.config["Volumes"].contains("/data"));
    EXPECT_TRUE(s.config["Volumes"].contains("/app/sub/rel"));
    EXPECT_EQ(s.config["StopSignal"], "SIGINT");
    EXPECT_EQ(s.config["Cmd"], (nlohmann::json{"/bin/ash", "-c", "echo hi"}));
    EXPECT_EQ(s.config["Healthcheck"]["Interval"], 5'000'000'000LL);
    EXPECT_EQ(s.config["Healthcheck"]["Retries"], 2);
    EXPECT_EQ(s.config["OnBuild"][0], "RUN echo later");
    EXPECT_EQ(s.author, "someone");
}

TEST(ImageStateMeta, EntrypointClearsAnInheritedCmdOnly) {
    ImageState s = scratch_state();
    s.config["Cmd"] = {"sh"};
    ASSERT_TRUE(apply_metadata(s, decoded("ENTRYPOINT [\"/bin/app\"]")));
    EXPECT_TRUE(s.config["Cmd"].is_null());
    ImageState t = scratch_state();
    ASSERT_TRUE(apply_metadata(t, decoded("CMD [\"--flag\"]")));
    ASSERT_TRUE(apply_metadata(t, decoded("ENTRYPOINT [\"/bin/app\"]")));
    EXPECT_EQ(t.config["Cmd"], (nlohmann::json{"--flag"}));
}

TEST(ImageStateMeta, ConfigIsDeterministic) {
    ImageState s = scratch_state();
    ASSERT_TRUE(apply_metadata(s, decoded("ENV A=1")));
    add_history(s, "ENV A=1", "2026-01-01T00:00:00Z", true);
    EXPECT_EQ(config_json(s, "2026-01-01T00:00:00Z"), config_json(s, "2026-01-01T00:00:00Z"));
    EXPECT_NE(config_json(s, "2026-01-01T00:00:00Z").find("\"empty_layer\":true"), std::string::npos);
}

TEST(CacheKey, ChainsEveryInput) {
    auto k = chain_key("p", "RUN a", "env");
    EXPECT_EQ(k.size(), 64u);
    EXPECT_EQ(k, chain_key("p", "RUN a", "env"));
    EXPECT_NE(k, chain_key("q", "RUN a", "env"));
    EXPECT_NE(k, chain_key("p", "RUN b", "env"));
    EXPECT_NE(k, chain_key("p", "RUN a", "env2"));
    EXPECT_NE(chain_key("p", "a\nb", ""), chain_key("p", "a", "b"));
}

}  // namespace
}  // namespace brig::build
