// Runtime-spec features beyond the basics: id-mapped mounts, time namespaces, sysctls,
// --no-pivot, propagation, personality, joined user namespaces, devices, netDevices,
// memory policy, CPU affinity, I/O priority and scheduler.
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

class SpecExtrasTest : public RuntimeTest {};

void add_user_namespace(Container& c, uint32_t host) {
    c.config()["linux"]["namespaces"].push_back({{"type", "user"}});
    c.config()["linux"]["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", host}, {"size", 65536}}});
    c.config()["linux"]["gidMappings"] = json::array({{{"containerID", 0}, {"hostID", host}, {"size", 65536}}});
}

TEST_F(SpecExtrasTest, IdmappedBindMountShowsHostRootAsContainerRoot) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has no id-mapped mounts";
    Container c;
    add_user_namespace(c, 100000);
    // Files of the bundle must be readable by the mapped root.
    ASSERT_TRUE(run_process({"chown", "-R", "100000:100000", c.rootfs().string()}).ok());
    fs::path plain = c.add_bind("/plain", "plain", {"rbind"});
    fs::path mapped = c.add_bind("/mapped", "mapped", {"rbind", "idmap"});
    write_text(plain / "f", "x");
    write_text(mapped / "f", "x");
    c.set_args({"sh", "-c", "stat -c '%u:%g' /mapped/f /plain/f"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    // Owned by host root: through the id-mapped mount that is the container's root;
    // through the plain bind it is unmapped (the overflow id).
    EXPECT_EQ(r.out, "0:0\n65534:65534\n");
}

TEST_F(SpecExtrasTest, MountWithItsOwnUidMappings) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has no id-mapped mounts";
    Container c;
    fs::path dir = c.add_bind("/data", "data", {"rbind"});
    write_text(dir / "f", "x");  // owned by root on disk
    auto& m = c.config()["mounts"].back();
    // The mapping takes on-disk id 0 (containerID) to 1000 (hostID) for whoever looks
    // through this mount; the container here has no user namespace of its own.
    m["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}});
    m["gidMappings"] = json::array({{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}});
    c.set_args({"stat", "-c", "%u:%g", "/data/f"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "1000:1000\n");
}

TEST_F(SpecExtrasTest, TimeNamespaceOffsets) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has no time namespaces";
    Container c;
    c.config()["linux"]["namespaces"].push_back({{"type", "time"}});
    c.config()["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 864000}, {"nanosecs", 0}}},
                                          {"boottime", {{"secs", 864000}, {"nanosecs", 0}}}};
    c.set_args({"cat", "/proc/uptime"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    double inside = std::stod(r.out);
    double host = std::stod(read_text("/proc/uptime"));
    EXPECT_GT(inside, host + 863000) << "boottime offset not applied: " << r.out;
}

TEST_F(SpecExtrasTest, SysctlInANewNetworkNamespace) {
    Container c;
    c.config()["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}, {"net.ipv4.ping_group_range", "0 0"}};
    c.set_args({"cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv4/ping_group_range"});
    std::string host_before = read_text("/proc/sys/net/ipv4/ping_group_range");
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("1\n0\t0"));
    EXPECT_EQ(read_text("/proc/sys/net/ipv4/ping_group_range"), host_before) << "host sysctl changed";
}

TEST_F(SpecExtrasTest, SysctlOutsideTheContainersNamespacesIsRefused) {
    Container c;
    c.config()["linux"]["sysctl"] = {{"vm.swappiness", "10"}};
    auto r = c.run();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("vm.swappiness"));
    c.expect_nothing_left(c.id());
}

TEST_F(SpecExtrasTest, NoPivotStillConfinesTheProcessToItsRoot) {
    Container c;
    write_text(c.rootfs() / "marker", "inside");
    c.set_args({"sh", "-c", "cat /marker; ls /work >/dev/null 2>&1 && echo host-visible || echo confined"});
    auto r = c.run({"--no-pivot"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "insideconfined\n");
}

TEST_F(SpecExtrasTest, RootfsPropagationPrivate) {
    Container c;
    c.config()["linux"]["rootfsPropagation"] = "private";
    c.set_args({"awk", "$5 == \"/\"", "/proc/self/mountinfo"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("shared:")));
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("master:")));
}

TEST_F(SpecExtrasTest, RootfsPropagationShared) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 leaves / slave under rshared here";
    Container c;
    c.config()["linux"]["rootfsPropagation"] = "rshared";
    c.set_args({"awk", "$5 == \"/\"", "/proc/self/mountinfo"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("shared:"));
}

TEST_F(SpecExtrasTest, Personality32Bit) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 ignores linux.personality";
    Container c;
    c.config()["linux"]["personality"] = {{"domain", "LINUX32"}};
    c.set_args({"uname", "-m"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "i686\n");
}

TEST_F(SpecExtrasTest, RunForwardsSignalsToTheContainer) {
    Container c;
    c.set_args({"sh", "-c", "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done"});
    c.write_config(c.id());
    Child run({runtime_path(), "--root", c.state_root().string(), "run", "--bundle", c.bundle().string(), c.id()});
    ASSERT_TRUE(wait_until([&] { return c.state(c.id()).out.find("running") != std::string::npos; }));
    ::usleep(200000);
    ::kill(run.pid(), SIGTERM);
    auto res = run.wait(5s);
    ASSERT_TRUE(res.has_value()) << "run did not exit after SIGTERM";
    EXPECT_EQ(res->exit_code, 7) << *res;
    EXPECT_THAT(res->out, HasSubstr("got-term"));
}


TEST_F(SpecExtrasTest, JoinAUserNamespaceWithANewPidNamespace) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 cannot mount /sys and /proc this way";
    // A process of ours holds a user namespace mapping container root to host 100000.
    Child holder({"unshare", "--user", "sleep", "100"});
    std::string pid = std::to_string(holder.pid());
    ASSERT_TRUE(wait_until([&] {
        try {
            return ns_inode(pid, "user") != ns_inode("self", "user");
        } catch (const std::exception&) {
            return false;
        }
    }));
    write_text("/proc/" + pid + "/uid_map", "0 100000 65536\n");
    write_text("/proc/" + pid + "/gid_map", "0 100000 65536\n");
    Container c;
    ASSERT_TRUE(run_process({"chown", "-R", "100000:100000", c.rootfs().string()}).ok());
    c.config()["linux"]["namespaces"].push_back({{"type", "user"}, {"path", "/proc/" + pid + "/ns/user"}});
    // sysfs needs a network namespace owned by the user namespace: it is new here.
    c.set_args({"sh", "-c", "echo pid=$$; readlink /proc/self/ns/user; cat /proc/self/uid_map"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("pid=1\n"));
    EXPECT_THAT(r.out, HasSubstr("user:[" + std::to_string(ns_inode(pid, "user")) + "]"));
    EXPECT_THAT(r.out, HasSubstr("100000"));
}

TEST_F(SpecExtrasTest, LinuxDevicesAreCreated) {
    Container c;
    c.config()["linux"]["devices"] = json::array(
        {{{"path", "/dev/brig-null"}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"fileMode", 0600},
          {"uid", 1000}, {"gid", 1001}}});
    c.config()["process"]["user"] = {{"uid", 1000}, {"gid", 1001}};  // the device's owner may write it
    c.set_args({"sh", "-c", "stat -c '%t:%T %a %u:%g' /dev/brig-null; echo x > /dev/brig-null && echo writable"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "1:3 600 1000:1001\nwritable\n");
}


TEST_F(SpecExtrasTest, NetDevicesMoveIntoTheContainerRenamed) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has no linux.netDevices";
    // The runtime runs in a network namespace of the test's own, holding a veth pair; one
    // end moves into the container as eth7. The host's network is never touched.
    Container c;
    c.config()["linux"]["netDevices"] = {{"brigv0", {{"name", "eth7"}}}};
    c.set_args({"sh", "-c", "ip -o link show eth7 >/dev/null && echo has-eth7; ip -o link show brigv0 2>/dev/null || echo no-brigv0"});
    c.write_config(c.id());
    std::string script = "ip link add brigv0 type veth peer name brigv1 && exec " + runtime_path() + " --root " +
                         c.state_root().string() + " run --bundle " + c.bundle().string() + " " + c.id() +
                         " && true";
    auto r = run_process({"unshare", "--net", "sh", "-c", script + "; ip -o link show brigv1 | grep -q brigv1 && echo peer-remains"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("has-eth7"));
    EXPECT_THAT(r.out, HasSubstr("no-brigv0"));
}

TEST_F(SpecExtrasTest, NetDeviceThatDoesNotExistFailsCleanly) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has no linux.netDevices";
    Container c;
    c.config()["linux"]["netDevices"] = {{"brig-nosuch0", json::object()}};
    auto r = c.run();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("brig-nosuch0"));
    c.expect_nothing_left(c.id());
}

TEST_F(SpecExtrasTest, MemoryPolicyAndCpuAffinity) {
    if (runtime_is_runc()) GTEST_SKIP() << "runc 1.1 has neither memoryPolicy nor execCPUAffinity";
    Container c;
    c.config()["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}, {"nodes", "0"}};
    c.config()["process"]["execCPUAffinity"] = {{"final", "0"}};
    c.set_args({"sh", "-c", "grep -E '^(Cpus_allowed_list|Mems_allowed_list)' /proc/self/status"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("Cpus_allowed_list:\t0\n"));
}


TEST_F(SpecExtrasTest, IoPriorityAndScheduler) {
    Container c;
    c.config()["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_IDLE"}, {"priority", 0}};
    c.config()["process"]["scheduler"] = {{"policy", "SCHED_BATCH"}, {"nice", 5}};
    auto res = c.inspect_ops({{"ioprio"}, {"read", "/proc/self/stat"}});
    ASSERT_EQ(res[0].value("ok", false), true) << res[0];
    EXPECT_EQ(res[0]["class"], 3) << "IOPRIO_CLASS_IDLE";
    std::string stat = res[1]["data"];
    // Fields after the command name: state is field 3; nice is 19, policy is 41.
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::vector<std::string> f{"", "", ""};
    for (std::string x; in >> x;) f.push_back(x);
    ASSERT_GT(f.size(), 41u);
    EXPECT_EQ(f[19], "5") << "nice";
    EXPECT_EQ(f[41], "3") << "SCHED_BATCH";
}

TEST_F(SpecExtrasTest, SystemdCgroupIsRefusedWithoutSystemd) {
    if (fs::exists("/run/systemd/system")) GTEST_SKIP() << "systemd runs on this machine";
    Container c;
    c.write_config(c.id());
    auto r = c.runtime_with({"--systemd-cgroup"}, {"run", "--bundle", c.bundle().string(), c.id()});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("systemd"));
    c.expect_nothing_left(c.id());
}

}  // namespace
}  // namespace brig::it

namespace brig::it {
namespace {

TEST_F(SpecExtrasTest, ApparmorProfileWithoutApparmorIsAClearError) {
    if (fs::exists("/sys/module/apparmor/parameters/enabled") &&
        read_text("/sys/module/apparmor/parameters/enabled").starts_with("Y"))
        GTEST_SKIP() << "AppArmor is enabled on this machine";
    Container c;
    c.config()["process"]["apparmorProfile"] = "brig-test-profile";
    auto r = c.run();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("apparmorProfile"));
    EXPECT_THAT(r.err, HasSubstr("AppArmor is not enabled"));
    c.expect_nothing_left(c.id());
}

TEST_F(SpecExtrasTest, SelinuxLabelWithoutSelinuxIsIgnored) {
    if (fs::exists("/sys/fs/selinux/enforce")) GTEST_SKIP() << "SELinux is enabled on this machine";
    Container c;
    c.config()["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0:c1,c2";
    c.config()["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2";
    c.set_args({"echo", "ran"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_EQ(r.out, "ran\n");
}

}  // namespace
}  // namespace brig::it
