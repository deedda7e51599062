// The container process: exit status, stdio, identity, environment, limits and
// security settings, as seen from inside by brig-inspect.
#include <sys/resource.h>

#include <algorithm>
#include <set>

#include <gmock/gmock.h>

#include "harness.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

class ProcessTest : public RuntimeTest {};

TEST_F(ProcessTest, RunReturnsTheExitCodeOfTheProcess) {
    Container c;
    c.set_args({"sh", "-c", "exit 3"});
    auto r = c.run();
    EXPECT_EQ(r.exit_code, 3) << r;
    c.set_args({"true"});
    r = c.run();
    EXPECT_EQ(r.exit_code, 0) << r;
}

TEST_F(ProcessTest, StdoutAndStderrPassThrough) {
    Container c;
    c.set_args({"sh", "-c", "echo hello from inside; echo oops >&2; exit 0"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "hello from inside\n");
    EXPECT_THAT(r.err, HasSubstr("oops"));
}

TEST_F(ProcessTest, ExitStatusOfAProcessKilledBySignalIs128PlusN) {
    Container c;
    // Without a pid namespace the process is not an init, so it can signal itself.
    auto& ns = c.config()["linux"]["namespaces"];
    ns.erase(std::remove_if(ns.begin(), ns.end(), [](const json& n) { return n["type"] == "pid"; }), ns.end());
    c.set_args({"sh", "-c", "kill -TERM $$; sleep 5"});
    auto r = c.run();
    EXPECT_EQ(r.exit_code, 128 + SIGTERM) << r;
    c.set_args({"sh", "-c", "kill -KILL $$; sleep 5"});
    r = c.run();
    EXPECT_EQ(r.exit_code, 128 + SIGKILL) << r;
}

TEST_F(ProcessTest, ProcessIsPid1) {
    Container c;
    auto report = c.inspect();
    EXPECT_EQ(report["pid"], 1);
    EXPECT_EQ(report["ppid"], 0);
    EXPECT_EQ(report["argv"], json::array({"/usr/bin/brig-inspect"}));
}

TEST_F(ProcessTest, MissingExecutableFailsAndNamesIt) {
    Container c;
    c.set_args({"/no/such/binary"});
    auto r = c.run();
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_THAT(r.err, HasSubstr("/no/such/binary"));
    c.expect_nothing_left(c.id());
}

TEST_F(ProcessTest, HostnameAndDomainname) {
    Container c;
    c.config()["hostname"] = "brig-it-host";
    c.config()["domainname"] = "example.test";
    auto report = c.inspect();
    EXPECT_EQ(report["hostname"], "brig-it-host");
    if (runtime_is_runc() && report["domainname"] != "example.test")
        GTEST_SKIP() << "runc 1.1 ignores the domainname field (added in runtime-spec 1.1)";
    EXPECT_EQ(report["domainname"], "example.test");
}

TEST_F(ProcessTest, Environment) {
    Container c;
    c.config()["process"]["env"] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hello world", "EMPTY=",
                                    "WITH_EQUALS=a=b=c"};
    auto env = env_map(c.inspect());
    EXPECT_EQ(env["PATH"], "/usr/sbin:/usr/bin:/sbin:/bin");
    EXPECT_EQ(env["GREETING"], "hello world");
    EXPECT_TRUE(env.contains("EMPTY"));
    EXPECT_EQ(env["EMPTY"], "");
    EXPECT_EQ(env["WITH_EQUALS"], "a=b=c");
    // Nothing else, except HOME, which runtimes add when the spec does not set it.
    env.erase("HOME");
    std::set<std::string> names;
    for (const auto& [k, v] : env) names.insert(k);
    EXPECT_EQ(names, (std::set<std::string>{"PATH", "GREETING", "EMPTY", "WITH_EQUALS"}))
        << "unexpected variables: the runtime's own environment leaked into the container?";
}

TEST_F(ProcessTest, WorkingDirectory) {
    Container c;
    c.config()["process"]["cwd"] = "/etc";
    EXPECT_EQ(c.inspect()["cwd"], "/etc");
}

TEST_F(ProcessTest, WorkingDirectoryIsCreatedWhenMissing) {
    Container c;
    ASSERT_FALSE(fs::exists(c.rootfs() / "work"));
    c.config()["process"]["cwd"] = "/work/deep/dir";
    EXPECT_EQ(c.inspect()["cwd"], "/work/deep/dir");
}

TEST_F(ProcessTest, UserGroupsAndUmask) {
    Container c;
    c.config()["process"]["user"] = {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {100, 2000}}, {"umask", 027}};
    auto report = c.inspect();
    EXPECT_EQ(report["uid"], 1000);
    EXPECT_EQ(report["euid"], 1000);
    EXPECT_EQ(report["suid"], 1000);
    EXPECT_EQ(report["gid"], 1000);
    EXPECT_EQ(report["egid"], 1000);
    EXPECT_EQ(report["sgid"], 1000);
    std::set<int> groups;
    for (const auto& g : report["groups"]) groups.insert(g.get<int>());
    groups.erase(1000);  // the primary group may or may not be listed again
    EXPECT_EQ(groups, (std::set<int>{100, 2000}));
    EXPECT_EQ(report["umask"], 027);
}

TEST_F(ProcessTest, DefaultUmaskIs022) {
    Container c;
    c.config()["process"]["user"].erase("umask");
    EXPECT_EQ(c.inspect()["umask"], 022);
}

TEST_F(ProcessTest, RlimitsAreSetAndCannotBeRaisedInside) {
    struct rlimit host {};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &host), 0);
    // Stay at or below the hard limit we have ourselves.
    rlim_t hard = std::min<rlim_t>(host.rlim_max, 1000);
    rlim_t soft = hard / 2;
    Container c;
    c.config()["process"]["rlimits"] = {
        {{"type", "RLIMIT_NOFILE"}, {"soft", soft}, {"hard", hard}},
        {{"type", "RLIMIT_CORE"}, {"soft", 0}, {"hard", 4096}},
    };
    auto report = c.inspect();
    EXPECT_EQ(report["rlimits"]["NOFILE"]["soft"], soft);
    EXPECT_EQ(report["rlimits"]["NOFILE"]["hard"], hard);
    EXPECT_EQ(report["rlimits"]["CORE"]["soft"], 0);
    EXPECT_EQ(report["rlimits"]["CORE"]["hard"], 4096);

    // Without CAP_SYS_RESOURCE the process can lower its limits but not raise the hard one.
    auto ops = c.inspect_ops({{"setrlimit", "NOFILE", std::to_string(soft), std::to_string(hard + 1)},
                              {"setrlimit", "NOFILE", std::to_string(soft / 2), std::to_string(hard - 1)}});
    EXPECT_EQ(ops[0]["ok"], false) << ops;
    EXPECT_EQ(ops[0]["error"], "EPERM") << ops;
    EXPECT_EQ(ops[1]["ok"], true) << ops;
}

uint64_t cap_mask(const json& names) {
    static const std::map<std::string, int> numbers = {
        {"CAP_CHOWN", 0},           {"CAP_DAC_OVERRIDE", 1}, {"CAP_DAC_READ_SEARCH", 2}, {"CAP_FOWNER", 3},
        {"CAP_FSETID", 4},          {"CAP_KILL", 5},         {"CAP_SETGID", 6},          {"CAP_SETUID", 7},
        {"CAP_SETPCAP", 8},         {"CAP_NET_BIND_SERVICE", 10}, {"CAP_NET_RAW", 13},   {"CAP_SYS_CHROOT", 18},
        {"CAP_SYS_ADMIN", 21},      {"CAP_SYS_RESOURCE", 24}, {"CAP_MKNOD", 27},         {"CAP_AUDIT_WRITE", 29},
        {"CAP_SETFCAP", 31},
    };
    uint64_t m = 0;
    if (!names.is_array()) return 0;
    for (const auto& n : names) m |= uint64_t{1} << numbers.at(n.get<std::string>());
    return m;
}

TEST_F(ProcessTest, CapabilitiesFromTheSpec) {
    Container c;
    c.config()["process"]["capabilities"] = {
        {"bounding", {"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"}},
        {"permitted", {"CAP_KILL", "CAP_NET_BIND_SERVICE"}},
        {"effective", {"CAP_KILL"}},
        {"inheritable", json::array()},
        {"ambient", json::array()},
    };
    auto caps = c.inspect()["caps"];
    EXPECT_EQ(caps["bounding"], cap_mask(json{"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"}));
    EXPECT_EQ(caps["permitted"], cap_mask(json{"CAP_KILL", "CAP_NET_BIND_SERVICE"}));
    // For uid 0 execve makes the effective set equal to the permitted one (no SECBIT_NOROOT).
    EXPECT_EQ(caps["effective"], cap_mask(json{"CAP_KILL", "CAP_NET_BIND_SERVICE"}));
    EXPECT_EQ(caps["inheritable"], 0);
    EXPECT_EQ(caps["ambient"], 0);
}

TEST_F(ProcessTest, AmbientCapabilitiesReachANonRootProcess) {
    Container c;
    json set = {"CAP_KILL", "CAP_NET_BIND_SERVICE"};
    c.config()["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
    c.config()["process"]["capabilities"] = {
        {"bounding", {"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"}},
        {"permitted", set}, {"effective", set}, {"inheritable", set}, {"ambient", set},
    };
    auto caps = c.inspect()["caps"];
    EXPECT_EQ(caps["ambient"], cap_mask(set));
    EXPECT_EQ(caps["permitted"], cap_mask(set));
    EXPECT_EQ(caps["effective"], cap_mask(set));
    EXPECT_EQ(caps["inheritable"], cap_mask(set));
    EXPECT_EQ(caps["bounding"], cap_mask(json{"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"}));
}

TEST_F(ProcessTest, NonRootWithoutAmbientHasNoCapabilities) {
    Container c;
    c.config()["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
    c.config()["process"]["capabilities"] = {
        {"bounding", {"CAP_KILL"}}, {"permitted", {"CAP_KILL"}}, {"effective", {"CAP_KILL"}},
    };
    auto caps = c.inspect()["caps"];
    EXPECT_EQ(caps["permitted"], 0);
    EXPECT_EQ(caps["effective"], 0);
    EXPECT_EQ(caps["bounding"], cap_mask(json{"CAP_KILL"}));
}

TEST_F(ProcessTest, DefaultSpecCapabilities) {
    Container c;
    const auto& want = c.config()["process"]["capabilities"];
    auto caps = c.inspect()["caps"];
    EXPECT_EQ(caps["bounding"], cap_mask(want.value("bounding", json::array())));
    EXPECT_EQ(caps["permitted"], cap_mask(want.value("permitted", json::array())));
    // The default process runs as uid 0, whose effective set is its permitted set after execve.
    EXPECT_EQ(caps["effective"], cap_mask(want.value("permitted", json::array())));
    EXPECT_EQ(caps["inheritable"], cap_mask(want.value("inheritable", json::array())));
    // The kernel keeps an ambient capability only if it is also permitted and inheritable.
    uint64_t ambient = cap_mask(want.value("ambient", json::array())) &
                       cap_mask(want.value("inheritable", json::array())) &
                       cap_mask(want.value("permitted", json::array()));
    EXPECT_EQ(caps["ambient"], ambient);
    EXPECT_EQ(caps["permitted"].get<uint64_t>() & cap_mask(json{"CAP_SYS_ADMIN"}), 0u)
        << "the default spec must not grant CAP_SYS_ADMIN";
}

TEST_F(ProcessTest, NoNewPrivileges) {
    Container c;
    c.config()["process"]["noNewPrivileges"] = true;
    EXPECT_EQ(c.inspect()["no_new_privs"], 1);
    c.config()["process"]["noNewPrivileges"] = false;
    EXPECT_EQ(c.inspect()["no_new_privs"], 0);
}

TEST_F(ProcessTest, OomScoreAdj) {
    Container c;
    c.config()["process"]["oomScoreAdj"] = 123;
    EXPECT_EQ(c.inspect()["oom_score_adj"], 123);
}

TEST_F(ProcessTest, OnlyStdioIsOpenAndNoSignalIsBlockedOrIgnored) {
    Container c;
    auto report = c.inspect();
    std::vector<int> fds;
    for (const auto& f : report["fds"]) fds.push_back(f["fd"]);
    EXPECT_EQ(fds, (std::vector<int>{0, 1, 2})) << "leaked descriptors: " << report["fds"].dump(1);
    EXPECT_EQ(report["sig_blocked"], 0) << "signals left blocked for the container process";
    EXPECT_EQ(report["sig_ignored"], 0) << "signals left ignored for the container process";
    EXPECT_EQ(report["isatty"], json::array({false, false, false}));
}

TEST_F(ProcessTest, ContainerIsInItsCgroup) {
    Container c;
    auto report = c.inspect();
    std::string cgroup = report["cgroup"];
    std::stringstream ss(cgroup);
    std::string line;
    int checked = 0;
    while (std::getline(ss, line)) {
        // Without a cgroup namespace every v1 hierarchy shows the absolute cgroupsPath.
        if (line.empty() || line.starts_with("0::")) continue;
        EXPECT_TRUE(line.ends_with(":/brig-test/" + c.id())) << line << "\nin\n" << cgroup;
        ++checked;
    }
    if (checked == 0) {
        // A pure cgroup v2 machine.
        EXPECT_THAT(cgroup, HasSubstr("/brig-test/" + c.id()));
    }
}

}  // namespace
}  // namespace brig::it
