// cgroups: every limit is enforced, not only written, and pause / resume / update / ps /
// events / delete work on live containers. Runs on v1, hybrid (this machine) and pure v2;
// resources whose controller the machine lacks are skipped with the reason.
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>

#include "harness.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

class CgroupTest : public RuntimeTest {};

bool pure_v2() { return fs::exists("/sys/fs/cgroup/cgroup.controllers"); }

// The container's directory for a v1 controller, or its v2 directory.
fs::path cg_dir(const std::string& controller, const std::string& id) {
    if (pure_v2()) return fs::path("/sys/fs/cgroup/brig-test") / id;
    return fs::path("/sys/fs/cgroup") / controller / "brig-test" / id;
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// A file of the container's cgroup: the v1 name, or the v2 name on a pure v2 machine.
std::string cg_read(const std::string& controller, const std::string& id, const std::string& v1_file,
                    const std::string& v2_file) {
    return trimmed(read_text(cg_dir(controller, id) / (pure_v2() ? v2_file : v1_file)));
}

// "key value" lines -> value of key (cpu.stat, pids.events, memory.oom_control).
uint64_t key_value(const std::string& text, const std::string& key) {
    std::istringstream in(text);
    for (std::string k, v; in >> k >> v;)
        if (k == key) return std::stoull(v);
    return 0;
}

// Cumulative CPU time of the container in nanoseconds.
uint64_t cpu_usage_ns(const std::string& id) {
    if (pure_v2()) return key_value(read_text(cg_dir("", id) / "cpu.stat"), "usage_usec") * 1000;
    return std::stoull(read_text(cg_dir("cpuacct", id) / "cpuacct.usage"));
}

// A small file the container writes: retried until it is complete (non-empty).
std::string read_nonempty(const fs::path& p, std::chrono::milliseconds timeout = 5s) {
    std::string s;
    wait_until(
        [&] {
            std::error_code ec;
            if (!fs::exists(p, ec)) return false;
            try {
                s = trimmed(read_text(p));
            } catch (...) {
                return false;
            }
            return !s.empty();
        },
        timeout);
    return s;
}

json events_lines(const std::string& text) {
    json arr = json::array();
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        json j = json::parse(line, nullptr, false);
        arr.push_back(j.is_discarded() ? json(line) : j);
    }
    return arr;
}

void set_resources(Container& c, json resources) { c.config()["linux"]["resources"] = std::move(resources); }

void drop_namespace(Container& c, const std::string& type) {
    auto& ns = c.config()["linux"]["namespaces"];
    ns.erase(std::remove_if(ns.begin(), ns.end(), [&](const json& n) { return n["type"] == type; }), ns.end());
}

// ---- limits, enforced ------------------------------------------------------------------

TEST_F(CgroupTest, MemoryHogIsOomKilledAndEventsAndStatsReportIt) {
    Container c;
    set_resources(c, {{"memory", {{"limit", 32 << 20}, {"swap", 32 << 20}}}});
    // Waits for the go-ahead, then reads 64 MiB into one buffer: more than the limit.
    c.set_args({"sh", "-c",
                "while [ ! -e /tmp/go ]; do sleep 0.02; done; dd if=/dev/zero of=/dev/null bs=64M count=1; "
                "echo $? > /tmp/dd.status; exec sleep 30"});
    auto r = c.run({"--detach"});
    ASSERT_TRUE(r.ok()) << r;

    // The event stream goes to a file, so that it can be watched while it runs.
    fs::path log = c.dir() / "events.log";
    Child events({"sh", "-c",
                  "exec " + runtime_path() + " --root " + c.state_root().string() + " events --interval 100ms " +
                      c.id() + " > " + log.string() + " 2>&1"});
    ASSERT_TRUE(wait_until([&] { return read_nonempty(log, 0ms).find("\"stats\"") != std::string::npos; }, 5s))
        << "no stats event from `events`: " << read_text(log);
    write_text(c.rootfs() / "tmp/go", "");

    // 128 + SIGKILL: the OOM killer took dd, the shell lives on.
    EXPECT_EQ(read_nonempty(c.rootfs() / "tmp/dd.status"), "137");
    if (!pure_v2()) {
        EXPECT_GE(key_value(read_text(cg_dir("memory", c.id()) / "memory.oom_control"), "oom_kill"), 1u);
    } else {
        EXPECT_GE(key_value(read_text(cg_dir("memory", c.id()) / "memory.events"), "oom_kill"), 1u);
    }

    auto stats = c.runtime({"events", "--stats", c.id()});
    ASSERT_TRUE(stats.ok()) << stats;
    json s = parse_json_output(stats);
    EXPECT_EQ(s["type"], "stats");
    EXPECT_GE(s["data"]["memory"]["event_count"]["oom_kill"].get<uint64_t>(), 1u) << s.dump();
    EXPECT_EQ(s["data"]["memory"]["usage"]["limit"], 32 << 20);

    // The stream ends by itself once the container is gone, having reported the OOM.
    ASSERT_TRUE(c.remove(c.id(), true).ok());
    auto done = events.wait(5s);
    ASSERT_TRUE(done.has_value()) << "events did not stop when the container did";
    EXPECT_EQ(done->exit_code, 0) << read_text(log);
    json lines = events_lines(read_text(log));
    bool oom = std::any_of(lines.begin(), lines.end(),
                           [&](const json& j) { return j.is_object() && j["type"] == "oom" && j["id"] == c.id(); });
    EXPECT_TRUE(oom) << "no oom event in:\n" << read_text(log);
}

TEST_F(CgroupTest, ForkLoopStopsAtPidsMax) {
    Container c;
    set_resources(c, {{"pids", {{"limit", 10}}}});
    // The loop runs in a subshell: a shell whose fork fails gives up, and the container's
    // init must live on to report.
    c.set_args({"sh", "-c",
                "(i=0; while [ $i -lt 30 ]; do sleep 30 & i=$((i+1)); done) 2>/tmp/err; echo done > /tmp/done; "
                "exec sleep 30"});
    auto r = c.run({"--detach"});
    ASSERT_TRUE(r.ok()) << r;
    ASSERT_EQ(read_nonempty(c.rootfs() / "tmp/done"), "done");
    // The init, the subshell and eight sleeps reached the limit; the subshell is gone now.
    uint64_t current = std::stoull(cg_read("pids", c.id(), "pids.current", "pids.current"));
    EXPECT_LE(current, 10u);
    EXPECT_GE(current, 9u);
    EXPECT_GT(key_value(read_text(cg_dir("pids", c.id()) / "pids.events"), "max"), 0u);
    EXPECT_THAT(read_text(c.rootfs() / "tmp/err"), HasSubstr("can't fork"));
    auto ps = c.runtime({"ps", "--format", "json", c.id()});
    ASSERT_TRUE(ps.ok()) << ps;
    EXPECT_EQ(parse_json_output(ps).size(), current);
}

TEST_F(CgroupTest, CpuQuotaHoldsABusyLoopNearItsShare) {
    Container c;
    set_resources(c, {{"cpu", {{"quota", 20000}, {"period", 100000}}}});  // 0.2 CPU
    c.set_args({"sh", "-c", "while :; do :; done"});
    auto r = c.run({"--detach"});
    ASSERT_TRUE(r.ok()) << r;
    std::this_thread::sleep_for(200ms);
    auto t0 = std::chrono::steady_clock::now();
    uint64_t u0 = cpu_usage_ns(c.id());
    std::this_thread::sleep_for(1s);
    uint64_t u1 = cpu_usage_ns(c.id());
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double share = static_cast<double>(u1 - u0) / 1e9 / wall;
    EXPECT_GT(share, 0.08) << "the loop hardly ran";
    EXPECT_LT(share, 0.35) << "the quota did not hold the loop near 20% of a CPU";
}

// A host character device outside the default list that is harmless to open: /dev/fuse
// (read-write), else /dev/kmsg (write-only: opening it writes nothing).
struct TestDevice {
    std::string path;
    int major = 0, minor = 0;
    std::string redirect;  // the shell redirection that opens it
};

std::optional<TestDevice> test_device() {
    if (fs::exists("/dev/fuse")) return TestDevice{"/dev/fuse", 10, 229, "3<>"};
    if (fs::exists("/dev/kmsg") && trimmed(read_text("/proc/sys/kernel/printk_devkmsg")) != "off")
        return TestDevice{"/dev/kmsg", 1, 11, "3>"};
    return std::nullopt;
}

TEST_F(CgroupTest, DeniedDeviceCannotBeOpenedWhileAllowedOnesCan) {
    auto dev = test_device();
    if (!dev) GTEST_SKIP() << "neither /dev/fuse nor a writable /dev/kmsg here to test with";
    std::string probe = "for d in /dev/null /dev/zero; do ( : 3<>$d ) 2>/tmp/e && echo \"$d ok\" || echo \"$d denied\"; "
                        "done; if ( : " + dev->redirect + dev->path + " ) 2>/tmp/e; then echo \"" + dev->path +
                        " ok\"; else echo \"" + dev->path + " denied: $(cat /tmp/e)\"; fi";
    Container c;
    c.add_mount({{"destination", dev->path}, {"type", "bind"}, {"source", dev->path}, {"options", {"bind"}}});
    set_resources(c, {{"devices", {{{"allow", false}, {"access", "rwm"}}}}});
    c.set_args({"sh", "-c", probe});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("/dev/null ok"));
    EXPECT_THAT(r.out, HasSubstr("/dev/zero ok"));
    EXPECT_THAT(r.out, HasSubstr(dev->path + " denied"));
    EXPECT_THAT(r.out, HasSubstr("Operation not permitted"));

    // Allowed by a rule: it opens.
    set_resources(c, {{"devices", {{{"allow", false}, {"access", "rwm"}},
                                   {{"allow", true}, {"type", "c"}, {"major", dev->major}, {"minor", dev->minor},
                                    {"access", "rw"}}}}});
    r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr(dev->path + " ok"));
}

TEST_F(CgroupTest, DevicesListedInLinuxDevicesAreAllowed) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc allows only the devices that linux.resources.devices names";
    auto dev = test_device();
    if (!dev) GTEST_SKIP() << "neither /dev/fuse nor a writable /dev/kmsg here to test with";
    Container c;
    c.config()["linux"]["devices"] = json::array({{{"path", "/dev/brig-test-dev"},
                                                   {"type", "c"},
                                                   {"major", dev->major},
                                                   {"minor", dev->minor},
                                                   {"fileMode", 0666}}});
    set_resources(c, {{"devices", {{{"allow", false}, {"access", "rwm"}}}}});
    c.set_args({"sh", "-c", "( : " + dev->redirect + "/dev/brig-test-dev ) && echo opened"});
    auto r = c.run();
    EXPECT_TRUE(r.ok()) << r
                        << "\n(the runtime must hand linux.devices to cgroup::apply: ApplyOptions::devices)";
    EXPECT_THAT(r.out, HasSubstr("opened"));
}

// ---- pause / resume ----------------------------------------------------------------------

TEST_F(CgroupTest, PauseFreezesACountingProcessAndResumeContinuesIt) {
    Container c;
    c.set_args({"sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/n.new; mv /tmp/n.new /tmp/n; sleep 0.01; done"});
    auto r = c.run({"--detach"});
    ASSERT_TRUE(r.ok()) << r;
    fs::path n = c.rootfs() / "tmp/n";
    ASSERT_FALSE(read_nonempty(n).empty());

    auto p = c.runtime({"pause", c.id()});
    ASSERT_TRUE(p.ok()) << p;
    EXPECT_EQ(c.state_json()["status"], "paused");
    if (!pure_v2()) {
        EXPECT_EQ(cg_read("freezer", c.id(), "freezer.state", "cgroup.freeze"), "FROZEN");
    }
    std::string frozen = read_nonempty(n);
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(read_nonempty(n), frozen) << "the process kept counting while paused";
    auto again = c.runtime({"pause", c.id()});
    EXPECT_NE(again.exit_code, 0);
    EXPECT_THAT(again.err, HasSubstr("paused"));

    auto res = c.runtime({"resume", c.id()});
    ASSERT_TRUE(res.ok()) << res;
    EXPECT_EQ(c.state_json()["status"], "running");
    EXPECT_TRUE(wait_until([&] { return read_nonempty(n) != frozen; }, 3s)) << "counting did not continue";
    auto twice = c.runtime({"resume", c.id()});
    EXPECT_NE(twice.exit_code, 0);
    EXPECT_THAT(twice.err, HasSubstr("not paused"));
}

TEST_F(CgroupTest, DeleteForceRemovesAPausedContainer) {
    Container c;
    c.set_args({"sleep", "30"});
    ASSERT_TRUE(c.run({"--detach"}).ok());
    ASSERT_TRUE(c.runtime({"pause", c.id()}).ok());
    auto d = c.remove(c.id(), true);
    EXPECT_TRUE(d.ok()) << d;
    c.expect_nothing_left(c.id());
}

// ---- update ----------------------------------------------------------------------------

TEST_F(CgroupTest, UpdateChangesALiveLimitSeenInside) {
    Container c;
    set_resources(c, {{"memory", {{"limit", 64 << 20}}}, {"pids", {{"limit", 50}}}});
    // The container reports its own limit, as it sees it through its cgroup mount.
    c.set_args({"sh", "-c",
                "while :; do cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null "
                "> /tmp/lim.new; mv /tmp/lim.new /tmp/lim; sleep 0.02; done"});
    auto r = c.run({"--detach"});
    ASSERT_TRUE(r.ok()) << r;
    fs::path lim = c.rootfs() / "tmp/lim";
    EXPECT_EQ(read_nonempty(lim), std::to_string(64 << 20));

    auto u = c.runtime({"update", "--memory", "128m", c.id()});
    ASSERT_TRUE(u.ok()) << u;
    EXPECT_TRUE(wait_until([&] { return read_nonempty(lim) == std::to_string(128 << 20); }, 3s))
        << "inside: " << read_nonempty(lim);

    // --resources FILE, in the linux.resources shape.
    fs::path json_file = c.dir() / "resources.json";
    write_text(json_file, R"({"pids":{"limit":7},"cpu":{"shares":512}})");
    u = c.runtime({"update", "--resources", json_file.string(), c.id()});
    ASSERT_TRUE(u.ok()) << u;
    EXPECT_EQ(cg_read("pids", c.id(), "pids.max", "pids.max"), "7");
    EXPECT_EQ(cg_read("cpu", c.id(), "cpu.shares", "cpu.weight"), pure_v2() ? "20" : "512");
    EXPECT_EQ(read_nonempty(lim), std::to_string(128 << 20)) << "update --resources changed the memory limit";
}

TEST_F(CgroupTest, ALimitTheKernelRefusesNamesTheResource) {
    if (pure_v2()) GTEST_SKIP() << "cgroup v2 accepts any memory.max (it reclaims or OOM-kills instead)";
    Container c;
    set_resources(c, {{"memory", {{"limit", 64 << 20}}}});
    // Holds 8 MiB of tmpfs, which cannot be reclaimed without swap: the kernel cannot
    // shrink the container to one page.
    c.set_args({"sh", "-c", "dd if=/dev/zero of=/dev/shm/fill bs=1M count=8 2>/dev/null; exec sleep 30"});
    ASSERT_TRUE(c.run({"--detach"}).ok());
    std::this_thread::sleep_for(300ms);
    auto u = c.runtime({"update", "--memory", "1", c.id()});
    EXPECT_NE(u.exit_code, 0);
    EXPECT_THAT(u.err,
                HasSubstr("linux.resources.memory.limit: write 1 to memory.limit_in_bytes: Device or resource busy"));
    auto bad = c.runtime({"update", "--cpu-period", "abc", c.id()});
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_THAT(bad.err, HasSubstr("--cpu-period"));
}

// update saves what it applied into the stored config (<root>/<id>/config.json, which exec
// reads), so a later update of one field keeps the others; a refused update changes neither.
TEST_F(CgroupTest, UpdateIsSavedInTheStoredConfig) {
    Container c;
    set_resources(c, {{"memory", {{"limit", 64 << 20}}}, {"pids", {{"limit", 50}}}});
    c.set_args({"sleep", "30"});
    ASSERT_TRUE(c.run({"--detach"}).ok());
    const fs::path stored = c.state_root() / c.id() / "config.json";
    auto resources = [&] { return json::parse(read_text(stored))["linux"]["resources"]; };
    auto memory = [&] { return cg_read("memory", c.id(), "memory.limit_in_bytes", "memory.max"); };
    auto pids = [&] { return cg_read("pids", c.id(), "pids.max", "pids.max"); };

    auto u = c.runtime({"update", "--memory", "96m", c.id()});
    ASSERT_TRUE(u.ok()) << u;
    u = c.runtime({"update", "--pids-limit", "20", c.id()});
    ASSERT_TRUE(u.ok()) << u;
    EXPECT_EQ(memory(), std::to_string(96 << 20));
    EXPECT_EQ(pids(), "20");
    json r = resources();
    EXPECT_EQ(r["memory"]["limit"], 96 << 20) << r.dump();
    EXPECT_EQ(r["pids"]["limit"], 20) << r.dump();

    // Refused while parsing, and refused by the kernel (no realtime budget under brig-test):
    // the cgroup and the stored config stay as they were, and no temp file is left.
    const std::string before = read_text(stored);
    auto bad = c.runtime({"update", "--memory", "lots", "--pids-limit", "5", c.id()});
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_THAT(bad.err, HasSubstr("--memory"));
    bad = c.runtime({"update", "--cpu-rt-runtime", "1000", c.id()});
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_THAT(bad.err, HasSubstr("realtime"));
    EXPECT_EQ(read_text(stored), before);
    EXPECT_EQ(memory(), std::to_string(96 << 20));
    EXPECT_EQ(pids(), "20");
    for (const auto& e : fs::directory_iterator(c.state_root() / c.id()))
        EXPECT_EQ(e.path().filename().string().find(".update"), std::string::npos) << e.path();

    // exec still reads the rewritten config.
    auto e = c.runtime({"exec", c.id(), "true"});
    EXPECT_TRUE(e.ok()) << e;
}

TEST_F(CgroupTest, CreateFailsCleanlyWhenALimitIsRefused) {
    Container c;
    // The brig-test parent has no realtime budget: the kernel refuses any runtime here.
    set_resources(c, {{"cpu", {{"realtimeRuntime", 1000}, {"realtimePeriod", 1000000}}}});
    c.set_args({"true"});
    auto r = c.run();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr(pure_v2() ? "cgroup v2 has no realtime scheduling groups"
                                           : "linux.resources.cpu.realtime"));
    c.expect_nothing_left(c.id());
}

// ---- ps, events --stats, delete --------------------------------------------------------

TEST_F(CgroupTest, PsListsTheContainersPids) {
    Container c;
    c.set_args({"sh", "-c", "sleep 30 & exec sleep 31"});
    ASSERT_TRUE(c.run({"--detach"}).ok());
    pid_t init = c.state_json()["pid"];
    json pids;
    ASSERT_TRUE(wait_until([&] {
        auto r = c.runtime({"ps", "--format", "json", c.id()});
        pids = r.ok() ? parse_json_output(r) : json();
        return pids.is_array() && pids.size() == 2;
    })) << pids.dump();
    EXPECT_TRUE(std::find(pids.begin(), pids.end(), json(init)) != pids.end());

    auto table = c.runtime({"ps", c.id()});
    ASSERT_TRUE(table.ok()) << table;
    EXPECT_THAT(table.out, HasSubstr("PID"));
    EXPECT_THAT(table.out, HasSubstr("sleep 31"));
    EXPECT_THAT(table.out, HasSubstr("sleep 30"));
    // Only the container's processes: header plus two lines.
    EXPECT_EQ(std::count(table.out.begin(), table.out.end(), '\n'), 3) << table.out;
    auto custom = c.runtime({"ps", c.id(), "-o", "pid,comm"});
    ASSERT_TRUE(custom.ok()) << custom;
    EXPECT_THAT(custom.out, HasSubstr(std::to_string(init)));
}

TEST_F(CgroupTest, EventsStatsPrintsJsonWithMemoryUsage) {
    Container c;
    set_resources(c, {{"memory", {{"limit", 64 << 20}}}, {"pids", {{"limit", 20}}}});
    c.set_args({"sleep", "30"});
    ASSERT_TRUE(c.run({"--detach"}).ok());
    auto r = c.runtime({"events", "--stats", c.id()});
    ASSERT_TRUE(r.ok()) << r;
    json s = parse_json_output(r);
    EXPECT_EQ(s["type"], "stats");
    EXPECT_EQ(s["id"], c.id());
    const json& d = s["data"];
    for (const char* key : {"cpu", "cpuset", "memory", "pids", "blkio", "hugetlb"}) EXPECT_TRUE(d.contains(key)) << key;
    EXPECT_GT(d["memory"]["usage"]["usage"].get<uint64_t>(), 0u);
    EXPECT_EQ(d["memory"]["usage"]["limit"], 64 << 20);
    EXPECT_EQ(d["pids"]["current"], 1);
    EXPECT_EQ(d["pids"]["limit"], 20);
    EXPECT_GT(d["cpu"]["usage"]["total"].get<uint64_t>(), 0u);

    auto gone = c.runtime({"events", "--stats", "no-such-container"});
    EXPECT_NE(gone.exit_code, 0);
}

TEST_F(CgroupTest, DeleteForceRemovesTheCgroupsWithProcessesStillInside) {
    Container c;
    drop_namespace(c, "pid");  // killing the init does not take the others with it
    c.set_args({"sh", "-c", "sleep 100 & sleep 100 & exec sleep 100"});
    ASSERT_TRUE(c.run({"--detach"}).ok());
    std::vector<pid_t> inside;
    ASSERT_TRUE(wait_until([&] {
        auto r = c.runtime({"ps", "--format", "json", c.id()});
        if (!r.ok()) return false;
        inside = parse_json_output(r).get<std::vector<pid_t>>();
        return inside.size() == 3;
    }));
    auto d = c.remove(c.id(), true);
    EXPECT_TRUE(d.ok()) << d;
    c.expect_nothing_left(c.id());
    for (pid_t p : inside) {
        // Gone, or at most a zombie waiting for its reaper.
        std::error_code ec;
        std::string stat = fs::exists("/proc/" + std::to_string(p) + "/stat", ec)
                               ? read_text("/proc/" + std::to_string(p) + "/stat")
                               : "";
        EXPECT_TRUE(stat.empty() || stat.find(") Z") != std::string::npos) << "pid " << p << " survived: " << stat;
    }
}

// ---- what is written -------------------------------------------------------------------

TEST_F(CgroupTest, LimitsLandInTheirFiles) {
    Container c;
    set_resources(c, {{"memory", {{"limit", 64 << 20}, {"swap", 96 << 20}, {"reservation", 32 << 20}}},
                      {"cpu", {{"shares", 512}, {"quota", 50000}, {"period", 100000}, {"cpus", "0"}, {"mems", "0"}}}});
    c.set_args({"sleep", "30"});
    ASSERT_TRUE(c.run({"--detach"}).ok());
    const std::string& id = c.id();
    if (pure_v2()) {
        EXPECT_EQ(cg_read("", id, "", "memory.max"), std::to_string(64 << 20));
        EXPECT_EQ(cg_read("", id, "", "memory.swap.max"), std::to_string(32 << 20));
        EXPECT_EQ(cg_read("", id, "", "memory.low"), std::to_string(32 << 20));
        EXPECT_EQ(cg_read("", id, "", "cpu.weight"), "20");
        EXPECT_EQ(cg_read("", id, "", "cpu.max"), "50000 100000");
        EXPECT_EQ(cg_read("", id, "", "cpuset.cpus"), "0");
        return;
    }
    EXPECT_EQ(cg_read("memory", id, "memory.limit_in_bytes", ""), std::to_string(64 << 20));
    EXPECT_EQ(cg_read("memory", id, "memory.memsw.limit_in_bytes", ""), std::to_string(96 << 20));
    EXPECT_EQ(cg_read("memory", id, "memory.soft_limit_in_bytes", ""), std::to_string(32 << 20));
    EXPECT_EQ(cg_read("cpu", id, "cpu.shares", ""), "512");
    EXPECT_EQ(cg_read("cpu", id, "cpu.cfs_quota_us", ""), "50000");
    EXPECT_EQ(cg_read("cpuset", id, "cpuset.cpus", ""), "0");
    EXPECT_EQ(cg_read("cpuset", id, "cpuset.mems", ""), "0");
    EXPECT_THAT(read_text(cg_dir("devices", id) / "devices.list"), HasSubstr("c 1:3 rwm"));
}

TEST_F(CgroupTest, MemoryOptionsOfCgroupV1) {
    if (pure_v2()) GTEST_SKIP() << "swappiness and disableOOMKiller exist only in cgroup v1";
    Container c;
    set_resources(c, {{"memory", {{"limit", 64 << 20}, {"swappiness", 10}, {"disableOOMKiller", true}}}});
    c.set_args({"sleep", "30"});
    ASSERT_TRUE(c.run({"--detach"}).ok());
    EXPECT_EQ(cg_read("memory", c.id(), "memory.swappiness", ""), "10");
    EXPECT_EQ(key_value(read_text(cg_dir("memory", c.id()) / "memory.oom_control"), "oom_kill_disable"), 1u);
}

TEST_F(CgroupTest, UnifiedKeysAreWrittenAndValidated) {
    fs::path v2 = pure_v2() ? fs::path("/sys/fs/cgroup") : fs::path("/sys/fs/cgroup/unified");
    if (!fs::exists(v2 / "cgroup.controllers")) GTEST_SKIP() << "no cgroup2 hierarchy is mounted here";
    Container c;
    set_resources(c, {{"unified", {{"cgroup.max.descendants", "3"}}}});
    c.set_args({"sleep", "30"});
    auto r = c.run({"--detach"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(trimmed(read_text(v2 / "brig-test" / c.id() / "cgroup.max.descendants")), "3");
    ASSERT_TRUE(c.remove(c.id(), true).ok());

    std::string other = c.new_id();
    set_resources(c, {{"unified", {{"memory.nosuch", "1"}}}});
    auto bad = c.create(other);
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_THAT(bad.err, HasSubstr("linux.resources.unified[\"memory.nosuch\"]"));
    c.expect_nothing_left(other);
}

TEST_F(CgroupTest, BlkioThrottleIsWritten) {
    struct stat st {};
    ASSERT_EQ(::stat(fs::temp_directory_path().c_str(), &st), 0);
    std::string dev = std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
    if (!fs::exists("/sys/dev/block/" + dev) || fs::exists("/sys/dev/block/" + dev + "/partition"))
        GTEST_SKIP() << "the temp directory's device " << dev << " is not a whole block device";
    if (!pure_v2() && !fs::exists("/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device"))
        GTEST_SKIP() << "no blkio throttling here";
    Container c;
    set_resources(c, {{"blockIO",
                       {{"throttleReadBpsDevice", {{{"major", major(st.st_dev)}, {"minor", minor(st.st_dev)}, {"rate", 1048576}}}},
                        {"throttleWriteIOPSDevice",
                         {{{"major", major(st.st_dev)}, {"minor", minor(st.st_dev)}, {"rate", 100}}}}}}});
    c.set_args({"sleep", "30"});
    auto r = c.run({"--detach"});
    ASSERT_TRUE(r.ok()) << r;
    if (pure_v2()) {
        EXPECT_THAT(read_text(cg_dir("", c.id()) / "io.max"), HasSubstr(dev + " rbps=1048576"));
    } else {
        EXPECT_EQ(cg_read("blkio", c.id(), "blkio.throttle.read_bps_device", ""), dev + " 1048576");
        EXPECT_EQ(cg_read("blkio", c.id(), "blkio.throttle.write_iops_device", ""), dev + " 100");
    }
}

// ---- controllers this machine may lack: refused clearly, or applied ---------------------

bool has_v2(const std::string& controller) {
    if (!pure_v2()) return false;
    std::string s = read_text("/sys/fs/cgroup/cgroup.subtree_control");
    return s.find(controller) != std::string::npos;
}

TEST_F(CgroupTest, BlkioWeight) {
    Container c;
    set_resources(c, {{"blockIO", {{"weight", 500}}}});
    c.set_args({"sleep", "30"});
    if (pure_v2() && !has_v2("io")) GTEST_SKIP() << "the io controller is not enabled here";
    auto r = c.run({"--detach"});
    if (!r.ok() && r.err.find("has no weight file") != std::string::npos) {
        EXPECT_THAT(r.err, HasSubstr("linux.resources.blockIO.weight: this kernel's blkio controller has no weight file"));
        c.expect_nothing_left(c.id());
        GTEST_SKIP() << "the blkio controller has no weight files here (needs the CFQ or BFQ I/O scheduler); "
                        "checked that brig-oci refuses the weight clearly";
    }
    ASSERT_TRUE(r.ok()) << r;
    if (pure_v2()) {
        fs::path d = cg_dir("", c.id());
        bool bfq = fs::exists(d / "io.bfq.weight");
        EXPECT_THAT(read_text(d / (bfq ? "io.bfq.weight" : "io.weight")), HasSubstr(bfq ? "500" : "4950"));
        return;
    }
    fs::path d = cg_dir("blkio", c.id());
    EXPECT_EQ(trimmed(read_text(fs::exists(d / "blkio.weight") ? d / "blkio.weight" : d / "blkio.bfq.weight")), "500");
}

TEST_F(CgroupTest, HugepageLimits) {
    bool available = fs::exists("/sys/fs/cgroup/hugetlb") || has_v2("hugetlb");
    Container c;
    set_resources(c, {{"hugepageLimits", {{{"pageSize", "2MB"}, {"limit", 4194304}}}}});
    c.set_args({"sleep", "30"});
    if (!available) {
        auto r = c.run({"--detach"});
        EXPECT_NE(r.exit_code, 0);
        EXPECT_THAT(r.err, HasSubstr("linux.resources.hugepageLimits: the hugetlb cgroup controller is not available"));
        c.expect_nothing_left(c.id());
        GTEST_SKIP() << "no hugetlb cgroup controller here (no v1 hierarchy, not enabled in cgroup v2); "
                        "checked that brig-oci refuses the limit clearly";
    }
    if (!fs::exists("/sys/kernel/mm/hugepages/hugepages-2048kB")) GTEST_SKIP() << "no 2MB huge pages here";
    auto r = c.run({"--detach"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(cg_read("hugetlb", c.id(), "hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.max"), "4194304");
}

TEST_F(CgroupTest, NetworkClassIdAndPriorities) {
    bool available = !pure_v2() && fs::exists("/sys/fs/cgroup/net_cls") && fs::exists("/sys/fs/cgroup/net_prio");
    Container c;
    set_resources(c, {{"network", {{"classID", 1048577}, {"priorities", {{{"name", "lo"}, {"priority", 5}}}}}}});
    c.set_args({"sleep", "30"});
    if (!available) {
        auto r = c.run({"--detach"});
        EXPECT_NE(r.exit_code, 0);
        EXPECT_THAT(r.err, HasSubstr("linux.resources.network"));
        c.expect_nothing_left(c.id());
        GTEST_SKIP() << (pure_v2() ? "cgroup v2 has no net_cls/net_prio"
                                   : "no net_cls/net_prio hierarchy is mounted here")
                     << "; checked that brig-oci refuses them clearly";
    }
    auto r = c.run({"--detach"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(cg_read("net_cls", c.id(), "net_cls.classid", ""), "1048577");
    EXPECT_THAT(read_text(cg_dir("net_prio", c.id()) / "net_prio.ifpriomap"), HasSubstr("lo 5"));
}

TEST_F(CgroupTest, RdmaLimits) {
    bool available = fs::exists("/sys/fs/cgroup/rdma") || has_v2("rdma");
    if (available) GTEST_SKIP() << "an rdma controller exists, but testing it needs an RDMA device";
    Container c;
    set_resources(c, {{"rdma", {{"mlx5_0", {{"hcaHandles", 3}}}}}});
    c.set_args({"true"});
    auto r = c.run();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("linux.resources.rdma[\"mlx5_0\"]: the rdma cgroup controller is not available"));
    c.expect_nothing_left(c.id());
    GTEST_SKIP() << "no rdma cgroup controller here; checked that brig-oci refuses the limit clearly";
}

}  // namespace
}  // namespace brig::it
