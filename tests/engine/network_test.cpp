// Engine-level networking (brig run/exec/network through the brig binary), on the shared fixture
// (fixture.hpp): every test process runs in a network namespace of its own. What
// integration_test.cpp's Net* tests already cover (published TCP ports from loopback and the
// gateway, user networks with names and aliases, connect/disconnect reachability, none and
// container: modes, rm after kill -9 on the default network) is not repeated here.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <random>

#include "fixture.hpp"
#include "linux/netlink.hpp"
#include "network/nft.hpp"

namespace {

using namespace brig::test;
namespace nl = brig::netlink;

// The links of the test's network namespace.
std::vector<std::string> links() {
    std::vector<std::string> out;
    if (auto l = nl::list_links())
        for (auto& i : *l) out.push_back(i.name);
    return out;
}

// One UDP datagram to ip:port and its answer ("" after ~3 s without one).
std::string udp_ask(const std::string& ip, int port, const std::string& payload) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return "";
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    std::string got;
    for (int i = 0; i < 15 && got.empty(); ++i) {
        (void)sendto(s, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
        pollfd p{s, POLLIN, 0};
        if (poll(&p, 1, 200) == 1) {
            char buf[512];
            ssize_t n = recv(s, buf, sizeof buf, 0);
            if (n > 0) got.assign(buf, static_cast<size_t>(n));
        }
    }
    close(s);
    return got;
}

class EngineNet : public EngineFixture {
protected:
    // A "host address" in the test namespace that is not on a brig bridge: 198.51.100.1 on one
    // end of a veth pair whose both ends stay here.
    void uplink() {
        ASSERT_TRUE(nl::create_veth("nup0", "nup1"));
        ASSERT_TRUE(nl::add_address("nup0", addr("198.51.100.1"), 24));
        ASSERT_TRUE(nl::set_up("nup0"));
        ASSERT_TRUE(nl::set_up("nup1"));
    }
    static nl::InetAddr addr(const std::string& s) {
        nl::InetAddr a;
        a.family = AF_INET;
        inet_pton(AF_INET, s.c_str(), a.bytes.data());
        return a;
    }
    void TearDown() override {
        EngineFixture::TearDown();
        (void)nl::delete_link("nup0");
    }
    std::string exec_out(const std::string& c, std::vector<std::string> cmd) {
        cmd.insert(cmd.begin(), {"exec", c});
        return brig(cmd).out;
    }
};

TEST_F(EngineNet, HostNetworkSeesTheNamespacesLinks) {
    ASSERT_TRUE(nl::create_veth("nthost0", "nthost1"));
    auto p = brig_run({"--rm", "--network", "host"}, {"cat", "/proc/net/dev"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("nthost0:"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("nthost1:"), std::string::npos) << p.out;
    // Its own namespace (the default bridge network) does not see them.
    p = brig_run({"--rm"}, {"cat", "/proc/net/dev"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out.find("nthost0:"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("eth0:"), std::string::npos) << p.out;
    ASSERT_TRUE(nl::delete_link("nthost0"));
}

TEST_F(EngineNet, ConnectAndDisconnectRewriteEtcHostsInPlace) {
    ASSERT_EQ(brig({"network", "create", "--subnet", "10.99.7.0/24", "side"}).code, 0);
    auto p = brig_run({"-d", "--name", "hc", "--hostname", "hch"}, {"sleep", "60"});
    ASSERT_EQ(p.code, 0) << p;
    std::string inode = exec_out("hc", {"stat", "-c", "%i", "/etc/hosts"});
    ASSERT_FALSE(inode.empty());
    std::string before = exec_out("hc", {"cat", "/etc/hosts"});
    EXPECT_EQ(before.find("10.99.7."), std::string::npos) << before;

    auto r = brig({"network", "connect", "--alias", "sidekick", "side", "hc"});
    ASSERT_EQ(r.code, 0) << r;
    std::string ip = inspect("hc")["NetworkSettings"]["Networks"]["side"]["IPAddress"].get<std::string>();
    ASSERT_TRUE(ip.starts_with("10.99.7.")) << ip;
    std::string after = exec_out("hc", {"cat", "/etc/hosts"});
    EXPECT_NE(after.find(ip + "\thch sidekick\n"), std::string::npos) << after;
    EXPECT_NE(after.find("\thch\n"), std::string::npos) << "the bridge entry stays: " << after;
    EXPECT_EQ(exec_out("hc", {"stat", "-c", "%i", "/etc/hosts"}), inode) << "the bind mount still shows the file";
    // The name resolves inside through the file.
    EXPECT_EQ(brig({"exec", "hc", "ping", "-c", "1", "-W", "2", "sidekick"}).code, 0);

    r = brig({"network", "disconnect", "side", "hc"});
    ASSERT_EQ(r.code, 0) << r;
    std::string back = exec_out("hc", {"cat", "/etc/hosts"});
    EXPECT_EQ(back.find(ip), std::string::npos) << back;
    EXPECT_EQ(back.find("sidekick"), std::string::npos) << back;
    EXPECT_EQ(back, before);
    EXPECT_EQ(exec_out("hc", {"stat", "-c", "%i", "/etc/hosts"}), inode);
    // Errors: not connected; no such network. /etc/hosts stays as it is.
    EXPECT_NE(brig({"network", "disconnect", "side", "hc"}).code, 0);
    EXPECT_NE(brig({"network", "connect", "nosuchnet", "hc"}).code, 0);
    EXPECT_EQ(exec_out("hc", {"cat", "/etc/hosts"}), before);
    // `network rm -f` disconnects the running container: its /etc/hosts loses the address too.
    r = brig({"network", "connect", "side", "hc"});
    ASSERT_EQ(r.code, 0) << r;
    ip = inspect("hc")["NetworkSettings"]["Networks"]["side"]["IPAddress"].get<std::string>();
    ASSERT_TRUE(ip.starts_with("10.99.7.")) << ip;
    EXPECT_NE(exec_out("hc", {"cat", "/etc/hosts"}).find(ip + "\thch\n"), std::string::npos);
    EXPECT_NE(brig({"network", "rm", "side"}).code, 0) << "in use, without -f";
    r = brig({"network", "rm", "-f", "side"});
    ASSERT_EQ(r.code, 0) << r;
    std::string removed = exec_out("hc", {"cat", "/etc/hosts"});
    EXPECT_EQ(removed.find(ip), std::string::npos) << removed;
    EXPECT_EQ(removed, before);
    EXPECT_EQ(exec_out("hc", {"stat", "-c", "%i", "/etc/hosts"}), inode);
    EXPECT_EQ(brig({"rm", "-f", "hc"}).code, 0);
}

TEST_F(EngineNet, ContainerReachesItsOwnPublishedPortViaTheHostAddress) {
    uplink();
    auto p = brig_run({"-d", "--name", "self", "-p", "8085:80"}, {"httpd", "-f", "-p", "80", "-h", "/etc"});
    ASSERT_EQ(p.code, 0) << p;
    std::string short_id = p.out.substr(0, 12);
    ASSERT_TRUE(eventually([&] {
        return brig({"exec", "self", "wget", "-q", "-O-", "http://127.0.0.1/hostname"}).out == short_id + "\n";
    }));
    for (const std::string host : {"198.51.100.1", "10.88.0.1"}) {
        auto r = brig({"exec", "self", "wget", "-q", "-O-", "http://" + host + ":8085/hostname"});
        EXPECT_EQ(r.out, short_id + "\n") << "via " << host << ": " << r << "\n" << brig::network::nft::list().value_or("");
    }
    // And another container of the same network, the same way.
    p = brig_run({"--rm"}, {"wget", "-q", "-O-", "http://198.51.100.1:8085/hostname"});
    EXPECT_EQ(p.out, short_id + "\n") << p;
}

TEST_F(EngineNet, PublishedUdpPort) {
    uplink();
    ASSERT_EQ(run({"/bin/cp", BRIG_ET_NETPROBE, rootfs_ + "/bin/brig-netprobe"}).code, 0);
    auto p = brig_run({"-d", "--name", "udp", "-p", "5399:53/udp"}, {"/bin/brig-netprobe", "udp-echo", "53"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(brig({"port", "udp"}).out, "53/udp -> 0.0.0.0:5399\n");
    EXPECT_EQ(udp_ask("198.51.100.1", 5399, "ping"), "echo:ping") << "via the host address";
    EXPECT_EQ(udp_ask("10.88.0.1", 5399, "ping2"), "echo:ping2") << "via the gateway";
    EXPECT_EQ(udp_ask("127.0.0.1", 5399, "ping3"), "echo:ping3") << "via 127.0.0.1";
    // TCP on the same number is not published.
    auto table = brig::network::nft::list().value_or("");
    EXPECT_NE(table.find("udp dport 5399"), std::string::npos) << table;
    EXPECT_EQ(table.find("tcp dport 5399"), std::string::npos) << table;
    ASSERT_EQ(brig({"rm", "-f", "udp"}).code, 0);
    EXPECT_EQ(udp_ask("198.51.100.1", 5399, "gone"), "");
    EXPECT_EQ(brig::network::nft::list().value_or("x"), "");
}

// `brig run -d` on a user network killed with SIGKILL at random points: rm -f of what is left,
// then network prune, leave no links, leases, netns files or rules.
TEST_F(EngineNet, KillNineDuringRunThenRmAndPruneLeaveNothing) {
    ASSERT_EQ(brig({"network", "create", "killnet"}).code, 0);
    unsigned seed = std::random_device{}();
    std::mt19937 rng(seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    for (int i = 0; i < 6; ++i) {
        auto delay = std::chrono::milliseconds(10 + rng() % 400);
        std::vector<std::string> args = {BRIG_ET_BRIG, "--root", root_, "run", "-d", "--name", "k" + std::to_string(i),
                                         "--network", "killnet", "--cgroup-parent", cgroup_parent_, "-p",
                                         std::to_string(9200 + i) + ":80", "--rootfs", rootfs_, "sleep", "60"};
        run(args, delay);
    }
    for (const auto& cid : lines(brig({"ps", "-a", "-q", "--no-trunc"}).out)) {
        auto r = brig({"rm", "-f", cid});
        EXPECT_EQ(r.code, 0) << r;
    }
    auto pr = brig({"network", "prune"});
    EXPECT_EQ(pr.code, 0) << pr;
    EXPECT_NE(pr.out.find("killnet"), std::string::npos) << pr;
    for (const auto& l : links()) {
        EXPECT_FALSE(l.starts_with("vb")) << "veth left: " << l;
        EXPECT_FALSE(l.starts_with("brig")) << "bridge left: " << l;
    }
    EXPECT_EQ(brig::network::nft::list().value_or("x"), "") << "rules left";
    std::error_code ec;
    EXPECT_TRUE(!fs::exists(root_ + "/netns") || fs::is_empty(root_ + "/netns", ec)) << "netns files left";
    EXPECT_EQ(slurp("/proc/self/mountinfo").find(root_ + "/netns/"), std::string::npos) << "netns still mounted";
    auto ls = brig({"network", "ls"});
    EXPECT_EQ(ls.out.find("killnet"), std::string::npos) << ls;
    auto j = json::parse(brig({"network", "inspect", "bridge"}).out);
    EXPECT_TRUE(j[0]["Containers"].empty()) << j.dump();
    // Lease files name no container.
    for (const auto& e : fs::recursive_directory_iterator(root_ + "/networks", ec))
        if (e.is_regular_file(ec) && e.path().filename() != "lock") {
            auto text = slurp(e.path().string());
            EXPECT_EQ(text.find("\"ContainerID\""), std::string::npos) << e.path() << ": " << text;
        }
}

}  // namespace
