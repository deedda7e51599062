// Layout detection (v1, v2, hybrid, nested) and cgroupsPath resolution, from sample
// /proc/self/mountinfo and /proc/self/cgroup texts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgroup/manager.hpp"

namespace brig::cgroup {
namespace {

using ::testing::HasSubstr;

// This machine: v1 controllers plus cgroup2 at /sys/fs/cgroup/unified.
constexpr const char* kHybridMountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
constexpr const char* kHybridSelf =
    "9:name=systemd:/\n6:freezer:/\n4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n";

TEST(CgroupDetect, Hybrid) {
    auto sys = detect_from(kHybridMountinfo, kHybridSelf);
    ASSERT_TRUE(sys.has_value()) << sys.error().what();
    EXPECT_EQ(sys->layout, Layout::Hybrid);
    ASSERT_EQ(sys->hierarchies.size(), 6u);
    EXPECT_EQ(sys->hierarchies[0].mountpoint, "/sys/fs/cgroup/cpu");
    EXPECT_EQ(sys->hierarchies[0].controllers, std::vector<std::string>{"cpu"});
    EXPECT_EQ(sys->hierarchies[2].own_path, "/process_api/abc");
    EXPECT_EQ(sys->hierarchies[4].controllers, std::vector<std::string>{"name=systemd"});
    EXPECT_TRUE(sys->hierarchies[5].v2);
}

TEST(CgroupDetect, PureV2DropsNothingAndIgnoresBindsOfSubCgroups) {
    const char* mi =
        "25 20 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
        "90 80 0:22 /user.slice/c1 /run/c1/rootfs/sys/fs/cgroup ro - cgroup2 cgroup2 rw\n";
    auto sys = detect_from(mi, "0::/user.slice/session-1.scope\n");
    ASSERT_TRUE(sys.has_value());
    EXPECT_EQ(sys->layout, Layout::V2);
    ASSERT_EQ(sys->hierarchies.size(), 1u);
    EXPECT_EQ(sys->hierarchies[0].mountpoint, "/sys/fs/cgroup");
    EXPECT_EQ(sys->hierarchies[0].own_path, "/user.slice/session-1.scope");
}

TEST(CgroupDetect, V1WithCoMountedControllers) {
    const char* mi =
        "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
    auto sys = detect_from(mi, "3:cpu,cpuacct:/a\n2:memory:/b\n");
    ASSERT_TRUE(sys.has_value());
    EXPECT_EQ(sys->layout, Layout::V1);
    EXPECT_EQ(sys->hierarchies[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
    EXPECT_EQ(sys->hierarchies[0].own_path, "/a");
    EXPECT_EQ(sys->hierarchies[1].own_path, "/b");
}

TEST(CgroupDetect, NestedInAContainerWithoutCgroupNamespace) {
    // Docker without a cgroup namespace: the mount shows /docker/x, /proc/self/cgroup the full path.
    const char* mi = "40 30 0:30 /docker/x /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n";
    auto sys = detect_from(mi, "4:memory:/docker/x/inner\n");
    ASSERT_TRUE(sys.has_value());
    EXPECT_EQ(sys->hierarchies[0].root, "/docker/x");
    EXPECT_EQ(sys->hierarchies[0].own_path, "/inner");
    auto cg = plan(*sys, "sub", "id");
    ASSERT_TRUE(cg.has_value());
    EXPECT_EQ(cg->dirs, std::vector<std::string>{"/sys/fs/cgroup/memory/inner/sub"});
}

TEST(CgroupDetect, InsideACgroupNamespace) {
    // A cgroup namespace shows "/" for our own cgroup and mounts its root.
    const char* mi = "40 30 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
    auto sys = detect_from(mi, "0::/\n");
    ASSERT_TRUE(sys.has_value());
    auto cg = plan(*sys, "", "c1");
    ASSERT_TRUE(cg.has_value());
    EXPECT_EQ(cg->v2_dir, "/sys/fs/cgroup/c1");
}

TEST(CgroupDetect, NothingMounted) {
    auto sys = detect_from("22 1 0:5 / /proc rw - proc proc rw\n", "");
    ASSERT_FALSE(sys.has_value());
    EXPECT_THAT(sys.error().what(), HasSubstr("no cgroup file system"));
}

TEST(CgroupPathPlan, AbsoluteRelativeAndDefault) {
    auto sys = detect_from(kHybridMountinfo, kHybridSelf);
    ASSERT_TRUE(sys.has_value());
    auto abs = plan(*sys, "/brig-test/c1", "c1");
    ASSERT_TRUE(abs.has_value());
    EXPECT_EQ(abs->dirs[0], "/sys/fs/cgroup/cpu/brig-test/c1");
    EXPECT_EQ(abs->dirs[2], "/sys/fs/cgroup/memory/brig-test/c1");
    EXPECT_EQ(abs->v2_dir, "/sys/fs/cgroup/unified/brig-test/c1");
    EXPECT_EQ(abs->v2_root, "/sys/fs/cgroup/unified");
    EXPECT_FALSE(abs->v2_only);
    // Relative: below the caller's cgroup in each hierarchy.
    auto rel = plan(*sys, "pod/c1", "c1");
    ASSERT_TRUE(rel.has_value());
    EXPECT_EQ(rel->dirs[0], "/sys/fs/cgroup/cpu/pod/c1");
    EXPECT_EQ(rel->dirs[2], "/sys/fs/cgroup/memory/process_api/abc/pod/c1");
    // Empty: <id> below the caller's cgroup.
    auto def = plan(*sys, "", "c9");
    ASSERT_TRUE(def.has_value());
    EXPECT_EQ(def->dirs[1], "/sys/fs/cgroup/cpuacct/c9");
    // Repeated and trailing slashes and "." are cleaned.
    auto messy = plan(*sys, "//brig-test/./c1//", "c1");
    ASSERT_TRUE(messy.has_value());
    EXPECT_EQ(messy->dirs[0], "/sys/fs/cgroup/cpu/brig-test/c1");
}

TEST(CgroupPathPlan, RefusedPaths) {
    auto sys = detect_from(kHybridMountinfo, kHybridSelf);
    ASSERT_TRUE(sys.has_value());
    auto up = plan(*sys, "/brig-test/../../etc", "x");
    ASSERT_FALSE(up.has_value());
    EXPECT_THAT(up.error().what(), HasSubstr("must not contain \"..\""));
    auto systemd = plan(*sys, "system.slice:brig:x", "x");
    ASSERT_FALSE(systemd.has_value());
    EXPECT_THAT(systemd.error().what(), HasSubstr("slice:prefix:name"));
    auto root = plan(*sys, "/", "x");
    ASSERT_FALSE(root.has_value());
    EXPECT_THAT(root.error().what(), HasSubstr("root cgroup"));
}

TEST(CgroupPathPlan, FromRecordedDirsRealignsWithTheHierarchies) {
    auto sys = detect_from(kHybridMountinfo, kHybridSelf);
    ASSERT_TRUE(sys.has_value());
    auto cg = from_dirs(*sys, {"/sys/fs/cgroup/unified/brig-test/c1", "/sys/fs/cgroup/memory/brig-test/c1",
                               "/sys/fs/cgroup/cpu/brig-test/c1"});
    ASSERT_EQ(cg.dirs.size(), sys->hierarchies.size());
    EXPECT_EQ(cg.dirs[0], "/sys/fs/cgroup/cpu/brig-test/c1");
    EXPECT_EQ(cg.dirs[1], "");  // cpuacct: not recorded
    EXPECT_EQ(cg.dirs[2], "/sys/fs/cgroup/memory/brig-test/c1");
    EXPECT_EQ(cg.v2_dir, "/sys/fs/cgroup/unified/brig-test/c1");
    EXPECT_EQ(controller_dir(cg, *sys, "memory"), "/sys/fs/cgroup/memory/brig-test/c1");
    EXPECT_EQ(controller_dir(cg, *sys, "devices"), "");
    EXPECT_EQ(controller_dir(cg, *sys, ""), "/sys/fs/cgroup/unified/brig-test/c1");
}

}  // namespace
}  // namespace brig::cgroup
