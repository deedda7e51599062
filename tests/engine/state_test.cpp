// Engine integration tests of a container's live state: stats under load, OOM kills, and
// `brig rm` killed at random points. Real detached containers on the shared fixture
// (fixture.hpp); the load comes from brig-probe (probe.cpp) copied into the test's rootfs.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace {

using namespace brig::test;

class EngineState : public EngineFixture {
protected:
    // "12.5MiB / 256MiB" -> the first figure in bytes.
    static double mem_bytes(const std::string& usage) {
        size_t used = 0;
        double v = std::stod(usage, &used);
        std::string unit = usage.substr(used, usage.find(' ') - used);
        for (const auto& [u, f] : std::vector<std::pair<std::string, double>>{
                 {"B", 1}, {"KiB", 1024}, {"MiB", 1024.0 * 1024}, {"GiB", 1024.0 * 1024 * 1024}})
            if (unit == u) return v * f;
        ADD_FAILURE() << "unknown unit in " << usage;
        return 0;
    }
    json stats(const std::string& ref) {
        auto p = brig({"stats", "--no-stream", "--format", "json", ref});
        EXPECT_EQ(p.code, 0) << p;
        return p.code == 0 ? json::parse(p.out) : json::object({{"CPUPerc", "0%"}, {"MemUsage", "0B / 0B"}, {"PIDs", "0"}});
    }
    std::string container_id(const std::string& ref) { return inspect(ref).value("Id", ""); }
};

TEST_F(EngineState, StatsMoveUnderLoad) {
    // One process that burns a CPU and grows by 1 MiB every 50 ms (to 160 MiB).
    auto p = brig_run({"-d", "--name", "busy", "--memory", "512m"}, {"/bin/brig-probe", "load", "160"});
    ASSERT_EQ(p.code, 0) << p;
    std::this_thread::sleep_for(300ms);
    auto a = stats("busy");
    std::this_thread::sleep_for(700ms);
    auto b = stats("busy");
    double cpu_a = std::stod(a["CPUPerc"].get<std::string>()), cpu_b = std::stod(b["CPUPerc"].get<std::string>());
    double mem_a = mem_bytes(a["MemUsage"]), mem_b = mem_bytes(b["MemUsage"]);
    std::cout << "[ stats ] CPU " << cpu_a << "% / " << cpu_b << "%, memory " << mem_a / 1048576 << " -> "
              << mem_b / 1048576 << " MiB" << std::endl;
    // A busy loop on a 2-core machine shared with other work: well above an idle container's ~0%.
    EXPECT_GT(cpu_a, 25.0) << a.dump();
    EXPECT_GT(cpu_b, 25.0) << b.dump();
    EXPECT_GT(mem_a, 2.0 * 1048576) << a.dump();
    EXPECT_GT(mem_b, mem_a + 4.0 * 1048576) << a.dump() << b.dump();
    EXPECT_NE(b["MemUsage"].get<std::string>().find("/ 512MiB"), std::string::npos) << b.dump();
    EXPECT_EQ(b["PIDs"], "1") << b.dump();
    // An idle container next to it: ~0% CPU, and PIDs counts every process.
    p = brig_run({"-d", "--name", "idle"}, {"sh", "-c", "sleep 60 & sleep 60 & wait"});
    ASSERT_EQ(p.code, 0) << p;
    ASSERT_TRUE(eventually([&] { return stats("idle")["PIDs"] == "3"; })) << stats("idle").dump();
    EXPECT_LT(std::stod(stats("idle")["CPUPerc"].get<std::string>()), 5.0);
}

TEST_F(EngineState, OomKilledIsReported) {
    // 128 MiB against a 32 MiB limit (the host has no swap; --memory-swap makes sure).
    auto p = brig_run({"-d", "--name", "hog", "--memory", "32m", "--memory-swap", "32m"}, {"/bin/brig-probe", "alloc", "128"});
    ASSERT_EQ(p.code, 0) << p;
    ASSERT_TRUE(eventually([&] { return inspect("hog")["State"]["Status"] == "exited"; }, 20s)) << inspect("hog").dump();
    auto st = inspect("hog")["State"];
    EXPECT_EQ(st["OOMKilled"], true) << st.dump();
    EXPECT_EQ(st["ExitCode"], 137) << st.dump();
    EXPECT_EQ(brig({"inspect", "-f", "{{.State.OOMKilled}}", "hog"}).out, "true\n");

    // Killed, but not by the OOM killer: false. And a plain exit: false.
    p = brig_run({"-d", "--name", "calm", "--memory", "32m"}, {"/bin/brig-probe", "alloc", "4"});
    ASSERT_EQ(p.code, 0) << p;
    ASSERT_TRUE(eventually([&] { return brig({"logs", "calm"}).out == "allocated 4 MiB\n"; }));
    EXPECT_EQ(brig({"kill", "calm"}).code, 0);
    ASSERT_TRUE(eventually([&] { return inspect("calm")["State"]["Status"] == "exited"; }));
    EXPECT_EQ(inspect("calm")["State"]["OOMKilled"], false);
    EXPECT_EQ(inspect("calm")["State"]["ExitCode"], 137);
    p = brig_run({"--name", "fine", "--memory", "32m"}, {"true"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(inspect("fine")["State"]["OOMKilled"], false);

    // Started again, a container that was OOM-killed and now exits normally is not OOMKilled.
    p = brig({"start", "-a", "fine"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(inspect("fine")["State"]["OOMKilled"], false);
}

// `brig rm` (of a stopped container) and `brig rm -f` (of a running one) killed with SIGKILL
// after a random delay: ps -a stays consistent, and a next rm -f removes everything: record,
// runtime state, monitor, cgroups, mounts (overlay root, netns, a tmpfs volume).
TEST_F(EngineState, KillNineOfRmIsRepairable) {
    std::mt19937 rng(static_cast<unsigned>(getpid()));
    std::vector<pid_t> monitors;
    auto monitor_alive = [](pid_t p) {
        std::error_code ec;
        return fs::read_symlink("/proc/" + std::to_string(p) + "/exe", ec).string().ends_with("brig-monitor");
    };
    // Every container also mounts one tmpfs-backed volume: unmounted once the last user is gone.
    ASSERT_EQ(brig({"volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "tv"}).code, 0);
    for (int round = 0; round < 10; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        std::string name = "victim" + std::to_string(round);
        auto p = brig_run_image("busybox", {"-d", "--name", name, "-v", "tv:/data"}, {"sleep", "60"});
        ASSERT_EQ(p.code, 0) << p;
        auto state = json::parse(slurp(root_ + "/containers/" + p.out.substr(0, 64) + "/state.json"));
        monitors.push_back(state["monitor_pid"].get<pid_t>());
        bool running = round % 2 == 0;
        if (!running) {
            ASSERT_EQ(brig({"stop", "-t", "0", name}).code, 0);
        }
        run_killed_after(brig_argv(running ? std::vector<std::string>{"rm", "-f", name} : std::vector<std::string>{"rm", name}),
                         std::chrono::milliseconds(rng() % 200));
        // Consistent: ps -a works, and every container it lists can be inspected.
        auto ps = brig({"ps", "-a", "-q", "--no-trunc"});
        ASSERT_EQ(ps.code, 0) << ps;
        for (const auto& id : lines(ps.out)) {
            auto j = inspect(id);
            EXPECT_EQ(j.value("Id", ""), id) << brig({"inspect", id});
        }
    }
    auto left = lines(brig({"ps", "-a", "-q", "--no-trunc"}).out);
    std::cout << "[ rm killed ] " << left.size() << " of 10 containers were left for the next rm -f" << std::endl;
    for (const auto& id : left) {
        auto r = brig({"rm", "-f", id});
        EXPECT_EQ(r.code, 0) << id << ": " << r;
    }
    EXPECT_EQ(brig({"ps", "-a", "-q"}).out, "");
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_ + "/containers", ec)) {
        std::string n = e.path().filename().string();
        EXPECT_TRUE(n == "names" || n == ".lock") << "left in containers/: " << n;
    }
    // A name file may outlive an rm killed after the rename (stale: its directory is gone, and
    // the name is free again, store.hpp); it must not point at anything.
    for (const auto& e : fs::directory_iterator(root_ + "/containers/names", ec))
        for (const auto& id : lines(slurp(e.path().string())))
            EXPECT_FALSE(fs::exists(root_ + "/containers/" + id)) << e.path();
    EXPECT_TRUE(fs::is_empty(root_ + "/runtime", ec) || !fs::exists(root_ + "/runtime")) << "runtime state left";
    EXPECT_TRUE(eventually([&] {
        for (pid_t m : monitors)
            if (monitor_alive(m)) return false;
        return true;
    })) << "a monitor is still running";
    // Only the test's parent cgroups themselves: no container cgroup below them.
    for (const auto& d : cgroup_dirs()) EXPECT_EQ(d.filename().string(), fs::path(cgroup_parent_).filename().string()) << d;
    EXPECT_EQ(mounts_below(root_), std::vector<std::string>{}) << "mounts left";
}

// `brig rm -f` while the monitor is still inside the runtime's create (here a runtime that holds
// its lock 3 s longer, as a killed `run -d` can leave it): rm waits for the start to end, then removes the container.
TEST_F(EngineState, ForceRemoveWhileTheMonitorIsStillCreating) {
    std::string oci = fs::path(BRIG_ET_BRIG).parent_path() / "brig-oci";
    std::string slow = dir_ + "/slow-runtime";
    {
        std::ofstream f(slow);
        // create, then 3 s more with the runtime's lock on the container held.
        f << "#!/bin/sh\ncase \" $* \" in *\" create \"*) ;; *) exec " << oci << " \"$@\" ;; esac\n"
          << oci << " \"$@\" || exit $?\n"
          << "prev=; for a; do [ \"$prev\" = --root ] && root=$a; prev=$a; done\n"
          << "exec flock \"$root/$a\" sleep 3\n";
    }
    fs::permissions(slow, fs::perms::owner_all);
    run_killed_after(brig_argv({"--runtime", slow, "run", "-d", "--name", "slow", "--cgroup-parent", cgroup_parent_,
                                "--rootfs", rootfs_, "sleep", "60"}),
                     800ms);
    ASSERT_EQ(inspect("slow")["State"]["Status"], "created") << brig({"inspect", "slow"});
    auto r = brig({"rm", "-f", "slow"});
    EXPECT_EQ(r.code, 0) << r;
    EXPECT_EQ(brig({"ps", "-a", "-q"}).out, "");
    std::error_code ec;
    EXPECT_TRUE(fs::is_empty(root_ + "/runtime", ec) || !fs::exists(root_ + "/runtime")) << "runtime state left";
    for (const auto& d : cgroup_dirs()) EXPECT_EQ(d.filename().string(), fs::path(cgroup_parent_).filename().string()) << d;
}

}  // namespace
