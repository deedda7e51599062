// CPU lists and affinity (process.execCPUAffinity).
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>

#include "linux/cpuset.hpp"

namespace brig::cpuset {
namespace {

// Run fn in a forked child, so changing the affinity cannot leak into the test process.
int run_in_child(const std::function<int()>& fn) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(fn());
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<unsigned> cpus_of(const cpu_set_t& set) {
    std::vector<unsigned> out;
    for (unsigned c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) out.push_back(c);
    return out;
}

TEST(Cpuset, ParsesLists) {
    using V = std::vector<unsigned>;
    EXPECT_EQ(parse_index_list("0", 8), V({0}));
    EXPECT_EQ(parse_index_list("0-3,7", 8), V({0, 1, 2, 3, 7}));
    EXPECT_EQ(parse_index_list(" 0 - 2 ,\t5 \n", 8), V({0, 1, 2, 5}));
    EXPECT_EQ(parse_index_list("3-3", 8), V({3}));
    EXPECT_EQ(parse_index_list("", 8), V{});
    EXPECT_EQ(parse_index_list("  ", 8), V{});

    auto set = parse_cpu_list("0-3,7");
    ASSERT_TRUE(set) << set.error().what();
    EXPECT_EQ(cpus_of(*set), V({0, 1, 2, 3, 7}));
    auto last = parse_cpu_list("1023");
    ASSERT_TRUE(last) << last.error().what();
    EXPECT_EQ(cpus_of(*last), V({CPU_SETSIZE - 1}));
}

TEST(Cpuset, RejectsBadLists) {
    for (auto bad : {"3-1", "x", "1024", "0-1024", "", " ", "0,", ",0", "0,,1", "-1", "1-", "1-2-3", "0x1", "+1", "1 2",
                     "99999999999999999999"})
        EXPECT_FALSE(parse_cpu_list(bad)) << '"' << bad << '"';

    EXPECT_EQ(parse_cpu_list("3-1").error().message, "cpu list \"3-1\": invalid range \"3-1\": start is above end");
    EXPECT_EQ(parse_cpu_list("x").error().message, "cpu list \"x\": invalid number \"x\"");
    EXPECT_EQ(parse_cpu_list("1024").error().message, "cpu list \"1024\": 1024 is out of range (must be below 1024)");
    EXPECT_EQ(parse_cpu_list("").error().message, "cpu list \"\": no CPUs");
}

TEST(Cpuset, ApplyErrorsNameTheField) {
    // Fails while parsing, before any syscall, so it is safe in the test process.
    auto r = apply_cpu_affinity("3-1", "process.execCPUAffinity.initial");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "process.execCPUAffinity.initial: cpu list \"3-1\": invalid range \"3-1\": start is above end");
}

TEST(Cpuset, ApplyPinsToCpu0) {
    int rc = run_in_child([] {
        if (auto r = apply_cpu_affinity("0", "process.execCPUAffinity.final"); !r) {
            std::fprintf(stderr, "%s\n", r.error().what().c_str());
            return 1;
        }
        cpu_set_t got;
        if (::sched_getaffinity(0, sizeof(got), &got) < 0) return 2;
        return CPU_COUNT(&got) == 1 && CPU_ISSET(0, &got) ? 0 : 3;
    });
    EXPECT_EQ(rc, 0);
}

TEST(Cpuset, ApplyToMissingCpuFails) {
    if (::sysconf(_SC_NPROCESSORS_CONF) >= CPU_SETSIZE) GTEST_SKIP() << "CPU 1023 may exist here";
    int rc = run_in_child([] {
        auto r = apply_cpu_affinity("1023", "process.execCPUAffinity.initial");
        if (r) return 1;
        bool ok = r.error().errnum == EINVAL &&
                  r.error().message == "process.execCPUAffinity.initial: set CPU affinity to \"1023\"";
        if (!ok) std::fprintf(stderr, "%s\n", r.error().what().c_str());
        return ok ? 0 : 2;
    });
    EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace brig::cpuset
