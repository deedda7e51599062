// brig-oci exec: namespaces, cgroup, user/env/cwd overrides, process.json, tty, detach.
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

class ExecTest : public RuntimeTest {};

// A running container whose process sleeps; exec tests work inside it.
struct Running {
    Container c;
    Running() {
        c.set_args({"sleep", "1000"});
        auto r = c.run({"--detach"});
        EXPECT_TRUE(r.ok()) << r;
    }
    ProcResult exec(const std::vector<std::string>& args) {
        std::vector<std::string> a{"exec"};
        a.insert(a.end(), args.begin(), args.end());
        return c.runtime(a);
    }
};

TEST_F(ExecTest, RunsInTheContainersNamespacesAndReturnsTheExitCode) {
    Running t;
    auto init = t.c.state_json()["pid"].get<int>();
    auto r = t.exec({t.c.id(), "sh", "-c", "for n in pid mnt net; do readlink /proc/self/ns/$n; done; exit 5"});
    EXPECT_EQ(r.exit_code, 5) << r;
    EXPECT_THAT(r.out, HasSubstr("pid:[" + std::to_string(ns_inode(std::to_string(init), "pid")) + "]"));
    EXPECT_THAT(r.out, HasSubstr("mnt:[" + std::to_string(ns_inode(std::to_string(init), "mnt")) + "]"));
    EXPECT_THAT(r.out, HasSubstr("net:[" + std::to_string(ns_inode(std::to_string(init), "net")) + "]"));
}

TEST_F(ExecTest, SeesTheContainersProcessesRootAndHostname) {
    Container c;
    c.config()["hostname"] = "exec-host";
    c.set_args({"sleep", "1000"});
    ASSERT_TRUE(c.run({"--detach"}).ok());
    write_text(c.rootfs() / "marker", "in-root");
    auto r = c.runtime({"exec", c.id(), "sh", "-c", "cat /marker; echo; ps -o pid,comm | grep -c sleep; hostname"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "in-root\n1\nexec-host\n");
}

TEST_F(ExecTest, UserEnvCwdAndCapabilities) {
    Running t;
    auto r = t.exec({"--user", "1000:1001", "--additional-gids", "2000", "--env", "FOO=bar", "--cwd", "/tmp", t.c.id(),
                     "sh", "-c", "id -u; id -g; id -G; echo $FOO; pwd; grep CapEff /proc/self/status"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("1000\n1001\n1001 2000\nbar\n/tmp\nCapEff:\t0000000000000000\n"));
}

TEST_F(ExecTest, IsInTheContainersCgroup) {
    Running t;
    auto r = t.exec({t.c.id(), "cat", "/proc/self/cgroup"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("/brig-test/" + t.c.id()));
    // In every hierarchy: the process moves itself into the v1 ones and is born in the v2 one.
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) {
            EXPECT_THAT(line, HasSubstr("/brig-test/" + t.c.id())) << r.out;
        }
    }
}

TEST_F(ExecTest, DetachWithPidFile) {
    Running t;
    fs::path pidfile = t.c.dir() / "exec.pid";
    auto r = t.exec({"--detach", "--pid-file", pidfile.string(), t.c.id(), "sleep", "1000"});
    ASSERT_TRUE(r.ok()) << r;
    int pid = std::stoi(read_text(pidfile));
    EXPECT_TRUE(fs::exists("/proc/" + std::to_string(pid)));
    EXPECT_EQ(ns_inode(std::to_string(pid), "pid"), ns_inode(std::to_string(t.c.state_json()["pid"].get<int>()), "pid"));
}

TEST_F(ExecTest, ProcessJson) {
    Running t;
    json proc = {{"args", {"sh", "-c", "echo from-process-json $X; pwd"}}, {"cwd", "/etc"}, {"env", {"X=1", "PATH=/bin"}},
                 {"user", {{"uid", 0}, {"gid", 0}}}};
    write_text(t.c.dir() / "process.json", proc.dump());
    auto r = t.exec({"--process", (t.c.dir() / "process.json").string(), t.c.id()});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "from-process-json 1\n/etc\n");
}

TEST_F(ExecTest, TtyOverTheConsoleSocket) {
    Running t;
    ConsoleListener listener(t.c.dir() / "exec-console.sock");
    auto r = t.exec({"--tty", "--detach", "--console-socket", (t.c.dir() / "exec-console.sock").string(), t.c.id(),
                     "sh", "-c", "tty; echo tty-ok"});
    ASSERT_TRUE(r.ok()) << r;
    int master = listener.receive();
    ASSERT_GE(master, 0);
    std::string out = read_until_eof(master, 5s);
    EXPECT_THAT(out, HasSubstr("/dev/pts/"));
    EXPECT_THAT(out, HasSubstr("tty-ok"));
}

TEST_F(ExecTest, MissingExecutableAndStoppedContainerFailClearly) {
    Running t;
    auto r = t.exec({t.c.id(), "no-such-binary"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("no-such-binary"));
    ASSERT_TRUE(t.c.kill(t.c.id(), "KILL").ok());
    t.c.wait_status(t.c.id(), "stopped");
    r = t.exec({t.c.id(), "true"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("stopped"));
}


TEST_F(ExecTest, InteractiveTtyWithWindowSize) {
    Running t;
    json proc = {{"args", {"sh"}}, {"cwd", "/"}, {"terminal", true}, {"consoleSize", {{"height", 25}, {"width", 90}}},
                 {"env", {"PATH=/bin:/usr/bin", "TERM=dumb"}}, {"user", {{"uid", 0}, {"gid", 0}}}};
    write_text(t.c.dir() / "tty-process.json", proc.dump());
    ConsoleListener listener(t.c.dir() / "tty.sock");
    auto r = t.exec({"--process", (t.c.dir() / "tty-process.json").string(), "--detach", "--console-socket",
                     (t.c.dir() / "tty.sock").string(), t.c.id()});
    ASSERT_TRUE(r.ok()) << r;
    int master = listener.receive();
    ASSERT_GE(master, 0);
    std::string cmd = "stty size; echo sum=$((40+2)); exit\n";
    ASSERT_EQ(::write(master, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
    std::string out = read_until_eof(master, 5s);
    EXPECT_THAT(out, HasSubstr("25 90"));
    EXPECT_THAT(out, HasSubstr("sum=42"));
}

}  // namespace
}  // namespace brig::it
