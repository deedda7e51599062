#include <gtest/gtest.h>
#include <signal.h>

#include "linux/signals.hpp"

namespace brig::signals {
namespace {

TEST(Signals, NamesAndNumbers) {
    for (const char* s : {"9", "KILL", "SIGKILL", "kill", "sigkill", "SigKill"}) EXPECT_EQ(parse_signal(s).value(), SIGKILL) << s;
    EXPECT_EQ(parse_signal("TERM").value(), SIGTERM);
    EXPECT_EQ(parse_signal("15").value(), SIGTERM);
    EXPECT_EQ(parse_signal("SIGHUP").value(), SIGHUP);
    EXPECT_EQ(parse_signal("IOT").value(), SIGABRT);
    EXPECT_EQ(parse_signal("winch").value(), SIGWINCH);
    EXPECT_EQ(parse_signal("RTMIN").value(), SIGRTMIN);
    EXPECT_EQ(parse_signal("SIGRTMIN+2").value(), SIGRTMIN + 2);
    EXPECT_EQ(parse_signal("RTMAX").value(), SIGRTMAX);
    EXPECT_EQ(parse_signal("rtmax-1").value(), SIGRTMAX - 1);
    EXPECT_EQ(parse_signal(std::to_string(SIGRTMAX)).value(), SIGRTMAX);
}

TEST(Signals, Refused) {
    for (const char* bad : {"", "0", "-9", "9x", "99999", "NOPE", "SIG", "RTMIN-1", "RTMAX+1", "RTMIN+99", "SIGRTMINX"})
        EXPECT_FALSE(parse_signal(bad).has_value()) << bad;
    EXPECT_FALSE(parse_signal(std::to_string(SIGRTMAX + 1)).has_value());
}

TEST(Signals, NameOfEveryNumberParsesBack) {
    EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
    EXPECT_EQ(signal_name(SIGABRT), "SIGABRT");
    EXPECT_EQ(signal_name(SIGIO), "SIGIO");
    EXPECT_EQ(signal_name(SIGRTMIN), "SIGRTMIN");
    EXPECT_EQ(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
    for (int s = 1; s <= SIGRTMAX; ++s) {
        std::string name = signal_name(s);
        auto back = parse_signal(name);
        if (name == "SIG" + std::to_string(s)) continue;  // 32, 33: glibc's own, no name
        ASSERT_TRUE(back) << name;
        EXPECT_EQ(*back, s) << name;
    }
}

}  // namespace
}  // namespace brig::signals
