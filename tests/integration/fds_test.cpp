// File descriptors and systemd integration: --preserve-fds, LISTEN_FDS, NOTIFY_SOCKET.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

#include <gmock/gmock.h>

#include "harness.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

class SystemdTest : public RuntimeTest {};

TEST_F(SystemdTest, NotifySocketReadyReachesTheCallerAfterStart) {
    if (runtime_is_runc()) GTEST_SKIP() << "checked against brig-oci's own forwarding";
    Container c;
    // The caller's socket: a datagram socket in the test's dir.
    fs::path host = c.dir() / "host-notify.sock";
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, host.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    c.set_args({"/usr/bin/brig-inspect", "sleep", "300", "--", "notify", "READY=1", "--", "sleep", "100000"});
    ProcOptions env;
    env.env = {"NOTIFY_SOCKET=" + host.string()};
    c.write_config(c.id());
    auto created = c.runtime({"create", "--bundle", c.bundle().string(), c.id()}, env);
    ASSERT_TRUE(created.ok()) << created;
    auto t0 = std::chrono::steady_clock::now();
    auto started = c.runtime({"start", c.id()}, env);
    auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(started.ok()) << started;
    EXPECT_GE(took, 250ms) << "start returned before the container said READY=1";
    char buf[256] = {};
    ssize_t n = ::recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    ::close(fd);
    ASSERT_GT(n, 0) << "nothing arrived on NOTIFY_SOCKET";
    std::string msg(buf, static_cast<size_t>(n));
    EXPECT_THAT(msg, HasSubstr("READY=1"));
    EXPECT_THAT(msg, HasSubstr("MAINPID=" + std::to_string(c.state_json()["pid"].get<int>())));
}

TEST_F(SystemdTest, ListenFdsArePassedOn) {
    Container c;
    // A listening socket at fd 3 in a wrapper shell, LISTEN_PID naming the runtime (exec keeps the pid).
    c.set_args({"sh", "-c", "echo LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID; readlink /proc/self/fd/3"});
    c.write_config(c.id());
    std::string cmd = "exec 3<>" + (c.dir() / "listen.fifo").string() + "; LISTEN_FDS=1 LISTEN_PID=$$ exec " +
                      runtime_path() + " --root " + c.state_root().string() + " run --bundle " + c.bundle().string() +
                      " " + c.id();
    ASSERT_TRUE(run_process({"mkfifo", (c.dir() / "listen.fifo").string()}).ok());
    auto r = run_process({"sh", "-c", cmd});
    ASSERT_TRUE(r.ok()) << r;
    if (runtime_is_runc() && r.out.find("LISTEN_FDS=1") == std::string::npos)
        GTEST_SKIP() << "runc checks LISTEN_PID differently";
    EXPECT_THAT(r.out, HasSubstr("LISTEN_FDS=1 LISTEN_PID=1"));
    EXPECT_THAT(r.out, HasSubstr("listen.fifo"));
}


TEST_F(SystemdTest, PreservedFdsAreReadableInside) {
    Container c;
    write_text(c.dir() / "passed.txt", "through fd 3 and 4");
    c.set_args({"sh", "-c", "cat <&3; echo; cat <&4; ls /proc/self/fd"});
    c.write_config(c.id());
    std::string cmd = "exec 3<" + (c.dir() / "passed.txt").string() + " 4<" + (c.dir() / "passed.txt").string() +
                      "; exec " + runtime_path() + " --root " + c.state_root().string() + " run --preserve-fds 2 --bundle " +
                      c.bundle().string() + " " + c.id();
    auto r = run_process({"sh", "-c", cmd});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("through fd 3 and 4\nthrough fd 3 and 4"));
    // Nothing beyond stdio, the two preserved fds and ls's own directory fd.
    EXPECT_THAT(r.out, HasSubstr("0\n1\n2\n3\n4\n5\n"));
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("\n6\n")));
}

}  // namespace
}  // namespace brig::it
