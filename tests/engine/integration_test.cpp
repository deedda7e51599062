// Engine integration tests: real containers through the brig binary (root). The fixture
// (fixture.hpp) gives each test its own --root in a temp dir, a private copy of the busybox rootfs
// (plus brig-probe), the cgroup parent /brig-test/engine-<id>, and a network and mount namespace
// of the test process's own; its teardown removes everything the test made, also on failure.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "fixture.hpp"
#include "network/nft.hpp"

namespace {

using namespace brig::test;

class Engine : public EngineFixture {};

TEST_F(Engine, RunRmPrintsOutputAndExitCodes) {
    auto p = brig_run({"--rm"}, {"echo", "hi"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "hi\n");
    p = brig_run({"--rm"}, {"sh", "-c", "echo to-err >&2; exit 3"});
    EXPECT_EQ(p.code, 3) << p;
    EXPECT_EQ(p.err, "to-err\n");
    p = brig_run({"--rm"}, {"/no/such/program"});
    EXPECT_EQ(p.code, 127) << p;
    EXPECT_NE(p.err.find("brig:"), std::string::npos);
    p = brig_run({"--rm", "-e", "FOO=bar", "-w", "/tmp", "--hostname", "box"}, {"sh", "-c", "echo $FOO $(pwd) $(hostname)"});
    EXPECT_EQ(p.out, "bar /tmp box\n") << p;
    p = brig({"ps", "-a", "-q"});
    EXPECT_EQ(p.out, "") << "--rm containers are gone";
    // User errors: clear message, exit 125, nothing created.
    p = brig_run({"--restart", "sometimes"}, {"true"});
    EXPECT_EQ(p.code, 125);
    EXPECT_NE(p.err.find("restart policy"), std::string::npos) << p;
    p = brig({"run", "--rm", "no-such-image-here", "true"});
    EXPECT_EQ(p.code, 125);
    EXPECT_EQ(brig({"ps", "-a", "-q"}).out, "");
}

TEST_F(Engine, StdinIsForwardedWithInteractive) {
    std::vector<std::string> args = {"run", "--rm", "-i", "--cgroup-parent", cgroup_parent_, "--rootfs", rootfs_, "cat"};
    auto p = brig(args, 30s, "through stdin\n");
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "through stdin\n");
}

TEST_F(Engine, DetachedLogsExecStopRm) {
    auto p = brig_run({"-d", "--name", "web"},
                      {"sh", "-c", "trap 'echo bye; exit 0' TERM; echo out1; echo err1 >&2; echo out2; while true; do sleep 0.1; done"});
    ASSERT_EQ(p.code, 0) << p;
    std::string id = p.out.substr(0, p.out.size() - 1);
    EXPECT_EQ(id.size(), 64u);
    ASSERT_TRUE(eventually([&] { return brig({"logs", "web"}).out == "out1\nout2\n"; })) << brig({"logs", "web"});
    auto logs = brig({"logs", "web"});
    EXPECT_EQ(logs.err, "err1\n");
    // stdout and stderr are separate pipes, so only the order within a stream is defined.
    auto last = brig({"logs", "--tail", "1", "web"});
    EXPECT_TRUE(last.out + last.err == "out2\n" || last.out + last.err == "err1\n") << last;
    EXPECT_EQ(brig({"logs", "--tail", "0", "web"}).out, "");
    auto ts = brig({"logs", "-t", "web"}).out;
    EXPECT_EQ(ts.substr(4, 1), "-");
    EXPECT_NE(ts.find("Z out1"), std::string::npos) << ts;

    p = brig({"exec", "web", "cat", "/etc/hostname"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, id.substr(0, 12) + "\n");
    p = brig({"exec", "-e", "X=1", "-w", "/tmp", "web", "sh", "-c", "echo $X $(pwd); exit 4"});
    EXPECT_EQ(p.code, 4);
    EXPECT_EQ(p.out, "1 /tmp\n");
    p = brig({"exec", "-u", "1000:1000", "web", "id", "-u"});
    EXPECT_EQ(p.out, "1000\n") << p;

    p = brig({"ps"});
    EXPECT_NE(p.out.find("CONTAINER ID"), std::string::npos);
    EXPECT_NE(p.out.find("web"), std::string::npos);
    EXPECT_NE(p.out.find("Up "), std::string::npos) << p.out;

    // A follower sees new output and ends when the container stops.
    auto stop_started = std::chrono::steady_clock::now();
    EXPECT_EQ(brig({"stop", "web"}).code, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 5s) << "the trap handles SIGTERM at once";
    EXPECT_EQ(brig({"logs", "-f", "web"}, 10s).out, "out1\nout2\nbye\n");
    auto j = inspect("web");
    EXPECT_EQ(j["State"]["Status"], "exited");
    EXPECT_EQ(j["State"]["ExitCode"], 0);
    EXPECT_NE(brig({"ps", "-a"}).out.find("Exited (0)"), std::string::npos);
    EXPECT_EQ(brig({"ps", "-q"}).out, "");

    // Start again (attached), then remove.
    EXPECT_EQ(brig({"start", "web"}).code, 0);
    EXPECT_EQ(inspect("web")["State"]["Status"], "running");
    p = brig({"rm", "web"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("stop the container"), std::string::npos) << p;
    EXPECT_EQ(brig({"rm", "-f", "web"}).code, 0);
    EXPECT_EQ(brig({"ps", "-a", "-q"}).out, "");
    p = brig({"logs", "web"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("No such container"), std::string::npos);
}

TEST_F(Engine, RestartOnFailureCounted) {
    auto p = brig_run({"-d", "--name", "flaky", "--restart", "on-failure:2"}, {"sh", "-c", "echo run; exit 1"});
    ASSERT_EQ(p.code, 0) << p;
    ASSERT_TRUE(eventually([&] { return inspect("flaky")["State"]["Status"] == "exited"; }, 20s)) << inspect("flaky").dump();
    auto j = inspect("flaky");
    EXPECT_EQ(j["RestartCount"], 2);
    EXPECT_EQ(j["State"]["ExitCode"], 1);
    EXPECT_EQ(brig({"logs", "flaky"}).out, "run\nrun\nrun\n");
    EXPECT_EQ(brig({"wait", "flaky"}).out, "1\n");
}

TEST_F(Engine, RestartAlwaysUntilStoppedAndLogsFollow) {
    auto p = brig_run({"-d", "--name", "phoenix", "--restart", "always"}, {"sh", "-c", "echo up; sleep 0.2; exit 3"});
    ASSERT_EQ(p.code, 0) << p;
    ASSERT_TRUE(eventually([&] { return inspect("phoenix")["RestartCount"].get<int>() >= 2; }, 15s)) << inspect("phoenix").dump();
    EXPECT_EQ(brig({"stop", "-t", "2", "phoenix"}).code, 0);
    auto j = inspect("phoenix");
    EXPECT_EQ(j["State"]["Status"], "exited") << j.dump();
    int count = j["RestartCount"];
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(inspect("phoenix")["RestartCount"], count) << "a stopped container stays stopped";

    // logs -f follows output as it is written and returns when the container exits.
    p = brig_run({"-d", "--name", "ticker"}, {"sh", "-c", "for i in 1 2 3; do echo tick$i; sleep 0.3; done"});
    ASSERT_EQ(p.code, 0) << p;
    auto t0 = std::chrono::steady_clock::now();
    auto f = brig({"logs", "-f", "ticker"}, 15s);
    EXPECT_EQ(f.out, "tick1\ntick2\ntick3\n") << f;
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 500ms) << "-f waited for the output";
}

TEST_F(Engine, StopFallsBackToSigkill) {
    auto p = brig_run({"-d", "--name", "stubborn"}, {"sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"});
    ASSERT_EQ(p.code, 0) << p;
    auto t0 = std::chrono::steady_clock::now();
    p = brig({"stop", "-t", "1", "stubborn"});
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_GE(took, 1s);
    EXPECT_LT(took, 8s);
    EXPECT_EQ(inspect("stubborn")["State"]["ExitCode"], 137);
    // A custom stop signal is honoured.
    p = brig_run({"-d", "--name", "usr1", "--stop-signal", "USR1"},
                 {"sh", "-c", "trap 'exit 42' USR1; while true; do sleep 0.1; done"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(brig({"stop", "-t", "5", "usr1"}).code, 0);
    EXPECT_EQ(inspect("usr1")["State"]["ExitCode"], 42);
}

TEST_F(Engine, PsInspectStatsAndCgroupLimits) {
    auto p = brig_run({"-d", "--name", "limited", "--memory", "64m", "--pids-limit", "50", "--label", "tier=web"},
                      {"sh", "-c", "while true; do sleep 0.1; done"});
    ASSERT_EQ(p.code, 0) << p;
    std::string id = p.out.substr(0, 64);
    p = brig({"ps", "--format", "json"});
    ASSERT_EQ(p.code, 0);
    auto row = json::parse(p.out.substr(0, p.out.find('\n')));
    EXPECT_EQ(row["ID"], id.substr(0, 12));
    EXPECT_EQ(row["Names"], "limited");
    EXPECT_EQ(row["State"], "running");
    EXPECT_EQ(row["Labels"], "tier=web");
    EXPECT_TRUE(row.contains("Status") && row.contains("Command") && row.contains("CreatedAt"));
    EXPECT_EQ(brig({"ps", "--format", "{{.Names}}:{{.State}}"}).out, "limited:running\n");
    EXPECT_EQ(brig({"ps", "-q", "--filter", "label=tier=web"}).out, id.substr(0, 12) + "\n");
    EXPECT_EQ(brig({"ps", "-q", "--filter", "name=nope"}).out, "");

    auto j = inspect("limited");
    EXPECT_EQ(j["Id"], id);
    EXPECT_EQ(j["Name"], "/limited");
    EXPECT_EQ(j["State"]["Running"], true);
    EXPECT_GT(j["State"]["Pid"].get<int>(), 0);
    EXPECT_EQ(j["HostConfig"]["Memory"], 64 << 20);
    EXPECT_EQ(j["HostConfig"]["PidsLimit"], 50);
    EXPECT_EQ(j["Config"]["Labels"]["tier"], "web");
    EXPECT_EQ(brig({"inspect", "-f", "{{.State.Status}}", "limited"}).out, "running\n");

    std::string mem = cgroup_file(id, "memory", "memory.limit_in_bytes");
    if (mem.empty()) mem = cgroup_file(id, "memory", "memory.max");
    EXPECT_EQ(mem, std::to_string(64 << 20) + "\n");
    EXPECT_EQ(cgroup_file(id, "pids", "pids.max"), "50\n");

    p = brig({"stats", "--no-stream", "--format", "json", "limited"});
    ASSERT_EQ(p.code, 0) << p;
    auto s = json::parse(p.out);
    EXPECT_EQ(s["Name"], "limited");
    EXPECT_NE(s["MemUsage"].get<std::string>().find("/ 64MiB"), std::string::npos) << s.dump();
    EXPECT_GE(std::stoi(s["PIDs"].get<std::string>()), 1);
    EXPECT_TRUE(s.contains("CPUPerc") && s.contains("NetIO") && s.contains("BlockIO"));

    p = brig({"top", "limited"});
    EXPECT_NE(p.out.find("PID"), std::string::npos);
    EXPECT_NE(p.out.find("sh -c"), std::string::npos) << p;

    EXPECT_EQ(brig({"pause", "limited"}).code, 0);
    EXPECT_EQ(inspect("limited")["State"]["Status"], "paused");
    EXPECT_EQ(brig({"unpause", "limited"}).code, 0);
    EXPECT_EQ(inspect("limited")["State"]["Status"], "running");
    EXPECT_EQ(brig({"rename", "limited", "renamed"}).code, 0);
    EXPECT_EQ(inspect("renamed")["Id"], id);
    EXPECT_NE(brig({"inspect", "limited"}).code, 0);
}

TEST_F(Engine, CopyInOutAndSymlinkEscapeRefused) {
    auto p = brig_run({"-d", "--name", "files"}, {"sh", "-c", "while true; do sleep 0.1; done"});
    ASSERT_EQ(p.code, 0) << p;
    std::string host = dir_ + "/host";
    fs::create_directories(host + "/tree/sub");
    std::ofstream(host + "/in.txt") << "from host\n";
    std::ofstream(host + "/tree/sub/deep.txt") << "deep\n";
    EXPECT_EQ(brig({"cp", host + "/in.txt", "files:/tmp/"}).code, 0);
    EXPECT_EQ(brig({"exec", "files", "cat", "/tmp/in.txt"}).out, "from host\n");
    EXPECT_EQ(brig({"cp", host + "/tree", "files:/tmp/tree"}).code, 0);
    EXPECT_EQ(brig({"exec", "files", "cat", "/tmp/tree/sub/deep.txt"}).out, "deep\n");
    brig({"exec", "files", "sh", "-c", "echo from container > /tmp/out.txt"});
    EXPECT_EQ(brig({"cp", "files:/tmp/out.txt", host + "/out.txt"}).code, 0);
    EXPECT_EQ(slurp(host + "/out.txt"), "from container\n");

    // A host directory the container must never reach, and symlinks in the container that
    // point at it (absolute and with ..).
    std::string secret_dir = dir_ + "/hostsecret";
    fs::create_directories(secret_dir);
    std::ofstream(secret_dir + "/secret") << "host only\n";
    brig({"exec", "files", "ln", "-s", secret_dir, "/tmp/abs"});
    brig({"exec", "files", "ln", "-s", "../../../../../../../../.." + secret_dir, "/tmp/rel"});
    for (const std::string link : {"/tmp/abs", "/tmp/rel"}) {
        p = brig({"cp", "files:" + link + "/secret", host + "/stolen"});
        EXPECT_NE(p.code, 0) << "read through " << link;
        EXPECT_FALSE(fs::exists(host + "/stolen"));
        p = brig({"cp", host + "/in.txt", "files:" + link + "/planted"});
        EXPECT_FALSE(fs::exists(secret_dir + "/planted")) << "wrote through " << link;
    }
    // A symlink as the final destination is replaced, not followed.
    brig({"exec", "files", "ln", "-s", secret_dir + "/secret", "/tmp/target"});
    EXPECT_EQ(brig({"cp", host + "/in.txt", "files:/tmp/target"}).code, 0);
    EXPECT_EQ(slurp(secret_dir + "/secret"), "host only\n");
    EXPECT_EQ(brig({"exec", "files", "cat", "/tmp/target"}).out, "from host\n");
}

TEST_F(Engine, ConcurrentDetachedRunsGetUniqueNames) {
    std::vector<std::thread> threads;
    std::vector<Proc> results(8);
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&, i] {
            results[static_cast<size_t>(i)] = brig_run({"-d"}, {"sh", "-c", "while true; do sleep 0.1; done"});
        });
    for (auto& t : threads) t.join();
    for (const auto& r : results) EXPECT_EQ(r.code, 0) << r;
    auto names = brig({"ps", "--format", "{{.Names}}"}).out;
    std::set<std::string> unique;
    std::istringstream in(names);
    for (std::string n; std::getline(in, n);) unique.insert(n);
    EXPECT_EQ(unique.size(), 8u) << names;

    // Two runs racing for one name: exactly one wins.
    std::vector<Proc> same(2);
    std::thread a([&] { same[0] = brig_run({"-d", "--name", "dup"}, {"sleep", "30"}); });
    std::thread b([&] { same[1] = brig_run({"-d", "--name", "dup"}, {"sleep", "30"}); });
    a.join();
    b.join();
    EXPECT_EQ((same[0].code == 0) + (same[1].code == 0), 1) << same[0] << same[1];
    auto& loser = same[0].code == 0 ? same[1] : same[0];
    EXPECT_NE(loser.err.find("already in use"), std::string::npos) << loser;
    // Many commands at once on the same containers, then a consistent picture.
    std::vector<std::thread> storm;
    for (int i = 0; i < 10; ++i)
        storm.emplace_back([&, i] {
            if (i % 2) brig({"stop", "-t", "0", "dup"});
            else brig({"ps", "-a"});
        });
    for (auto& t : storm) t.join();
    EXPECT_EQ(inspect("dup")["State"]["Status"], "exited");
    EXPECT_EQ(brig({"ps", "-a", "-q"}).out.size(), 9u * 13);
}

TEST_F(Engine, KillNineOfBrigLeavesRepairableState) {
    std::mt19937 rng(static_cast<unsigned>(getpid()));
    for (int round = 0; round < 6; ++round)
        run_killed_after(brig_argv({"run", "-d", "--cgroup-parent", cgroup_parent_, "--rootfs", rootfs_, "sleep", "30"}),
                         std::chrono::milliseconds(rng() % 40));
    // Also kill a monitor: its container must show as exited with a reason.
    auto p = brig_run({"-d", "--name", "orphan"}, {"sleep", "30"});
    ASSERT_EQ(p.code, 0) << p;
    auto j = json::parse(slurp(root_ + "/containers/" + p.out.substr(0, 64) + "/state.json"));
    kill(j["monitor_pid"].get<int>(), SIGKILL);
    ASSERT_TRUE(eventually([&] { return inspect("orphan")["State"]["Status"] == "exited"; }));
    EXPECT_NE(inspect("orphan")["State"]["Error"].get<std::string>().find("monitor"), std::string::npos);

    auto ps = brig({"ps", "-a", "-q", "--no-trunc"});
    EXPECT_EQ(ps.code, 0) << ps;
    std::istringstream in(ps.out);
    for (std::string id; std::getline(in, id);) EXPECT_EQ(brig({"rm", "-f", id}).code, 0) << id;
    EXPECT_EQ(brig({"ps", "-a", "-q"}).out, "");
    // Nothing left: no records, no runtime state, no container processes.
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_ + "/containers", ec)) {
        std::string n = e.path().filename().string();
        EXPECT_TRUE(n == "names" || n == ".lock" || n.starts_with(".new-")) << n;
    }
    EXPECT_TRUE(fs::is_empty(root_ + "/runtime", ec)) << "runtime state left";
    EXPECT_TRUE(eventually([&] { return monitor_pids().empty(); }));
}

TEST_F(Engine, DefaultSeccompAndCapabilities) {
    auto p = brig_run({"--rm"}, {"/bin/brig-probe"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("keyctl=EPERM"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("add_key=EPERM"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("unshare=EPERM"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("getpid=ok"), std::string::npos) << p.out;
    // Common programs still work under the profile.
    p = brig_run({"--rm"}, {"sh", "-c", "ls / >/dev/null && echo a | sed s/a/b/ && (sleep 0.1 &) && wait"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "b\n");
    // The default capability set (docker's): no CAP_SYS_ADMIN (bit 21), CAP_CHOWN (bit 0) present.
    p = brig_run({"--rm"}, {"sh", "-c", "grep CapBnd /proc/self/status"});
    ASSERT_EQ(p.code, 0) << p;
    unsigned long long bnd = std::stoull(p.out.substr(p.out.find(':') + 1), nullptr, 16);
    EXPECT_EQ(bnd, 0xa80425fbULL) << p.out;
    // --privileged lifts both.
    p = brig_run({"--rm", "--privileged"}, {"/bin/brig-probe"});
    EXPECT_NE(p.out.find("unshare=ok"), std::string::npos) << p;
    p = brig_run({"--rm", "--cap-drop", "ALL"}, {"sh", "-c", "grep CapBnd /proc/self/status"});
    EXPECT_NE(p.out.find("0000000000000000"), std::string::npos) << p;
}

TEST_F(Engine, InitReadOnlyTmpfsUlimit) {
    auto p = brig_run({"--rm", "--init"}, {"sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out.rfind("/dev/init -- sh", 0), 0u) << p.out;
    p = brig_run({"--rm", "--read-only", "--tmpfs", "/scratch"}, {"sh", "-c", "touch /x 2>/dev/null || echo ro; touch /scratch/y && echo rw"});
    EXPECT_EQ(p.out, "ro\nrw\n") << p;
    p = brig_run({"--rm", "--ulimit", "nofile=512:1024"}, {"sh", "-c", "ulimit -n"});
    EXPECT_EQ(p.out, "512\n") << p;
}

TEST_F(Engine, HealthCheckShownInPsAndInspect) {
    auto p = brig_run({"-d", "--name", "doc", "--health-cmd", "test -f /tmp/ok", "--health-interval", "200ms",
                       "--health-retries", "1"},
                      {"sh", "-c", "touch /tmp/ok; while true; do sleep 0.1; done"});
    ASSERT_EQ(p.code, 0) << p;
    ASSERT_TRUE(eventually([&] { return inspect("doc")["State"]["Health"]["Status"] == "healthy"; })) << inspect("doc").dump();
    EXPECT_NE(brig({"ps"}).out.find("(healthy)"), std::string::npos);
    brig({"exec", "doc", "rm", "/tmp/ok"});
    ASSERT_TRUE(eventually([&] { return inspect("doc")["State"]["Health"]["Status"] == "unhealthy"; }));
    EXPECT_EQ(brig({"ps", "-q", "--filter", "health=unhealthy"}).out.size(), 13u);
}

TEST_F(Engine, RunsTheEmbeddedBusyboxImageOnOverlay) {
    auto p = brig({"run", "--rm", "--cgroup-parent", cgroup_parent_, "busybox", "echo", "hi"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "hi\n");
    p = brig({"run", "-d", "--name", "img", "--cgroup-parent", cgroup_parent_, "busybox", "sh", "-c",
              "echo data > /written; sleep 30"});
    ASSERT_EQ(p.code, 0) << p;
    ASSERT_TRUE(eventually([&] { return brig({"exec", "img", "cat", "/written"}).out == "data\n"; }));
    EXPECT_EQ(inspect("img")["Config"]["Image"], "busybox");
    EXPECT_EQ(inspect("img")["GraphDriver"]["Name"], "overlay");
    // The change lives in the container's upper layer, not in the image.
    EXPECT_EQ(brig({"run", "--rm", "--cgroup-parent", cgroup_parent_, "busybox", "cat", "/written"}).code, 1);
    EXPECT_EQ(brig({"rm", "-f", "img"}).code, 0);
    EXPECT_EQ(slurp("/proc/self/mountinfo").find(root_), std::string::npos) << "overlay left mounted";
    std::error_code ec;
    EXPECT_TRUE(fs::is_empty(root_ + "/containers-storage", ec) || !fs::exists(root_ + "/containers-storage"));
}

TEST_F(Engine, WorksWithRuncAndCrun) {
    for (const std::string rt : {"/usr/sbin/runc", "/usr/bin/crun"}) {
        if (!fs::exists(rt)) continue;
        SCOPED_TRACE(rt);
        auto p = brig({"--runtime", rt, "run", "--rm", "--cgroup-parent", cgroup_parent_, "--rootfs", rootfs_, "sh", "-c",
                       "echo via; exit 5"});
        if (p.err.find("hybrid mode not supported") != std::string::npos) {
            std::cout << "[ skipped ] " << rt << ": " << p.err;  // crun refuses this machine's hybrid cgroups
            continue;
        }
        EXPECT_EQ(p.code, 5) << p;
        EXPECT_EQ(p.out, "via\n");
        p = brig({"--runtime", rt, "run", "-d", "--name", "other", "--cgroup-parent", cgroup_parent_, "--rootfs", rootfs_,
                  "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"});
        ASSERT_EQ(p.code, 0) << p;
        EXPECT_EQ(brig({"exec", "other", "echo", "in"}).out, "in\n");
        p = brig({"stop", "other"});
        EXPECT_EQ(p.code, 0) << p;
        EXPECT_EQ(inspect("other")["State"]["ExitCode"], 0) << inspect("other").dump();
        p = brig({"rm", "other"});
        EXPECT_EQ(p.code, 0) << p;
    }
}

TEST_F(Engine, InteractiveTerminal) {
    if (!fs::exists("/usr/bin/script")) GTEST_SKIP() << "script(1) is needed for a pty";
    std::string cmd = std::string(BRIG_ET_BRIG) + " --root " + root_ + " run --rm -it --cgroup-parent " + cgroup_parent_ +
                      " --rootfs " + rootfs_ + " sh -c 'tty; echo TERM=$TERM; exit 7'";
    auto p = run({"/usr/bin/script", "-qec", cmd, "/dev/null"}, 30s);
    EXPECT_EQ(p.code, 7) << p;
    EXPECT_NE(p.out.find("/dev/pts/0"), std::string::npos) << p;
    EXPECT_NE(p.out.find("TERM=xterm"), std::string::npos) << p;
}

TEST_F(Engine, MonitorIsSmall) {
    auto p = brig_run({"-d", "--name", "idle"}, {"sleep", "30"});
    ASSERT_EQ(p.code, 0) << p;
    auto j = json::parse(slurp(root_ + "/containers/" + p.out.substr(0, 64) + "/state.json"));
    std::string status = slurp("/proc/" + std::to_string(j["monitor_pid"].get<int>()) + "/status");
    auto pos = status.find("VmRSS:");
    ASSERT_NE(pos, std::string::npos);
    long kb = std::stol(status.substr(pos + 6));
    std::cout << "[ monitor ] VmRSS " << kb << " kB" << std::endl;
    EXPECT_LT(kb, 4096);
}

// ================================ networking (engine + brig_network) ================================
// Every test here runs in the test process's own network namespace (IsolatedNetwork).

// An HTTP GET of `path` from ip:port; the response ("" when nothing answers).
std::string http_get(const std::string& ip, int port, const std::string& path) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "";
    timeval tv{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    std::string out;
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        std::string req = "GET " + path + " HTTP/1.0\r\n\r\n";
        (void)!write(fd, req.data(), req.size());
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return out;
}

std::vector<std::string> host_links() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/sys/class/net", ec)) out.push_back(e.path().filename().string());
    return out;
}

TEST_F(Engine, NetPublishedPortFromLoopbackAndGateway) {
    // busybox httpd serves the container's /etc: /hostname is the container's short id.
    auto p = brig_run({"-d", "--name", "web", "-p", "8080:80"}, {"httpd", "-f", "-p", "80", "-h", "/etc"});
    ASSERT_EQ(p.code, 0) << p;
    std::string id = p.out.substr(0, 64);
    ASSERT_TRUE(eventually([&] { return http_get("127.0.0.1", 8080, "/hostname").find(id.substr(0, 12)) != std::string::npos; }))
        << http_get("127.0.0.1", 8080, "/hostname");
    auto j = inspect("web");
    std::string gw = j["NetworkSettings"]["Gateway"].get<std::string>();
    EXPECT_EQ(gw, "10.88.0.1") << j["NetworkSettings"].dump();
    EXPECT_NE(http_get(gw, 8080, "/hostname").find(id.substr(0, 12)), std::string::npos);
    EXPECT_EQ(j["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"], "8080") << j["NetworkSettings"].dump();
    EXPECT_FALSE(j["NetworkSettings"]["Networks"]["bridge"]["IPAddress"].get<std::string>().empty());
    EXPECT_EQ(brig({"port", "web"}).out, "80/tcp -> 0.0.0.0:8080\n");
    EXPECT_EQ(brig({"port", "web", "80"}).out, "0.0.0.0:8080\n");
    EXPECT_EQ(brig({"ps", "--format", "{{.Ports}} {{.Networks}}"}).out, "0.0.0.0:8080->80/tcp bridge\n");
    // The container's /etc files: its hostname and its own address in /etc/hosts.
    EXPECT_EQ(brig({"exec", "web", "cat", "/etc/hostname"}).out, id.substr(0, 12) + "\n");
    EXPECT_NE(brig({"exec", "web", "cat", "/etc/hosts"}).out.find(j["NetworkSettings"]["IPAddress"].get<std::string>()),
              std::string::npos);
    // stop gives the address and port back, start attaches again.
    ASSERT_EQ(brig({"stop", "-t", "1", "web"}).code, 0);
    EXPECT_EQ(http_get("127.0.0.1", 8080, "/hostname"), "");
    EXPECT_EQ(brig({"port", "web"}).out, "");
    ASSERT_EQ(brig({"start", "web"}).code, 0);
    EXPECT_TRUE(eventually([&] { return http_get("127.0.0.1", 8080, "/hostname").find("200 OK") != std::string::npos; }));
}

TEST_F(Engine, NetUserNetworkResolvesNamesAndAliases) {
    ASSERT_EQ(brig({"network", "create", "appnet"}).code, 0);
    auto p = brig_run({"-d", "--name", "alpha", "--network", "appnet", "--network-alias", "db"}, {"sleep", "60"});
    ASSERT_EQ(p.code, 0) << p;
    p = brig_run({"-d", "--name", "beta", "--network", "appnet", "--hostname", "bhost", "--add-host", "extra:10.1.2.3"},
                 {"sleep", "60"});
    ASSERT_EQ(p.code, 0) << p;
    for (const std::string target : {"alpha", "db", "alpha.appnet"}) {
        auto r = brig({"exec", "beta", "ping", "-c", "1", "-W", "3", target});
        EXPECT_EQ(r.code, 0) << target << ": " << r;
    }
    auto r = brig({"exec", "alpha", "ping", "-c", "1", "-W", "3", "beta"});
    EXPECT_EQ(r.code, 0) << r;
    EXPECT_EQ(brig({"exec", "beta", "cat", "/etc/hostname"}).out, "bhost\n");
    EXPECT_NE(brig({"exec", "beta", "cat", "/etc/hosts"}).out.find("10.1.2.3"), std::string::npos);
    EXPECT_NE(brig({"exec", "beta", "cat", "/etc/resolv.conf"}).out.find("nameserver 10.89."), std::string::npos);
    // A container on another network is out of reach until connected (by name) to it.
    ASSERT_EQ(brig({"network", "create", "othernet"}).code, 0);
    p = brig_run({"-d", "--name", "gamma", "--network", "othernet"}, {"sleep", "60"});
    ASSERT_EQ(p.code, 0) << p;
    std::string gamma_ip = inspect("gamma")["NetworkSettings"]["Networks"]["othernet"]["IPAddress"].get<std::string>();
    ASSERT_FALSE(gamma_ip.empty());
    EXPECT_NE(brig({"exec", "beta", "ping", "-c", "1", "-W", "1", gamma_ip}).code, 0);
    r = brig({"network", "connect", "othernet", "beta"});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_TRUE(inspect("beta")["NetworkSettings"]["Networks"].contains("othernet"));
    r = brig({"exec", "beta", "ping", "-c", "1", "-W", "3", gamma_ip});
    EXPECT_EQ(r.code, 0) << r;
    r = brig({"network", "disconnect", "othernet", "beta"});
    EXPECT_EQ(r.code, 0) << r;
    EXPECT_FALSE(inspect("beta")["NetworkSettings"]["Networks"].contains("othernet"));
    EXPECT_EQ(brig({"rm", "-f", "gamma"}).code, 0);
    EXPECT_EQ(brig({"network", "rm", "othernet"}).code, 0);
    // The network is in use: rm refuses; after the containers are gone it goes.
    auto rm = brig({"network", "rm", "appnet"});
    EXPECT_NE(rm.code, 0);
    EXPECT_NE(rm.err.find("active endpoints"), std::string::npos) << rm;
    EXPECT_EQ(brig({"rm", "-f", "alpha", "beta"}).code, 0);
    EXPECT_EQ(brig({"network", "rm", "appnet"}).code, 0);
}

TEST_F(Engine, NetNoneHasOnlyLoopbackAndContainerModeShares) {
    auto p = brig_run({"--rm", "--network", "none"}, {"ls", "/sys/class/net"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "lo\n");
    p = brig_run({"-d", "--name", "first"}, {"sleep", "60"});
    ASSERT_EQ(p.code, 0) << p;
    std::string ns_first = brig({"exec", "first", "readlink", "/proc/self/ns/net"}).out;
    ASSERT_FALSE(ns_first.empty());
    p = brig_run({"--rm", "--network", "container:first"}, {"readlink", "/proc/self/ns/net"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, ns_first);
    p = brig_run({"--rm"}, {"readlink", "/proc/self/ns/net"});
    EXPECT_NE(p.out, ns_first);
    // Errors: an unknown container, ports without a bridge.
    EXPECT_NE(brig_run({"--rm", "--network", "container:nosuch"}, {"true"}).code, 0);
    EXPECT_NE(brig_run({"--rm", "--network", "none", "-p", "80"}, {"true"}).code, 0);
    auto bad = brig_run({"--rm", "--network", "nosuchnet"}, {"true"});
    EXPECT_EQ(bad.code, 125) << bad;
    EXPECT_NE(bad.err.find("network nosuchnet not found"), std::string::npos) << bad;
    EXPECT_EQ(brig({"ps", "-a", "-q"}).out, brig({"ps", "-q"}).out) << "a failed run left a container";
}

TEST_F(Engine, NetRmLeavesNothingBehind) {
    auto links_before = host_links();
    ASSERT_EQ(brig({"network", "create", "tmpnet"}).code, 0);
    auto p = brig_run({"-d", "--name", "one", "-p", "8081:80"}, {"sleep", "60"});
    ASSERT_EQ(p.code, 0) << p;
    p = brig_run({"-d", "--name", "two", "--network", "tmpnet", "-p", "8082:80/udp"}, {"sleep", "60"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(brig::network::nft::list().value_or("").find("8081"), std::string::npos);
    EXPECT_FALSE(fs::is_empty(root_ + "/netns"));
    EXPECT_EQ(brig({"rm", "-f", "one", "two"}).code, 0);
    // brig killed (SIGKILL) at points of `run -d`: rm -f of what it left cleans up all the same.
    int n = 0;
    for (auto delay : {15ms, 40ms, 80ms, 150ms, 300ms}) {
        std::vector<std::string> args = {BRIG_ET_BRIG, "--root", root_, "run", "-d", "--name", "k" + std::to_string(n),
                                          "--cgroup-parent", cgroup_parent_, "-p", std::to_string(9100 + n) + ":80",
                                          "--rootfs", rootfs_, "sleep", "60"};
        ++n;
        run(args, delay);
    }
    {
        auto ids = brig({"ps", "-a", "-q", "--no-trunc"});
        std::istringstream in(ids.out);
        for (std::string cid; std::getline(in, cid);)
            if (!cid.empty()) {
                EXPECT_EQ(brig({"rm", "-f", cid}).code, 0);
            }
    }
    std::error_code ec;
    EXPECT_TRUE(fs::is_empty(root_ + "/netns", ec)) << "netns files left";
    for (const auto& l : host_links()) EXPECT_FALSE(l.starts_with("vb")) << "veth left: " << l;
    auto table = brig::network::nft::list().value_or("");
    EXPECT_EQ(table.find("8081"), std::string::npos) << table;
    EXPECT_EQ(table.find("8082"), std::string::npos) << table;
    for (const auto& net : {"bridge", "tmpnet"}) {
        auto j = json::parse(brig({"network", "inspect", net}).out);
        EXPECT_TRUE(j[0]["Containers"].empty()) << j.dump();
    }
    EXPECT_EQ(slurp("/proc/self/mountinfo").find(root_ + "/netns/"), std::string::npos) << "netns still mounted";
    EXPECT_EQ(brig({"network", "rm", "tmpnet"}).code, 0);
}

}  // namespace
