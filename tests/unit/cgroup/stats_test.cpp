// Stats in runc's `events --stats` shape, read from tables of cgroup files.
#include <gtest/gtest.h>

#include "cgroup/stats.hpp"
#include "fake_env.hpp"

namespace brig::cgroup {
namespace {

using testing::FakeCgroup;

TEST(CgroupStats, IdLists) {
    EXPECT_EQ(parse_id_list("0-3,7\n"), (std::vector<uint16_t>{0, 1, 2, 3, 7}));
    EXPECT_EQ(parse_id_list("5"), (std::vector<uint16_t>{5}));
    EXPECT_TRUE(parse_id_list("").empty());
    EXPECT_TRUE(parse_id_list("3-1").empty());
    EXPECT_TRUE(parse_id_list("a").empty());
}

TEST(CgroupStats, V1) {
    FakeCgroup f;
    for (const char* c : {"cpu", "cpuacct", "memory", "pids", "blkio", "cpuset"}) f.where[c] = Version::V1;
    f.file("cpuacct", "cpuacct.usage", "123456789");
    f.file("cpuacct", "cpuacct.usage_percpu", "100 200");
    f.file("cpuacct", "cpuacct.stat", "user 3\nsystem 2");
    f.file("cpu", "cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 5000");
    f.file("cpuset", "cpuset.cpus", "0-1");
    f.file("cpuset", "cpuset.mems", "0");
    f.file("memory", "memory.stat", "cache 4096\nrss 8192");
    f.file("memory", "memory.usage_in_bytes", "12288");
    f.file("memory", "memory.max_usage_in_bytes", "20000");
    f.file("memory", "memory.limit_in_bytes", "33554432");
    f.file("memory", "memory.failcnt", "7");
    f.file("memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2");
    f.file("pids", "pids.current", "3");
    f.file("pids", "pids.max", "max");
    f.file("blkio", "blkio.throttle.io_service_bytes_recursive", "254:0 Read 4096\n254:0 Write 0\nTotal 4096");
    f.file("blkio", "blkio.throttle.io_serviced_recursive", "254:0 Read 1\nTotal 1");
    auto s = read_stats(f.env(), {"2MB"}, 100);
    EXPECT_EQ(s["cpu"]["usage"]["total"], 123456789u);
    EXPECT_EQ(s["cpu"]["usage"]["percpu"], nlohmann::json({100, 200}));
    EXPECT_EQ(s["cpu"]["usage"]["user"], 30000000u);  // 3 ticks at 100 Hz
    EXPECT_EQ(s["cpu"]["usage"]["kernel"], 20000000u);
    EXPECT_EQ(s["cpu"]["throttling"]["throttledPeriods"], 4u);
    EXPECT_EQ(s["cpuset"]["cpus"], nlohmann::json({0, 1}));
    EXPECT_EQ(s["memory"]["cache"], 4096u);
    EXPECT_EQ(s["memory"]["usage"]["usage"], 12288u);
    EXPECT_EQ(s["memory"]["usage"]["limit"], 33554432u);
    EXPECT_EQ(s["memory"]["usage"]["failcnt"], 7u);
    EXPECT_EQ(s["memory"]["raw"]["rss"], 8192u);
    EXPECT_EQ(s["memory"]["event_count"]["oom_kill"], 2u);
    EXPECT_EQ(s["memory"]["swap"]["limit"], 0u);  // no memsw files
    EXPECT_EQ(s["pids"]["current"], 3u);
    EXPECT_FALSE(s["pids"].contains("limit"));  // "max": omitted, as runc's omitempty does
    auto bytes = s["blkio"]["ioServiceBytesRecursive"];
    ASSERT_EQ(bytes.size(), 2u);
    EXPECT_EQ(bytes[0], nlohmann::ordered_json({{"major", 254}, {"op", "Read"}, {"value", 4096}}));
    EXPECT_EQ(bytes[1], nlohmann::ordered_json({{"major", 254}, {"op", "Write"}}));
    EXPECT_EQ(s["hugetlb"], nlohmann::json::object());
    EXPECT_TRUE(s["network_interfaces"].is_null());
    EXPECT_EQ(oom_kill_count(f.env()), 2u);
}

TEST(CgroupStats, V2) {
    FakeCgroup f;
    for (const char* c : {"memory", "pids", "blkio", "hugetlb", "unified"}) f.where[c] = Version::V2;
    f.file("unified", "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 2\nnr_throttled 1\nthrottled_usec 7");
    f.file("memory", "memory.stat", "anon 100\nfile 200");
    f.file("memory", "memory.current", "300");
    f.file("memory", "memory.max", "1000");
    f.file("memory", "memory.swap.current", "50");
    f.file("memory", "memory.swap.max", "max");
    f.file("memory", "memory.events", "low 0\nhigh 0\nmax 9\noom 2\noom_kill 1");
    f.file("pids", "pids.current", "4");
    f.file("pids", "pids.max", "20");
    f.file("blkio", "io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0");
    f.file("hugetlb", "hugetlb.2MB.current", "2097152");
    f.file("hugetlb", "hugetlb.2MB.events", "max 3");
    auto s = read_stats(f.env(), {"2MB", "1GB"});
    EXPECT_EQ(s["cpu"]["usage"]["total"], 1500000u);
    EXPECT_EQ(s["cpu"]["usage"]["user"], 1000000u);
    EXPECT_EQ(s["cpu"]["throttling"]["throttledTime"], 7000u);
    EXPECT_EQ(s["memory"]["cache"], 200u);
    EXPECT_EQ(s["memory"]["usage"]["usage"], 300u);
    EXPECT_EQ(s["memory"]["usage"]["limit"], 1000u);
    EXPECT_EQ(s["memory"]["usage"]["failcnt"], 9u);
    EXPECT_EQ(s["memory"]["swap"]["usage"], 350u);  // memory + swap, as v1 counts it
    EXPECT_EQ(s["memory"]["swap"]["limit"], UINT64_MAX);
    EXPECT_EQ(s["memory"]["event_count"]["oom_kill"], 1u);
    EXPECT_EQ(s["pids"]["limit"], 20u);
    EXPECT_EQ(s["blkio"]["ioServicedRecursive"].size(), 2u);
    EXPECT_EQ(s["hugetlb"]["2MB"], nlohmann::ordered_json({{"usage", 2097152}, {"failcnt", 3}}));
    EXPECT_FALSE(s["hugetlb"].contains("1GB"));
    EXPECT_EQ(oom_kill_count(f.env()), 1u);
}

TEST(CgroupStats, ShapeHasEveryTopLevelKey) {
    FakeCgroup none;
    auto s = read_stats(none.env(), {});
    std::vector<std::string> keys;
    for (auto& [k, v] : s.items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt",
                                              "network_interfaces"}));
}

}  // namespace
}  // namespace brig::cgroup
