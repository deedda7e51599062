// update's inputs: runc's flags and the --resources JSON (sizes and durations: common_units_test).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/cgroup_ops.hpp"

namespace brig::runtime {
namespace {

using ::testing::HasSubstr;

TEST(CgroupOps, UpdateFlags) {
    auto r = resources_from_update_flags({{"memory", "512m"},
                                          {"memory-swap", "1g"},
                                          {"memory-reservation", "256m"},
                                          {"cpu-quota", "-1"},
                                          {"cpu-period", "100000"},
                                          {"cpu-share", "512"},
                                          {"cpu-burst", "1000"},
                                          {"cpu-rt-period", "1000000"},
                                          {"cpu-rt-runtime", "950000"},
                                          {"cpuset-cpus", "0-1"},
                                          {"cpuset-mems", "0"},
                                          {"pids-limit", "100"},
                                          {"blkio-weight", "500"}});
    ASSERT_TRUE(r.has_value()) << r.error().what();
    EXPECT_EQ(r->memory->limit, 512LL << 20);
    EXPECT_EQ(r->memory->swap, 1LL << 30);
    EXPECT_EQ(r->memory->reservation, 256LL << 20);
    EXPECT_EQ(r->cpu->quota, -1);
    EXPECT_EQ(r->cpu->period, 100000u);
    EXPECT_EQ(r->cpu->shares, 512u);
    EXPECT_EQ(r->cpu->burst, 1000u);
    EXPECT_EQ(r->cpu->realtimePeriod, 1000000u);
    EXPECT_EQ(r->cpu->realtimeRuntime, 950000);
    EXPECT_EQ(r->cpu->cpus, "0-1");
    EXPECT_EQ(r->cpu->mems, "0");
    EXPECT_EQ(r->pids->limit, 100);
    EXPECT_EQ(r->blockIO->weight, 500);
    EXPECT_FALSE(r->hugepageLimits.size());
}

TEST(CgroupOps, UpdateFlagSizeMinusOneIsUnlimited) {
    auto r = resources_from_update_flags({{"memory", "-1"}, {"memory-swap", "-1"}});
    ASSERT_TRUE(r.has_value()) << r.error().what();
    EXPECT_EQ(r->memory->limit, -1);
    EXPECT_EQ(r->memory->swap, -1);
    EXPECT_FALSE(resources_from_update_flags({{"memory", "-2"}}).has_value());
}

TEST(CgroupOps, UpdateFlagErrorsNameTheFlag) {
    auto r = resources_from_update_flags({{"cpu-period", "-5"}});
    ASSERT_FALSE(r.has_value());
    EXPECT_THAT(r.error().what(), HasSubstr("--cpu-period"));
    r = resources_from_update_flags({{"memory", "lots"}});
    ASSERT_FALSE(r.has_value());
    EXPECT_THAT(r.error().what(), HasSubstr("--memory: invalid size \"lots\""));
    r = resources_from_update_flags({{"cpuset-cpus", "0-x"}});
    ASSERT_FALSE(r.has_value());
    EXPECT_THAT(r.error().what(), HasSubstr("linux.resources.cpu.cpus"));
    r = resources_from_update_flags({{"l3-cache-schema", "L3:0=f"}});
    ASSERT_FALSE(r.has_value());
    EXPECT_THAT(r.error().what(), HasSubstr("Intel RDT"));
}

TEST(CgroupOps, ResourcesJson) {
    auto r = parse_resources(R"({"memory":{"limit":1048576,"swap":2097152},"pids":{"limit":5},
                                 "unified":{"memory.high":"100"},"devices":[{"allow":false,"access":"rwm"}]})");
    ASSERT_TRUE(r.has_value()) << r.error().what();
    EXPECT_EQ(r->memory->limit, 1048576);
    EXPECT_EQ(r->pids->limit, 5);
    EXPECT_EQ(r->unified.at("memory.high"), "100");
    EXPECT_EQ(r->devices.size(), 1u);
    EXPECT_TRUE(parse_resources("{}").has_value());
    auto bad = parse_resources(R"({"memory":{"limit":"big"}})");
    ASSERT_FALSE(bad.has_value());
    EXPECT_THAT(bad.error().what(), HasSubstr("linux.resources.memory.limit"));
    EXPECT_FALSE(parse_resources("[1]").has_value());
    EXPECT_FALSE(parse_resources("{").has_value());
    auto esc = parse_resources(R"({"unified":{"../x":"1"}})");
    ASSERT_FALSE(esc.has_value());
    EXPECT_THAT(esc.error().what(), HasSubstr("unified"));
}

// What update saves: the given fields merged into the stored linux.resources.
TEST(CgroupOps, MergeResources) {
    using nlohmann::json;
    json stored = json::parse(R"({"memory":{"limit":100,"swap":150,"reservation":50},"pids":{"limit":10},
                                  "devices":[{"allow":false,"access":"rwm"}],"unified":{"a":"1"}})");
    auto u = resource_update_from_flags({{"memory", "200"}});
    ASSERT_TRUE(u.has_value()) << u.error().what();
    merge_resources(stored, json::parse(u->json));
    // The new limit keeps the swap allowance (50) and everything else.
    EXPECT_EQ(stored["memory"], json::parse(R"({"limit":200,"swap":250,"reservation":50})"));
    EXPECT_EQ(stored["pids"]["limit"], 10);
    merge_resources(stored, json::parse(R"({"pids":{"limit":3},"memory":{"limit":300,"swap":400},"unified":{"b":"2"},
                                            "devices":[],"cpu":{"shares":512,"cpus":null}})"));
    EXPECT_EQ(stored["memory"], json::parse(R"({"limit":300,"swap":400,"reservation":50})"));
    EXPECT_EQ(stored["pids"]["limit"], 3);
    EXPECT_EQ(stored["unified"], json::parse(R"({"a":"1","b":"2"})"));
    EXPECT_EQ(stored["devices"].size(), 1u) << "update leaves device rules alone";
    EXPECT_EQ(stored["cpu"], json::parse(R"({"shares":512})"));
    merge_resources(stored, json::parse(R"({"memory":{"limit":-1}})"));
    EXPECT_EQ(stored["memory"]["swap"], -1);
    json empty;  // a config without linux.resources
    merge_resources(empty, json::parse(R"({"memory":{"limit":5}})"));
    EXPECT_EQ(empty, json::parse(R"({"memory":{"limit":5}})"));
}

}  // namespace
}  // namespace brig::runtime
