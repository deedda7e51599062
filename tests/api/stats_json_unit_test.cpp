// docker's stats JSON from the engine's samples: the fields docker's CLI computes its columns
// from (CPU % from the two cpu_stats, memory, block I/O, pids, networks).
#include <gtest/gtest.h>

#include "api/stats_json.hpp"

using brig::api::HostCpu;

TEST(StatsJson, ProcStatIsTheSumOfTheFirstEightFieldsInNanoseconds) {
    std::string text = "cpu  100 2 30 400 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
    EXPECT_EQ(brig::api::parse_proc_stat_ns(text, 100), (100 + 2 + 30 + 400 + 5 + 6 + 7 + 8) * 10000000ull);
    EXPECT_EQ(brig::api::parse_proc_stat_ns("intr 1 2 3\n", 100), 0u);
    EXPECT_EQ(brig::api::parse_proc_stat_ns("", 100), 0u);
}

TEST(StatsJson, TwoSamplesGiveDockersCpuPercentAndTheOtherColumns) {
    brig::engine::ContainerRecord rec;
    rec.id.assign(64, 'a');
    rec.name.assign("web");
    brig::engine::StatsSample pre, cur;
    pre.cpu_ns = 1'000'000'000;
    cur.cpu_ns = 1'500'000'000;
    cur.mem_usage = 4 << 20;
    cur.mem_limit = 64 << 20;
    cur.pids = 3;
    cur.blk_read = 4096;
    cur.blk_write = 8192;
    cur.net_rx = 10;
    cur.net_tx = 20;
    HostCpu ph{.system_ns = 10'000'000'000, .online_cpus = 2, .read = "2026-12-07T10:00:00Z"};
    HostCpu ch{.system_ns = 12'000'000'000, .online_cpus = 2, .read = "2026-12-07T10:00:01Z"};
    auto j = brig::api::stats_json(rec, pre, ph, cur, ch, true);
    // docker's CLI: (cpu delta / system delta) * online cpus * 100 = 0.5 / 2 * 2 * 100 = 50 %.
    double cpu_delta = j["cpu_stats"]["cpu_usage"]["total_usage"].get<double>() - j["precpu_stats"]["cpu_usage"]["total_usage"].get<double>();
    double sys_delta = j["cpu_stats"]["system_cpu_usage"].get<double>() - j["precpu_stats"]["system_cpu_usage"].get<double>();
    EXPECT_DOUBLE_EQ(cpu_delta / sys_delta * j["cpu_stats"]["online_cpus"].get<double>() * 100, 50.0);
    EXPECT_EQ(j["memory_stats"]["usage"], 4u << 20);
    EXPECT_EQ(j["memory_stats"]["limit"], 64u << 20);
    EXPECT_EQ(j["pids_stats"]["current"], 3);
    EXPECT_EQ(j["blkio_stats"]["io_service_bytes_recursive"][0]["op"], "read");
    EXPECT_EQ(j["blkio_stats"]["io_service_bytes_recursive"][1]["value"], 8192);
    EXPECT_EQ(j["networks"]["eth0"]["tx_bytes"], 20);
    EXPECT_EQ(j["name"], "/web");
    EXPECT_EQ(j["read"], "2026-12-07T10:00:01Z");
    EXPECT_EQ(j["preread"], "2026-12-07T10:00:00Z");
}

TEST(StatsJson, AOneShotOrStoppedContainerHasZeroedStats) {
    brig::engine::ContainerRecord rec;
    rec.name.assign("x");
    rec.host.network_mode.assign("none");
    HostCpu now{.system_ns = 5, .online_cpus = 2, .read = "2026-12-07T10:00:01Z"};
    auto one = brig::api::stats_json(rec, {}, {}, {}, now, true);
    EXPECT_EQ(one["precpu_stats"]["system_cpu_usage"], 0);
    EXPECT_EQ(one["preread"], "0001-01-01T00:00:00Z");
    EXPECT_FALSE(one.contains("networks"));  // --network none
    auto stopped = brig::api::stats_json(rec, {}, {}, {}, now, false);
    EXPECT_EQ(stopped["read"], "0001-01-01T00:00:00Z");
    EXPECT_TRUE(stopped["memory_stats"].empty());
    EXPECT_TRUE(stopped["blkio_stats"]["io_service_bytes_recursive"].empty());
}
