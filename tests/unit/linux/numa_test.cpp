// NUMA memory policy (linux.memoryPolicy).
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>

#include "linux/numa.hpp"

namespace brig::numa {
namespace {

// Run fn in a forked child, so a changed memory policy cannot leak into the test process.
int run_in_child(const std::function<int()>& fn) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(fn());
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

using Mask = std::vector<unsigned long>;

// A policy as parse_spec gives it: the names resolved to the numbers apply_memory_policy uses.
oci::MemoryPolicy policy(std::string mode, std::string nodes, std::vector<std::string> flags = {}) {
    oci::Spec spec;
    spec.linux.emplace().memoryPolicy = oci::MemoryPolicy{.mode = mode, .nodes = nodes, .flags = flags};
    auto r = oci::resolve_names(spec);
    EXPECT_TRUE(r) << r.error().what();
    return *spec.linux->memoryPolicy;
}

TEST(Numa, ParseNodeMask) {
    unsigned long maxnode = 99;
    EXPECT_EQ(parse_node_mask("0", maxnode), Mask({1}));
    EXPECT_EQ(maxnode, 2u);  // one bit, plus the kernel's off-by-one
    EXPECT_EQ(parse_node_mask("0-3,7", maxnode), Mask({0x8f}));
    EXPECT_EQ(maxnode, 9u);
    EXPECT_EQ(parse_node_mask(" 1 , 64 ", maxnode), Mask({2, 1}));
    EXPECT_EQ(maxnode, 66u);
    EXPECT_EQ(parse_node_mask("", maxnode), Mask{});
    EXPECT_EQ(maxnode, 0u);
}

TEST(Numa, ParseNodeMaskErrors) {
    unsigned long maxnode = 0;
    for (auto bad : {"x", "3-1", "1024", "0,", "-1"}) EXPECT_FALSE(parse_node_mask(bad, maxnode)) << bad;
    EXPECT_EQ(parse_node_mask("3-1", maxnode).error().message,
              "linux.memoryPolicy.nodes: invalid range \"3-1\": start is above end");
    EXPECT_EQ(parse_node_mask("1024", maxnode).error().message,
              "linux.memoryPolicy.nodes: 1024 is out of range (must be below 1024)");
}

TEST(Numa, ApplyRejectsBadPolicies) {
    // All of these fail before set_mempolicy is called. (Unknown modes and flags are parse
    // errors: oci_parse_test.)
    auto msg = [](oci::MemoryPolicy p) {
        auto r = apply_memory_policy(p);
        return r ? std::string("(ok)") : r.error().message;
    };
    EXPECT_EQ(msg(policy("MPOL_BIND", "")), "linux.memoryPolicy.nodes: MPOL_BIND needs at least one node");
    EXPECT_EQ(msg(policy("MPOL_INTERLEAVE", " ")), "linux.memoryPolicy.nodes: MPOL_INTERLEAVE needs at least one node");
    EXPECT_EQ(msg(policy("MPOL_DEFAULT", "0")), "linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes, got \"0\"");
    EXPECT_EQ(msg(policy("MPOL_LOCAL", "0")), "linux.memoryPolicy.nodes: MPOL_LOCAL takes no nodes, got \"0\"");
    EXPECT_EQ(msg(policy("MPOL_BIND", "0-x")), "linux.memoryPolicy.nodes: invalid number \"x\"");
}

// The numbers are what is applied; the names only go into messages.
TEST(Numa, ApplyUsesTheResolvedNumbers) {
    int rc = run_in_child([] {
        auto p = policy("MPOL_BIND", "");  // by its name: needs a node
        p.mode_number = 0;                 // MPOL_DEFAULT: takes none
        return apply_memory_policy(p) ? 0 : 1;
    });
    EXPECT_EQ(rc, 0);
}

// The calling thread's policy mode (with flags) and whether node 0 is in its mask.
bool current_policy(int& mode, bool& node0) {
    unsigned long mask[kMaxNodes / (8 * sizeof(unsigned long))] = {};
    if (::syscall(SYS_get_mempolicy, &mode, mask, kMaxNodes, nullptr, 0) < 0) return false;
    node0 = mask[0] & 1;
    return true;
}

TEST(Numa, ApplyBindThenDefault) {
    int rc = run_in_child([] {
        int mode = -1;
        bool node0 = false;
        auto apply = [](oci::MemoryPolicy p) {
            auto r = apply_memory_policy(p);
            if (!r) std::fprintf(stderr, "%s\n", r.error().what().c_str());
            return bool(r);
        };
        if (!apply(policy("MPOL_BIND", "0"))) return 1;
        if (!current_policy(mode, node0) || mode != 2 /* MPOL_BIND */ || !node0) return 2;
        if (!apply(policy("MPOL_BIND", "0", {"MPOL_F_STATIC_NODES"}))) return 3;
        if (!current_policy(mode, node0) || mode != (2 | 1 << 15) || !node0) return 4;
        if (!apply(policy("MPOL_DEFAULT", ""))) return 5;
        if (!current_policy(mode, node0) || mode != 0 /* MPOL_DEFAULT */) return 6;
        return 0;
    });
    EXPECT_EQ(rc, 0);
}

TEST(Numa, ApplyToMissingNodeFails) {
    if (::access("/sys/devices/system/node/node1000", F_OK) == 0) GTEST_SKIP() << "node 1000 exists";
    int rc = run_in_child([] {
        auto r = apply_memory_policy(policy("MPOL_BIND", "1000"));
        if (r) return 1;
        bool ok = r.error().errnum == EINVAL &&
                  r.error().message == "linux.memoryPolicy: set_mempolicy MPOL_BIND on nodes \"1000\"";
        if (!ok) std::fprintf(stderr, "%s\n", r.error().what().c_str());
        return ok ? 0 : 2;
    });
    EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace brig::numa
