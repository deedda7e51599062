// Terminals: the pty over --console-socket, brig-recvtty, and refusing what cannot work.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

#include <gmock/gmock.h>

#include "harness.hpp"
#include "console_util.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

class TerminalTest : public RuntimeTest {};

TEST_F(TerminalTest, TerminalIsSentOverTheConsoleSocket) {
    Container c;
    c.config()["process"]["terminal"] = true;
    c.config()["process"]["consoleSize"] = {{"height", 33}, {"width", 111}};
    c.set_args({"sh", "-c", "tty; readlink /proc/self/fd/0; stty size; ls -l /dev/console"});
    ConsoleListener listener(c.dir() / "console.sock");
    c.write_config(c.id());
    auto created = c.runtime({"create", "--bundle", c.bundle().string(), "--console-socket",
                              (c.dir() / "console.sock").string(), c.id()});
    ASSERT_TRUE(created.ok()) << created;
    int master = listener.receive();
    ASSERT_GE(master, 0) << "no pty master arrived on the console socket";
    ASSERT_TRUE(c.start().ok());
    std::string out = read_until_eof(master, 5s);
    EXPECT_THAT(out, HasSubstr("/dev/pts/0"));
    EXPECT_THAT(out, HasSubstr("33 111"));
    EXPECT_THAT(out, HasSubstr("/dev/console"));
}

TEST_F(TerminalTest, TerminalWithoutConsoleSocketIsRefusedForCreate) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 words this error without naming --console-socket";
    Container c;
    c.config()["process"]["terminal"] = true;
    auto r = c.create();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("console-socket"));
    c.expect_nothing_left(c.id());
}


TEST_F(TerminalTest, RecvttyToolReceivesTheTerminal) {
    Container c;
    c.config()["process"]["terminal"] = true;
    c.set_args({"sh", "-c", "echo hello-over-recvtty; tty"});
    fs::path sock = c.dir() / "recvtty.sock";
    Child recv({BRIG_IT_RECVTTY, "--no-stdin", sock.string()});
    ASSERT_TRUE(wait_until([&] { return fs::exists(sock); })) << "brig-recvtty did not listen";
    c.write_config(c.id());
    auto created = c.runtime({"create", "--bundle", c.bundle().string(), "--console-socket", sock.string(), c.id()});
    ASSERT_TRUE(created.ok()) << created;
    ASSERT_TRUE(c.start().ok());
    auto out = recv.wait(5s);
    ASSERT_TRUE(out.has_value()) << "brig-recvtty did not finish";
    EXPECT_THAT(out->out, HasSubstr("hello-over-recvtty"));
    EXPECT_THAT(out->out, HasSubstr("/dev/pts/0"));
}

}  // namespace
}  // namespace brig::it
