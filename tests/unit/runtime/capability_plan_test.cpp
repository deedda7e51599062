#include <gtest/gtest.h>
#include <linux/capability.h>

#include "runtime/capability_plan.hpp"

namespace brig::runtime {
namespace {

constexpr uint64_t bit(int cap) { return uint64_t{1} << cap; }

oci::Capabilities with_masks(uint64_t b, uint64_t e, uint64_t i, uint64_t p, uint64_t a) {
    oci::Capabilities c;
    c.masks = {b, e, i, p, a};
    return c;
}

TEST(CapabilityPlan, NoCapabilitiesMeansEmptySets) {
    auto s = plan_capabilities(std::nullopt, 40);
    EXPECT_EQ(s.bounding, 0u);
    EXPECT_EQ(s.effective, 0u);
    EXPECT_EQ(s.permitted, 0u);
    EXPECT_EQ(s.inheritable, 0u);
    EXPECT_EQ(s.ambient, 0u);
}

TEST(CapabilityPlan, SetsPassThroughOnAKernelThatKnowsThem) {
    uint64_t m = bit(CAP_CHOWN) | bit(CAP_NET_BIND_SERVICE) | bit(CAP_KILL);
    auto s = plan_capabilities(with_masks(m, bit(CAP_KILL), m, m, bit(CAP_NET_BIND_SERVICE)), 40);
    EXPECT_EQ(s.bounding, m);
    EXPECT_EQ(s.effective, bit(CAP_KILL));
    EXPECT_EQ(s.inheritable, m);
    EXPECT_EQ(s.permitted, m);
    EXPECT_EQ(s.ambient, bit(CAP_NET_BIND_SERVICE));
}

TEST(CapabilityPlan, CapabilitiesPastTheKernelsLastAreDropped) {
    uint64_t m = bit(CAP_CHOWN) | bit(CAP_BPF) | bit(CAP_CHECKPOINT_RESTORE);  // 0, 39, 40
    auto s = plan_capabilities(with_masks(m, m, m, m, m), CAP_PERFMON);          // 38: older kernel
    EXPECT_EQ(s.bounding, bit(CAP_CHOWN));
    EXPECT_EQ(s.effective, bit(CAP_CHOWN));
    EXPECT_EQ(s.ambient, bit(CAP_CHOWN));
    EXPECT_EQ(plan_capabilities(with_masks(bit(63), 0, 0, 0, 0), 63).bounding, bit(63));
    EXPECT_EQ(plan_capabilities(with_masks(bit(0), 0, 0, 0, 0), -1).bounding, 0u);
}

TEST(CapabilityPlan, AmbientKeepsOnlyPermittedAndInheritable) {
    uint64_t amb = bit(CAP_CHOWN) | bit(CAP_KILL) | bit(CAP_SETUID);
    auto s = plan_capabilities(with_masks(amb, 0, bit(CAP_CHOWN) | bit(CAP_KILL), bit(CAP_CHOWN) | bit(CAP_SETUID), amb),
                               40);
    EXPECT_EQ(s.ambient, bit(CAP_CHOWN));
}

}  // namespace
}  // namespace brig::runtime
