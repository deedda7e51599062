// `brig update` on real containers: a running container's cgroups change at once, a stopped
// one's bundle keeps the new limits for its next start, and refusals change nothing.
#include <gtest/gtest.h>

#include <string>

#include "fixture.hpp"

namespace {

using namespace brig::test;

class EngineUpdate : public EngineFixture {
protected:
    std::string memory_limit(const std::string& id) {
        std::string mem = cgroup_file(id, "memory", "memory.limit_in_bytes");
        return mem.empty() ? cgroup_file(id, "memory", "memory.max") : mem;
    }
};

TEST_F(EngineUpdate, RunningContainerGetsNewLimitsAndKeepsThemAfterARestart) {
    auto p = brig_run({"-d", "--name", "up", "--memory", "64m", "--pids-limit", "50"},
                      {"sh", "-c", "while true; do sleep 0.1; done"});
    ASSERT_EQ(p.code, 0) << p;
    std::string id = p.out.substr(0, 64);
    ASSERT_EQ(memory_limit(id), std::to_string(64 << 20) + "\n");

    p = brig({"update", "--memory", "128m", "--pids-limit", "70", "--cpus", "0.5", "--restart", "on-failure:2", "up"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "up\n");
    EXPECT_EQ(memory_limit(id), std::to_string(128 << 20) + "\n");
    EXPECT_EQ(cgroup_file(id, "pids", "pids.max"), "70\n");
    std::string quota = cgroup_file(id, "cpu", "cpu.cfs_quota_us");
    if (!quota.empty()) {
        EXPECT_EQ(quota, "50000\n");
    }
    auto j = inspect("up");
    EXPECT_EQ(j["HostConfig"]["Memory"], 128 << 20);
    EXPECT_EQ(j["HostConfig"]["PidsLimit"], 70);
    EXPECT_EQ(j["HostConfig"]["NanoCpus"], 500000000);
    EXPECT_EQ(j["HostConfig"]["RestartPolicy"]["Name"], "on-failure");
    EXPECT_EQ(j["HostConfig"]["RestartPolicy"]["MaximumRetryCount"], 2);

    // The next start reads the bundle, which has the new limits.
    ASSERT_EQ(brig({"stop", "-t", "1", "up"}).code, 0);
    ASSERT_EQ(brig({"start", "up"}).code, 0);
    EXPECT_EQ(memory_limit(id), std::to_string(128 << 20) + "\n");
    EXPECT_EQ(cgroup_file(id, "pids", "pids.max"), "70\n");

    // Unlimited again.
    p = brig({"update", "--pids-limit", "-1", "up"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(cgroup_file(id, "pids", "pids.max"), "max\n");
    EXPECT_EQ(inspect("up")["HostConfig"]["PidsLimit"], 0);
    EXPECT_EQ(brig({"rm", "-f", "up"}).code, 0);
}

TEST_F(EngineUpdate, StoppedContainerStartsWithTheNewLimits) {
    auto p = brig({"create", "--cgroup-parent", cgroup_parent_, "--name", "later", "--rootfs", rootfs_, "sleep", "100"});
    ASSERT_EQ(p.code, 0) << p;
    std::string id = p.out.substr(0, 64);
    ASSERT_EQ(brig({"update", "-m", "32m", "later"}).code, 0);
    ASSERT_EQ(brig({"start", "later"}).code, 0);
    EXPECT_EQ(memory_limit(id), std::to_string(32 << 20) + "\n");
    EXPECT_EQ(brig({"rm", "-f", "later"}).code, 0);
}

TEST_F(EngineUpdate, RefusalsNameTheProblemAndChangeNothing) {
    auto p = brig_run({"-d", "--rm", "--name", "gone", "--memory", "64m"}, {"sleep", "100"});
    ASSERT_EQ(p.code, 0) << p;
    std::string id = p.out.substr(0, 64);
    p = brig({"update", "--restart", "always", "gone"});
    EXPECT_EQ(p.code, 1);
    EXPECT_NE(p.err.find("AutoRemove is enabled"), std::string::npos) << p;
    p = brig({"update", "--memory", "1m", "gone"});
    EXPECT_EQ(p.code, 1);
    EXPECT_NE(p.err.find("Minimum memory limit allowed is 6MB"), std::string::npos) << p;
    p = brig({"update", "--memory", "lots", "gone"});
    EXPECT_EQ(p.code, 125);
    EXPECT_NE(p.err.find("--memory"), std::string::npos) << p;
    p = brig({"update", "gone"});
    EXPECT_EQ(p.code, 125);
    EXPECT_NE(p.err.find("one or more flags"), std::string::npos) << p;
    p = brig({"update", "-m", "64m", "no-such-container"});
    EXPECT_EQ(p.code, 1);
    EXPECT_NE(p.err.find("No such container: no-such-container"), std::string::npos) << p;
    EXPECT_EQ(memory_limit(id), std::to_string(64 << 20) + "\n");
    EXPECT_EQ(inspect("gone")["HostConfig"]["Memory"], 64 << 20);
    EXPECT_EQ(brig({"rm", "-f", "gone"}).code, 0);
}

}  // namespace
