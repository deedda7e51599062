// The container lifecycle through the CLI: create, state, start, kill, delete, run --detach.
#include <signal.h>

#include <fstream>
#include <thread>

#include <gmock/gmock.h>

#include "harness.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

class LifecycleTest : public RuntimeTest {};

bool process_gone(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string line;
    std::getline(stat, line);
    auto rp = line.rfind(')');
    return rp != std::string::npos && rp + 2 < line.size() && line[rp + 2] == 'Z';  // a zombie has finished
}

std::vector<int> cgroup_procs(const fs::path& cg) {
    std::vector<int> v;
    std::ifstream in(cg / "cgroup.procs");
    for (int p; in >> p;) v.push_back(p);
    return v;
}

// A container whose process is brig-inspect wait-signal: it reports through a host
// directory that it started (ready) and which signal it got (signal).
struct SignalContainer {
    Container c;
    fs::path shared;
    SignalContainer() {
        shared = c.add_bind("/shared", "shared");
        c.set_args({"/usr/bin/brig-inspect", "wait-signal", "/shared"});
    }
    bool ready() { return fs::exists(shared / "ready"); }
    std::string signal() { return fs::exists(shared / "signal") ? read_text(shared / "signal") : ""; }
};

TEST_F(LifecycleTest, CreateStartKillDelete) {
    SignalContainer s;
    Container& c = s.c;
    auto r = c.create();
    ASSERT_TRUE(r.ok()) << r;

    json st = c.state_json();
    EXPECT_EQ(st["status"], "created");
    EXPECT_EQ(st["id"], c.id());
    ASSERT_TRUE(st["pid"].is_number_integer()) << st;
    int pid = st["pid"];
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(fs::exists("/proc/" + std::to_string(pid))) << "init process of a created container not alive";
    // The process must not run before start: it would have written /shared/ready.
    std::this_thread::sleep_for(150ms);
    EXPECT_FALSE(s.ready()) << "the container process ran before start";
    // The init sits in the requested cgroup already.
    auto cgs = cgroup_dirs(c.id());
    EXPECT_FALSE(cgs.empty()) << "no cgroup /brig-test/" << c.id();
    for (const auto& cg : cgs) EXPECT_THAT(cgroup_procs(cg), ::testing::Contains(pid)) << cg;

    r = c.start();
    ASSERT_TRUE(r.ok()) << r;
    ASSERT_TRUE(wait_until([&] { return s.ready(); })) << "process did not start";
    st = c.state_json();
    EXPECT_EQ(st["status"], "running");
    EXPECT_EQ(st["pid"], pid);

    r = c.kill(c.id(), "TERM");
    ASSERT_TRUE(r.ok()) << r;
    ASSERT_TRUE(wait_until([&] { return !s.signal().empty(); })) << "no signal arrived";
    EXPECT_EQ(s.signal(), "15\n");
    st = c.wait_status(c.id(), "stopped");
    EXPECT_EQ(st.value("status", ""), "stopped") << st;

    r = c.remove(c.id());
    ASSERT_TRUE(r.ok()) << r;
    r = c.state(c.id());
    EXPECT_NE(r.exit_code, 0) << "state of a deleted container: " << r;
    c.expect_nothing_left(c.id());
}

// kill takes a signal by name, with or without SIG, or by number; SIGTERM by default.
class KillSignalTest : public RuntimeTest, public ::testing::WithParamInterface<std::pair<std::string, int>> {};

TEST_P(KillSignalTest, DeliversTheSignal) {
    auto [arg, number] = GetParam();
    SignalContainer s;
    ASSERT_TRUE(s.c.create().ok());
    ASSERT_TRUE(s.c.start().ok());
    ASSERT_TRUE(wait_until([&] { return s.ready(); })) << "process did not start";
    auto r = s.c.kill(s.c.id(), arg);
    ASSERT_TRUE(r.ok()) << r;
    ASSERT_TRUE(wait_until([&] { return !s.signal().empty(); })) << "no signal arrived";
    EXPECT_EQ(s.signal(), std::to_string(number) + "\n");
    EXPECT_EQ(s.c.wait_status(s.c.id(), "stopped").value("status", ""), "stopped");
}

INSTANTIATE_TEST_SUITE_P(Forms, KillSignalTest,
                         ::testing::Values(std::pair<std::string, int>{"", SIGTERM}, std::pair{"TERM", SIGTERM},
                                           std::pair{"SIGTERM", SIGTERM}, std::pair{"15", SIGTERM},
                                           std::pair{"USR1", SIGUSR1}, std::pair{"SIGHUP", SIGHUP},
                                           std::pair{"2", SIGINT}),
                         [](const auto& info) {
                             return info.param.first.empty() ? std::string("Default") : "Arg_" + info.param.first;
                         });

TEST_F(LifecycleTest, KillWithSigkillStopsTheContainer) {
    Container c;
    c.set_args({"sleep", "100"});
    ASSERT_TRUE(c.create().ok());
    ASSERT_TRUE(c.start().ok());
    int pid = c.state_json()["pid"];
    auto r = c.kill(c.id(), "KILL");
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(c.wait_status(c.id(), "stopped").value("status", ""), "stopped");
    EXPECT_TRUE(wait_until([&] { return process_gone(pid); }));
    ASSERT_TRUE(c.remove(c.id()).ok());
    c.expect_nothing_left(c.id());
}

TEST_F(LifecycleTest, DeleteOfARunningContainerNeedsForce) {
    Container c;
    c.set_args({"sleep", "100"});
    ASSERT_TRUE(c.create().ok());
    ASSERT_TRUE(c.start().ok());
    int pid = c.state_json()["pid"];

    auto r = c.remove(c.id());
    EXPECT_NE(r.exit_code, 0) << "delete without --force removed a running container: " << r;
    EXPECT_FALSE(r.err.empty());
    EXPECT_EQ(c.state_json()["status"], "running");
    EXPECT_FALSE(process_gone(pid));

    r = c.remove(c.id(), true);
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_NE(c.state(c.id()).exit_code, 0);
    EXPECT_TRUE(wait_until([&] { return process_gone(pid); })) << "process survived delete --force";
    c.expect_nothing_left(c.id());
}

TEST_F(LifecycleTest, DeleteForceOfACreatedContainer) {
    Container c;
    c.set_args({"sleep", "100"});
    ASSERT_TRUE(c.create().ok());
    int pid = c.state_json()["pid"];
    auto r = c.remove(c.id(), true);
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_TRUE(wait_until([&] { return process_gone(pid); }));
    c.expect_nothing_left(c.id());
}

TEST_F(LifecycleTest, StartTwiceFails) {
    Container c;
    c.set_args({"sleep", "100"});
    ASSERT_TRUE(c.create().ok());
    ASSERT_TRUE(c.start().ok());
    auto r = c.start();
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_FALSE(r.err.empty());
    EXPECT_EQ(c.state_json()["status"], "running");
}

TEST_F(LifecycleTest, RunDetach) {
    Container c;
    c.set_args({"sleep", "100"});
    auto t0 = std::chrono::steady_clock::now();
    auto r = c.run({"--detach"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s) << "run --detach waited for the process";
    json st = c.state_json();
    EXPECT_EQ(st["status"], "running");
    EXPECT_GT(st["pid"].get<int>(), 0);
    ASSERT_TRUE(c.remove(c.id(), true).ok());
    c.expect_nothing_left(c.id());
}

TEST_F(LifecycleTest, RunRemovesTheContainerWhenItExits) {
    Container c;
    c.set_args({"true"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_NE(c.state(c.id()).exit_code, 0) << "container still known after run returned";
    c.expect_nothing_left(c.id());
}

TEST_F(LifecycleTest, StateFields) {
    Container c;
    c.config()["annotations"] = {{"org.brig.test", "yes"}, {"com.example/key", "some value"}};
    c.set_args({"sleep", "100"});
    ASSERT_TRUE(c.create().ok());
    json st = c.state_json();
    ASSERT_TRUE(st.is_object()) << st;
    EXPECT_TRUE(st["ociVersion"].is_string() && !st["ociVersion"].get<std::string>().empty()) << st;
    EXPECT_EQ(st["id"], c.id());
    EXPECT_EQ(st["status"], "created");
    EXPECT_TRUE(st["pid"].is_number_integer()) << st;
    EXPECT_EQ(fs::path(st.value("bundle", "")), c.bundle()) << st;
    EXPECT_EQ(st["annotations"], c.config()["annotations"]) << st;
}

}  // namespace
}  // namespace brig::it
