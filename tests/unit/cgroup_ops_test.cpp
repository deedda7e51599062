// update's inputs: sizes, durations, runc's flags and the --resources JSON.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/cgroup_ops.hpp"

namespace brig::runtime {
namespace {

using ::testing::HasSubstr;

TEST(CgroupOps, MemorySizes) {
    EXPECT_EQ(parse_memory_size("512m").value(), 512LL << 20);
    EXPECT_EQ(parse_memory_size("512M").value(), 512LL << 20);
    EXPECT_EQ(parse_memory_size("1g").value(), 1LL << 30);
    EXPECT_EQ(parse_memory_size("1.5g").value(), 3LL << 29);
    EXPECT_EQ(parse_memory_size("64KiB").value(), 64LL << 10);
    EXPECT_EQ(parse_memory_size("100MB").value(), 100LL << 20);
    EXPECT_EQ(parse_memory_size("4096").value(), 4096);
    EXPECT_EQ(parse_memory_size("10 k").value(), 10240);
    EXPECT_EQ(parse_memory_size("2b").value(), 2);
    EXPECT_EQ(parse_memory_size("-1").value(), -1);
    for (const char* bad : {"", "m", "12x", "1..2m", "-2", "1mm", ".5m", "99999999999p"})
        EXPECT_FALSE(parse_memory_size(bad).has_value()) << bad;
}

TEST(CgroupOps, Durations) {
    using std::chrono::milliseconds;
    EXPECT_EQ(parse_duration("5s").value(), milliseconds(5000));
    EXPECT_EQ(parse_duration("500ms").value(), milliseconds(500));
    EXPECT_EQ(parse_duration("1m30s").value(), milliseconds(90000));
    EXPECT_EQ(parse_duration("1.5s").value(), milliseconds(1500));
    EXPECT_EQ(parse_duration("2h").value(), milliseconds(7200000));
    EXPECT_EQ(parse_duration("0").value(), milliseconds(0));
    for (const char* bad : {"", "5", "s", "5x", "1d"}) EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
}

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
