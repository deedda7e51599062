// to_json / to_string: what the parser reads, the writer writes back. Every config of
// the parser's tests goes parse -> write -> parse to an equal model, and the writer
// leaves out exactly what the runtime-spec's JSON leaves out.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "oci/spec.hpp"
#include "oci/write.hpp"
#include "sample_configs.hpp"

namespace brig::oci {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// parse(text) -> write -> parse; the two models must be equal.
void expect_round_trip(const std::string& text, const std::string& name) {
    auto first = parse_spec(text);
    ASSERT_TRUE(first) << name << ": " << first.error().message;
    std::string written = to_string(*first);
    auto second = parse_spec(written);
    ASSERT_TRUE(second) << name << ": " << second.error().message << "\n" << written;
    EXPECT_TRUE(*first == *second) << name << ": the written config parses differently:\n" << written;
    EXPECT_EQ(to_string(*second), written) << name << ": writing is not stable";
}

TEST(OciWrite, FullConfigRoundTrips) { expect_round_trip(sample::kFullConfig, "full config"); }

TEST(OciWrite, MinimalConfigRoundTrips) { expect_round_trip(sample::minimal().dump(), "minimal config"); }

TEST(OciWrite, AcceptedEdgeCasesRoundTrip) {
    for (const auto& tc : sample::kAcceptedEdgeCases) {
        json c = sample::minimal();
        tc.mutate(c);
        expect_round_trip(c.dump(), tc.name);
    }
}

TEST(OciWrite, DefaultSpecsRoundTrip) {
    expect_round_trip(default_spec_json(false, 0, 0), "default spec");
    expect_round_trip(default_spec_json(true, 1000, 1001), "rootless default spec");
}

TEST(OciWrite, ProcessRoundTrips) {
    auto first = parse_process(R"({"args": ["ls"], "cwd": "/tmp", "user": {"uid": 5, "gid": 6, "umask": 0},
                                   "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 0, "soft": 0}],
                                   "scheduler": {"policy": "SCHED_BATCH"}})");
    ASSERT_TRUE(first) << first.error().message;
    auto second = parse_process(to_json(*first).dump());
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_TRUE(*first == *second) << to_json(*first).dump();
}

// What is written for the minimal config, member for member: required members even when
// zero (user.uid), nothing for empty optional ones, and linux as the parser filled it in.
TEST(OciWrite, MinimalConfigIsWrittenAsTheRuntimeSpecWould) {
    auto spec = parse_spec(sample::minimal().dump());
    ASSERT_TRUE(spec) << spec.error().message;
    ordered_json expected = ordered_json::parse(R"({
        "ociVersion": "1.3.0",
        "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"},
        "root": {"path": "rootfs"},
        "linux": {"namespaces": [{"type": "mount"}]}
    })");
    EXPECT_EQ(to_json(*spec), expected) << to_json(*spec).dump();
}

TEST(OciWrite, ZeroValuesFollowOmitempty) {
    Spec s;
    s.ociVersion = kSpecVersion;
    s.root.path = "rootfs";
    auto& lx = s.linux.emplace();
    lx.resources.emplace().devices = {DeviceRule{.allow = false, .access = "rwm"}};
    lx.devices = {Device{.type = "c", .path = "/dev/x"}};
    lx.memoryPolicy = MemoryPolicy{.mode = "MPOL_LOCAL"};
    lx.resources->memory = MemoryResources{.disableOOMKiller = false};
    ordered_json j = to_json(s);
    EXPECT_FALSE(j.contains("process"));
    EXPECT_FALSE(j.contains("hostname"));
    EXPECT_FALSE(j.contains("mounts"));
    EXPECT_EQ(j["root"], ordered_json({{"path", "rootfs"}}));
    // allow has no omitempty: false is written.
    EXPECT_EQ(j["linux"]["resources"]["devices"][0], ordered_json({{"allow", false}, {"access", "rwm"}}));
    // An optional that is set is written even when it holds false.
    EXPECT_EQ(j["linux"]["resources"]["memory"], ordered_json({{"disableOOMKiller", false}}));
    EXPECT_EQ(j["linux"]["devices"][0], ordered_json({{"path", "/dev/x"}, {"type", "c"}, {"major", 0}, {"minor", 0}}));
    EXPECT_EQ(j["linux"]["memoryPolicy"], ordered_json({{"mode", "MPOL_LOCAL"}, {"nodes", ""}}));
}

TEST(OciWrite, ResolvedNumbersAreNotWritten) {
    auto spec = parse_spec(sample::kFullConfig);
    ASSERT_TRUE(spec) << spec.error().message;
    ordered_json j = to_json(*spec);
    EXPECT_EQ(j["process"]["rlimits"][0], ordered_json({{"type", "RLIMIT_NOFILE"}, {"hard", 4096}, {"soft", 1024}}));
    EXPECT_FALSE(j["process"]["capabilities"].contains("masks"));
    EXPECT_FALSE(j["process"]["scheduler"].contains("policy_number"));
}

TEST(OciWrite, TextIsLaidOutAsRuncWritesIt) {
    auto spec = parse_spec(sample::minimal().dump());
    ASSERT_TRUE(spec) << spec.error().message;
    std::string text = to_string(*spec);
    EXPECT_TRUE(text.starts_with("{\n\t\"ociVersion\": \"1.3.0\",\n\t\"process\": {\n\t\t\"user\": {")) << text;
    EXPECT_TRUE(text.ends_with("\n}")) << text;
}

}  // namespace
}  // namespace brig::oci
