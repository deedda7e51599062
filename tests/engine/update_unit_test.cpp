// engine::plan_update and runtime_update_args: what `update` changes and which runtime flags
// carry it (no root: pure functions).
#include <gtest/gtest.h>

#include "engine/update.hpp"

namespace brig::engine {
namespace {

HostConfig limited() {
    HostConfig hc;
    hc.memory = 64 << 20;
    hc.pids_limit = 50;
    return hc;
}

TEST(PlanUpdate, ChangesOnlyWhatIsGiven) {
    UpdateRequest rq;
    rq.memory = 128 << 20;
    auto hc = plan_update(limited(), rq, 2);
    ASSERT_TRUE(hc) << hc.error().what();
    EXPECT_EQ(hc->memory, 128 << 20);
    EXPECT_EQ(hc->pids_limit, 50);
    EXPECT_EQ(hc->restart.name, "no");
}

TEST(PlanUpdate, UnlimitedValuesBecomeZero) {
    UpdateRequest rq;
    rq.pids_limit = -1;
    rq.memory = 0;
    auto hc = plan_update(limited(), rq, 2);
    ASSERT_TRUE(hc);
    EXPECT_EQ(hc->pids_limit, 0);
    EXPECT_EQ(hc->memory, 0);
    EXPECT_EQ(hc->memory_swap, 0);
}

TEST(PlanUpdate, RefusesWhatDockerRefuses) {
    UpdateRequest small;
    small.memory = 1 << 20;
    EXPECT_NE(plan_update(limited(), small, 2).error().message.find("Minimum memory limit allowed is 6MB"), std::string::npos);

    HostConfig swapped = limited();
    swapped.memory_swap = 100 << 20;
    UpdateRequest above;
    above.memory = 200 << 20;
    EXPECT_NE(plan_update(swapped, above, 2).error().message.find("update the memoryswap at the same time"), std::string::npos);
    above.memory_swap = 300 << 20;
    EXPECT_TRUE(plan_update(swapped, above, 2));

    UpdateRequest cpus;
    cpus.nano_cpus = 3'000'000'000;
    EXPECT_NE(plan_update(limited(), cpus, 2).error().message.find("only 2 CPUs"), std::string::npos);

    HostConfig rm = limited();
    rm.auto_remove = true;
    UpdateRequest restart;
    restart.restart = RestartPolicy{"always", 0};
    EXPECT_NE(plan_update(rm, restart, 2).error().message.find("AutoRemove"), std::string::npos);

    UpdateRequest swap_only;
    swap_only.memory_swap = 100 << 20;
    EXPECT_NE(plan_update(HostConfig{}, swap_only, 2).error().message.find("Memory limit"), std::string::npos);
}

TEST(RuntimeUpdateArgs, CarryTheChangedLimits) {
    UpdateRequest rq;
    rq.memory = 128 << 20;
    rq.nano_cpus = 1'500'000'000;
    rq.pids_limit = -1;
    auto hc = plan_update(limited(), rq, 4);
    ASSERT_TRUE(hc);
    auto args = runtime_update_args(*hc, rq);
    ASSERT_TRUE(args);
    std::vector<std::string> want = {"--memory-swap", std::to_string(256 << 20), "--memory", std::to_string(128 << 20),
                                     "--cpu-period", "100000", "--cpu-quota", "150000", "--pids-limit", "-1"};
    EXPECT_EQ(*args, want);
}

TEST(RuntimeUpdateArgs, RemovedLimitsBecomeUnlimited) {
    UpdateRequest rq;
    rq.memory = 0;
    rq.nano_cpus = 0;
    auto hc = plan_update(limited(), rq, 4);
    ASSERT_TRUE(hc);
    auto args = runtime_update_args(*hc, rq);
    ASSERT_TRUE(args);
    std::vector<std::string> want = {"--memory-swap", "-1", "--memory", "-1", "--cpu-period", "100000", "--cpu-quota", "-1"};
    EXPECT_EQ(*args, want);
}

TEST(UpdateRequest, EmptyOnlyWithoutChanges) {
    UpdateRequest rq;
    EXPECT_TRUE(rq.empty());
    rq.restart = RestartPolicy{};
    EXPECT_FALSE(rq.empty());
    EXPECT_FALSE(rq.changes_limits());
}

}  // namespace
}  // namespace brig::engine
