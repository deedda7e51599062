// plan_namespaces: which namespaces the init is born in, which it joins or makes itself,
// and which the runtime joins for it. No namespace file is opened, so paths need not exist.
#include <gtest/gtest.h>
#include <sched.h>

#include "runtime/namespace_plan.hpp"

namespace brig::runtime {
namespace {

oci::Linux with(std::vector<oci::Namespace> namespaces) {
    oci::Linux l;
    l.namespaces = std::move(namespaces);
    return l;
}

TEST(RuntimeNamespacePlan, NewNamespacesAreCloneFlags) {
    auto p = plan_namespaces(with({{"pid"}, {"network"}, {"ipc"}, {"uts"}, {"mount"}, {"cgroup"}}));
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_EQ(p->clone_flags, static_cast<uint64_t>(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS));
    EXPECT_EQ(p->unshare_flags, 0);
    EXPECT_TRUE(p->new_cgroup) << "made by the init once it is in its cgroup, not by clone";
    EXPECT_EQ(p->clone_flags & CLONE_NEWCGROUP, 0u);
    EXPECT_TRUE(p->new_net);
    EXPECT_TRUE(p->own_pid);
    EXPECT_FALSE(p->new_user);
    EXPECT_FALSE(p->fork_for_pid);
    EXPECT_TRUE(p->joins.empty());
}

TEST(RuntimeNamespacePlan, NewUserAndTime) {
    auto p = plan_namespaces(with({{"user"}, {"mount"}, {"time"}}));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->clone_flags, static_cast<uint64_t>(CLONE_NEWUSER | CLONE_NEWNS));
    EXPECT_TRUE(p->new_user);
    EXPECT_TRUE(p->new_time) << "made by the init, which writes its offsets";
    EXPECT_FALSE(p->own_pid) << "no pid namespace: the host's";
}

TEST(RuntimeNamespacePlan, JoinedNamespaces) {
    auto p = plan_namespaces(with({{"mount"}, {"network", "/run/netns/a"}, {"pid", "/proc/7/ns/pid"},
                                   {"time", "/proc/7/ns/time"}, {"ipc", "/proc/7/ns/ipc"}}));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->clone_flags, static_cast<uint64_t>(CLONE_NEWNS));
    EXPECT_FALSE(p->new_net);
    EXPECT_FALSE(p->own_pid);
    // The init joins these; the runtime joins pid and time, which apply to its children.
    EXPECT_EQ(p->joins, (std::vector<NamespaceRef>{{1, CLONE_NEWNET, "/run/netns/a"}, {4, CLONE_NEWIPC, "/proc/7/ns/ipc"}}));
    EXPECT_EQ(p->join_pid, (NamespaceRef{2, CLONE_NEWPID, "/proc/7/ns/pid"}));
    EXPECT_EQ(p->join_time, (NamespaceRef{3, CLONE_NEWTIME, "/proc/7/ns/time"}));
    EXPECT_FALSE(p->joins_user());
}

TEST(RuntimeNamespacePlan, JoinedUserNamespaceComesFirstAndOwnsTheNewOnes) {
    auto p = plan_namespaces(with({{"pid"}, {"mount"}, {"uts"}, {"user", "/proc/9/ns/user"}}));
    ASSERT_TRUE(p);
    ASSERT_TRUE(p->joins_user());
    EXPECT_EQ(p->joins.front(), (NamespaceRef{3, CLONE_NEWUSER, "/proc/9/ns/user"}));
    // Made by the init after its setns, so that they belong to the joined user namespace;
    // its new pid namespace then needs a fork.
    EXPECT_EQ(p->clone_flags, 0u);
    EXPECT_EQ(p->unshare_flags, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID);
    EXPECT_TRUE(p->fork_for_pid);
    EXPECT_TRUE(p->own_pid);
}

TEST(RuntimeNamespacePlan, UnknownTypeNamesTheEntry) {
    auto p = plan_namespaces(with({{"mount"}, {"bogus"}}));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message, "linux.namespaces[1].type: unknown namespace type \"bogus\"");
}

}  // namespace
}  // namespace brig::runtime
