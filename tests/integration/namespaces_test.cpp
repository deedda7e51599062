// Namespaces: new ones, the host's when not asked for, joined by path, and a user
// namespace with id mappings.
#include <gmock/gmock.h>

#include "harness.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

class NamespacesTest : public RuntimeTest {};

void remove_namespace(Container& c, const std::string& type) {
    auto& ns = c.config()["linux"]["namespaces"];
    ns.erase(std::remove_if(ns.begin(), ns.end(), [&](const json& n) { return n["type"] == type; }), ns.end());
}

TEST_F(NamespacesTest, RequestedNamespacesAreNew) {
    Container c;
    auto& ns = c.config()["linux"]["namespaces"];
    for (const char* t : {"pid", "network", "ipc", "uts", "mount", "cgroup"}) {
        bool present = std::any_of(ns.begin(), ns.end(), [&](const json& n) { return n["type"] == t; });
        if (!present) ns.push_back({{"type", t}});
    }
    auto report = c.inspect();
    for (const auto& n : c.config()["linux"]["namespaces"]) {
        std::string name = ns_proc_name(n["type"]);
        ASSERT_TRUE(report["namespaces"].contains(name)) << name;
        EXPECT_NE(report["namespaces"][name], ns_inode("self", name)) << "not a new " << name << " namespace";
    }
}

TEST_F(NamespacesTest, UnrequestedNamespacesAreTheHosts) {
    Container c;
    remove_namespace(c, "network");
    remove_namespace(c, "ipc");
    remove_namespace(c, "cgroup");
    auto report = c.inspect();
    EXPECT_EQ(report["namespaces"]["net"], ns_inode("self", "net"));
    EXPECT_EQ(report["namespaces"]["ipc"], ns_inode("self", "ipc"));
    EXPECT_EQ(report["namespaces"]["cgroup"], ns_inode("self", "cgroup"));
    EXPECT_NE(report["namespaces"]["mnt"], ns_inode("self", "mnt"));
}

TEST_F(NamespacesTest, JoinNamespacesByPath) {
    // A process of our own holds a network and a UTS namespace; the container joins both.
    Child holder({"unshare", "--net", "--uts", "sleep", "100"});
    std::string pid = std::to_string(holder.pid());
    ASSERT_TRUE(wait_until([&] {
        try {
            return ns_inode(pid, "net") != ns_inode("self", "net") && ns_inode(pid, "uts") != ns_inode("self", "uts");
        } catch (const std::exception&) {
            return false;
        }
    })) << "unshare did not enter its namespaces";
    uint64_t net = ns_inode(pid, "net"), uts = ns_inode(pid, "uts");

    Container c;
    remove_namespace(c, "network");
    remove_namespace(c, "uts");
    auto& ns = c.config()["linux"]["namespaces"];
    ns.push_back({{"type", "network"}, {"path", "/proc/" + pid + "/ns/net"}});
    ns.push_back({{"type", "uts"}, {"path", "/proc/" + pid + "/ns/uts"}});
    c.config().erase("hostname");  // the UTS namespace is shared: leave its name alone
    auto report = c.inspect();
    EXPECT_EQ(report["namespaces"]["net"], net);
    EXPECT_EQ(report["namespaces"]["uts"], uts);
    EXPECT_NE(report["namespaces"]["pid"], ns_inode("self", "pid"));
}

TEST_F(NamespacesTest, JoiningAMissingNamespaceFails) {
    Container c;
    remove_namespace(c, "network");
    c.config()["linux"]["namespaces"].push_back({{"type", "network"}, {"path", "/proc/999999999/ns/net"}});
    auto r = c.run();
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_THAT(r.err, HasSubstr("/proc/999999999/ns/net"));
    c.expect_nothing_left(c.id());
}

TEST_F(NamespacesTest, UserNamespaceWithMappings) {
    Container c;
    c.config()["linux"]["namespaces"].push_back({{"type", "user"}});
    c.config()["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    c.config()["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    auto res = c.inspect_ops({{"report"}, {"stat", "/etc/passwd"}, {"write", "/proc/sys/kernel/hostname", "x"}});
    const json& report = res[0];
    EXPECT_NE(report["namespaces"]["user"], ns_inode("self", "user"));
    EXPECT_EQ(report["uid"], 0);
    EXPECT_EQ(report["gid"], 0);
    auto fields = [](const std::string& map) {
        std::vector<std::string> v;
        std::stringstream ss(map);
        for (std::string f; ss >> f;) v.push_back(f);
        return v;
    };
    EXPECT_EQ(fields(report["uid_map"]), (std::vector<std::string>{"0", "100000", "65536"})) << report["uid_map"];
    EXPECT_EQ(fields(report["gid_map"]), (std::vector<std::string>{"0", "100000", "65536"})) << report["gid_map"];
    // Files owned by host root are unmapped inside: they show up as the overflow id.
    EXPECT_EQ(res[1]["uid"], 65534) << res[1];
    EXPECT_EQ(res[2].value("ok", true), false) << res[2];
}

}  // namespace
}  // namespace brig::it
