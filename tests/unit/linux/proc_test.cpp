// Process start times and liveness: one rule for zombies (they have exited).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/proc.hpp"

namespace brig::proc {
namespace {

TEST(Proc, ParsesFieldsAfterTheLastParenthesis) {
    // A command name with spaces and parentheses must not shift the fields.
    std::string stat = "1234 (a) b (c) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
    auto st = parse_stat(stat);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, 'S');
    EXPECT_EQ(st->start_time, 987654u);
    EXPECT_FALSE(st->exited());
    auto z = parse_stat("7 (sh) Z 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0\n");
    ASSERT_TRUE(z);
    EXPECT_TRUE(z->exited());
    EXPECT_EQ(z->start_time, 42u);
    // Field 22 last, ending the text.
    EXPECT_EQ(parse_stat("7 (sh) R 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 43")->start_time, 43u);
}

TEST(Proc, RefusesMalformedText) {
    for (const char* bad : {"", "1234", "1234 (sh", "1234 (sh)", "1234 (sh) S 1 2 3", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 x1 0"})
        EXPECT_FALSE(parse_stat(bad).has_value()) << bad;
}

TEST(Proc, OurselvesRun) {
    uint64_t t = start_time(::getpid());
    EXPECT_GT(t, 0u);
    EXPECT_TRUE(is_running(::getpid()));
    EXPECT_TRUE(is_running(::getpid(), t));
    EXPECT_FALSE(is_running(::getpid(), t + 1));  // a reused pid has another start time
    EXPECT_EQ(start_time(0), 0u);
    EXPECT_FALSE(is_running(-1));
}

TEST(Proc, AZombieHasAStartTimeButIsNotRunning) {
    pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ASSERT_GT(child, 0);
    // Wait for it to exit without reaping it.
    siginfo_t si{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &si, WEXITED | WNOWAIT), 0);
    uint64_t t = start_time(child);
    EXPECT_GT(t, 0u);
    EXPECT_EQ(read_stat(child)->state, 'Z');
    EXPECT_FALSE(is_running(child));
    EXPECT_FALSE(is_running(child, t));
    ASSERT_EQ(::waitpid(child, nullptr, 0), child);
    EXPECT_EQ(start_time(child), 0u);  // reaped: gone
    EXPECT_FALSE(read_stat(child).has_value());
}

}  // namespace
}  // namespace brig::proc
