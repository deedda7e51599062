// Real networking inside the test's own network namespace (it_main.cpp): bridges, veths,
// leases, nftables rules, the DNS responder, published ports, and cleanup of all of them.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "common/fd.hpp"
#include "common/ids.hpp"
#include "common/scope.hpp"
#include "network/dns.hpp"
#include "network/addr.hpp"
#include "network/network.hpp"
#include "network/nft.hpp"
#include "network/rtnl.hpp"
#include "network/store.hpp"

extern bool g_isolated;

namespace {

namespace fs = std::filesystem;
using namespace brig::network;
using brig::UniqueFd;
using namespace std::chrono_literals;

struct Cmd {
    int rc = -1;
    std::string out;
};

Cmd sh(const std::string& cmd) {
    Cmd c;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return c;
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) c.out.append(buf.data(), n);
    int st = ::pclose(p);
    c.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return c;
}

// A background command (its own process group), killed on destruction.
class Bg {
public:
    explicit Bg(const std::string& cmd) {
        pid_ = ::fork();
        if (pid_ == 0) {
            ::setpgid(0, 0);
            int devnull = ::open("/dev/null", O_RDWR);
            ::dup2(devnull, 0);
            ::execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
            ::_exit(127);
        }
    }
    pid_t pid() const { return pid_; }
    ~Bg() {
        if (pid_ > 0) {
            ::kill(-pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

private:
    pid_t pid_ = -1;
};

std::string in_ns(const std::string& ns, const std::string& cmd) {
    return "timeout 10 nsenter --net=" + ns + " /bin/busybox " + cmd;
}

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return pred();
}

std::vector<std::string> veths() {
    std::vector<std::string> out;
    for (auto& n : rtnl::link_names())
        if (n.starts_with("vb") || n.starts_with("brig")) out.push_back(n);
    std::sort(out.begin(), out.end());
    return out;
}

// Receive one datagram on `port` inside netns `ns` while sending "ping-udp" to ip:to_port from here.
std::string udp_roundtrip(const std::string& ns, uint16_t port, const std::string& ip, uint16_t to_port) {
    int p[2];
    if (::pipe(p) < 0) return "pipe";
    pid_t kid = ::fork();
    if (kid == 0) {
        ::close(p[0]);
        int fd = ::open(ns.c_str(), O_RDONLY);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) < 0) ::_exit(1);
        int s = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0) ::_exit(1);
        (void)!::write(p[1], "R", 1);
        char buf[64];
        ssize_t n = ::recv(s, buf, sizeof(buf), 0);
        if (n > 0) (void)!::write(p[1], buf, static_cast<std::size_t>(n));
        ::_exit(0);
    }
    ::close(p[1]);
    char c;
    if (::read(p[0], &c, 1) != 1) return "no listener";
    int s = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(to_port);
    ::inet_pton(AF_INET, ip.c_str(), &to.sin_addr);
    std::string got;
    for (int i = 0; i < 20 && got.empty(); ++i) {
        ::sendto(s, "ping-udp", 8, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
        pollfd pf{p[0], POLLIN, 0};
        if (::poll(&pf, 1, 100) == 1) {
            char buf[64];
            ssize_t n = ::read(p[0], buf, sizeof(buf));
            if (n > 0) got.assign(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(s);
    ::close(p[0]);
    ::kill(kid, SIGKILL);
    ::waitpid(kid, nullptr, 0);
    return got;
}

class Net : public ::testing::Test {
protected:
    void SetUp() override {
        if (!g_isolated) GTEST_SKIP() << "needs root (runs in a network namespace of its own)";
        char tmpl[] = "/tmp/brig-net-it-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        root_ = tmpl;
        ::setenv("BRIG_DNS", (fs::path(BRIG_NET_BRIG).parent_path() / "brig-dns").c_str(), 1);
    }
    void TearDown() override {
        if (root_.empty()) return;
        for (auto& ns : netns_) (void)remove_netns(ns);
        if (auto all = list_networks(root_))
            for (auto& n : *all) (void)remove_network(root_, n.name, true);
        (void)prune_networks(root_);
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    std::string ns(const std::string& id) {
        std::string p = netns_path(root_, id);
        auto r = create_netns(p);
        EXPECT_TRUE(r) << r.error().what();
        netns_.push_back(p);
        return p;
    }
    Attachment attach_ok(const std::string& id, const std::string& network, std::vector<std::string> aliases = {},
                         std::vector<PortMapping> ports = {}) {
        AttachRequest rq;
        rq.root = root_;
        rq.container_id = id;
        rq.container_name = id;
        rq.netns_path = netns_path(root_, id);
        rq.network = network;
        rq.aliases = std::move(aliases);
        rq.ports = std::move(ports);
        auto a = attach(rq);
        EXPECT_TRUE(a) << a.error().what();
        return a ? *a : Attachment{};
    }
    NetworkInfo create(const std::string& name, CreateOptions o = {}) {
        o.name = name;
        auto n = create_network(root_, o);
        EXPECT_TRUE(n) << n.error().what();
        return n ? *n : NetworkInfo{};
    }
    // The test namespace's "uplink": 198.51.100.1 here, and 198.51.100.2 in a namespace "outside"
    // that has no route back to the container networks (so only masqueraded traffic gets answers).
    std::string uplink() {
        std::string out = ns("outside");
        UniqueFd fd(::open(out.c_str(), O_RDONLY | O_CLOEXEC));
        EXPECT_TRUE(rtnl::create_veth("up0", "up1", fd.get(), 0, std::nullopt));
        EXPECT_TRUE(rtnl::add_address("up0", *parse_ip("198.51.100.1"), 24));
        EXPECT_TRUE(rtnl::set_up("up0"));
        EXPECT_EQ(sh(in_ns(out, "ip addr add 198.51.100.2/24 dev up1") + " && " + in_ns(out, "ip link set up1 up")).rc, 0);
        return out;
    }
    std::string root_;
    std::vector<std::string> netns_;
};

TEST_F(Net, TwoContainersReachEachOtherByAddressAndName) {
    create("n1");
    auto a = ns("alpha"), b = ns("beta");
    auto aa = attach_ok("alpha", "n1", {"web"});
    auto ab = attach_ok("beta", "n1");
    ASSERT_FALSE(aa.ipv4.empty());
    EXPECT_NE(aa.ipv4, ab.ipv4);
    EXPECT_EQ(aa.interface, "eth0");
    EXPECT_EQ(aa.dns_server, aa.gateway4);
    auto ping = sh(in_ns(a, "ping -c1 -W2 " + ab.ipv4));
    EXPECT_EQ(ping.rc, 0) << ping.out;
    auto look = sh(in_ns(a, "nslookup beta " + aa.gateway4));
    EXPECT_EQ(look.rc, 0) << look.out;
    EXPECT_NE(look.out.find(ab.ipv4), std::string::npos) << look.out;
    look = sh(in_ns(b, "nslookup web " + aa.gateway4));  // an alias
    EXPECT_NE(look.out.find(aa.ipv4), std::string::npos) << look.out;
    look = sh(in_ns(b, "nslookup alpha.n1 " + aa.gateway4));
    EXPECT_NE(look.out.find(aa.ipv4), std::string::npos) << look.out;
    // ping by name through the responder (busybox reads /etc/resolv.conf: give it ours)
    auto files = make_etc_files(NameConfig{.hostname = "beta", .host_resolv_conf = "/nonexistent"},
                                std::span<const Attachment>(&ab, 1));
    EXPECT_NE(files.resolv_conf.find("nameserver " + aa.gateway4), std::string::npos);

    ASSERT_TRUE(detach(root_, "alpha", "n1"));
    ASSERT_TRUE(detach(root_, "beta", "n1"));
    EXPECT_EQ(veths(), std::vector<std::string>{});  // veths and the bridge are gone
    EXPECT_EQ(*nft::list(), "");
    auto n = inspect_network(root_, "n1");
    ASSERT_TRUE(n);
    EXPECT_TRUE(n->endpoints.empty());
}

TEST_F(Net, PublishedPortsFromHostAddressLoopbackAndHairpin) {
    uplink();
    auto c = ns("web");
    fs::create_directories(root_ + "/www");
    std::ofstream(root_ + "/www/index.html") << "hello-brig\n";
    auto ports = parse_port_specs(std::vector<std::string>{"8080:80", "5353:53/udp"});
    ASSERT_TRUE(ports);
    auto at = attach_ok("web", "bridge", {}, *ports);
    EXPECT_EQ(at.bridge, "brig0");
    EXPECT_EQ(at.ipv4, "10.88.0.2");
    Bg httpd("nsenter --net=" + c + " /bin/busybox httpd -f -p 80 -h " + root_ + "/www");
    ASSERT_TRUE(wait_for([&] { return sh(in_ns(c, "wget -q -O- http://127.0.0.1/")).out == "hello-brig\n"; }));
    auto r = sh("/bin/busybox wget -q -O- http://198.51.100.1:8080/");
    EXPECT_EQ(r.out, "hello-brig\n") << "via the host address";
    r = sh("/bin/busybox wget -q -O- http://127.0.0.1:8080/");
    EXPECT_EQ(r.out, "hello-brig\n") << "via 127.0.0.1";
    // hairpin: another container of the same bridge through the published port. (A container
    // reaching its own published port is routed with source == destination, which the kernel
    // drops; docker covers that case with its userland proxy.)
    auto peer = ns("peer");
    attach_ok("peer", "bridge");
    r = sh(in_ns(peer, "wget -q -O- http://198.51.100.1:8080/"));
    EXPECT_EQ(r.out, "hello-brig\n") << "hairpin, from a container of the same network";

    // UDP: a datagram to the published port arrives in the container.
    EXPECT_EQ(udp_roundtrip(c, 53, "198.51.100.1", 5353), "ping-udp") << "UDP through a published port";
    // Outbound traffic is masqueraded: "outside" has no route back to 10.88.0.0/16.
    EXPECT_EQ(sh(in_ns(c, "ping -c1 -W2 198.51.100.2")).rc, 0) << "masquerade";

    auto table = nft::list();
    ASSERT_TRUE(table);
    EXPECT_NE(table->find("masquerade"), std::string::npos) << *table;
    EXPECT_NE(table->find("dnat ip to 10.88.0.2:80"), std::string::npos) << *table;
    ASSERT_TRUE(detach_all(root_, "web"));
    ASSERT_TRUE(detach_all(root_, "peer"));
    EXPECT_EQ(*nft::list(), "");
    EXPECT_EQ(veths(), std::vector<std::string>{});
}

// A container reaching its own published port through the host's address (hairpin to itself).
TEST_F(Net, ContainerReachesItsOwnPublishedPortViaHostAddress) {
    uplink();
    auto c = ns("self");
    fs::create_directories(root_ + "/www");
    std::ofstream(root_ + "/www/index.html") << "hello-self\n";
    auto ports = parse_port_specs(std::vector<std::string>{"8081:80", "5354:53/udp"});
    ASSERT_TRUE(ports);
    create("hp");
    auto at = attach_ok("self", "hp", {}, *ports);
    Bg httpd("nsenter --net=" + c + " /bin/busybox httpd -f -p 80 -h " + root_ + "/www");
    ASSERT_TRUE(wait_for([&] { return sh(in_ns(c, "wget -q -O- http://127.0.0.1/")).out == "hello-self\n"; }));
    auto r = sh(in_ns(c, "wget -q -O- http://198.51.100.1:8081/"));
    EXPECT_EQ(r.out, "hello-self\n") << "from the container itself via the host address: " << r.out << "\n"
                                      << nft::list().value_or("");
    r = sh(in_ns(c, "wget -q -O- http://" + at.gateway4 + ":8081/"));
    EXPECT_EQ(r.out, "hello-self\n") << "from the container itself via the gateway address";
    // The same when bridged traffic does not pass the IP hooks (no br_netfilter): the packet is
    // routed back out of the bridge. (The sysctl is per network namespace: the test's own.)
    const std::string brnf = "/proc/sys/net/bridge/bridge-nf-call-iptables";
    if (fs::exists(brnf)) {
        std::ofstream(brnf) << "0\n";
        r = sh(in_ns(c, "wget -q -O- http://198.51.100.1:8081/"));
        EXPECT_EQ(r.out, "hello-self\n") << "without br_netfilter";
        std::ofstream(brnf) << "1\n";
    }
    // UDP too, and from the host (as before).
    EXPECT_EQ(udp_roundtrip(c, 53, "198.51.100.1", 5354), "ping-udp");
    r = sh("/bin/busybox wget -q -O- http://198.51.100.1:8081/");
    EXPECT_EQ(r.out, "hello-self\n");
    ASSERT_TRUE(detach_all(root_, "self"));
    EXPECT_EQ(*nft::list(), "");
    EXPECT_EQ(veths(), std::vector<std::string>{});
}

// The rtnetlink calls the library builds on (linux/netlink.hpp): dumps, addresses, routes,
// MTU, rename, moving a link into another namespace.
TEST_F(Net, NetlinkLinksAddressesRoutesAndDumps) {
    namespace nl = brig::netlink;
    auto other = ns("nlother");
    ASSERT_TRUE(nl::create_bridge("nlbr0", 1400));
    ASSERT_TRUE(nl::create_veth("nlv0", "nlv1", {.mtu = 1400}, {.mtu = 1400, .mac = nl::Mac{0x02, 1, 2, 3, 4, 5}}));
    ASSERT_TRUE(nl::set_master("nlv0", "nlbr0"));
    ASSERT_TRUE(nl::set_up("nlbr0"));
    ASSERT_TRUE(nl::set_up("nlv0"));
    ASSERT_TRUE(nl::set_mtu("nlv1", 1300));
    ASSERT_TRUE(nl::rename_link("nlv1", "nlv1x"));
    auto v4 = rtnl::inet(*parse_ip("192.0.2.1"));
    auto v6 = rtnl::inet(*parse_ip("2001:db8::1"));
    ASSERT_TRUE(nl::add_address("nlbr0", v4, 24));
    ASSERT_TRUE(nl::add_address("nlbr0", v6, 64));
    EXPECT_FALSE(nl::add_address("nlbr0", v4, 24)) << "EEXIST";
    ASSERT_TRUE(nl::add_route("nlbr0", rtnl::inet(*parse_ip("203.0.113.0")), 24, rtnl::inet(*parse_ip("192.0.2.9"))));

    auto links = nl::list_links();
    ASSERT_TRUE(links) << links.error().what();
    int br = 0, v0master = -1;
    for (auto& l : *links) {
        if (l.name == "nlbr0") {
            br = l.index;
            EXPECT_EQ(l.kind, "bridge");
            EXPECT_EQ(l.mtu, 1400);
        }
        if (l.name == "nlv0") {
            v0master = l.master;
            EXPECT_EQ(l.kind, "veth");
        }
        if (l.name == "nlv1x") {
            EXPECT_EQ(l.mtu, 1300);
            ASSERT_TRUE(l.mac);
            EXPECT_EQ(rtnl::format_mac(*l.mac), "02:01:02:03:04:05");
        }
    }
    ASSERT_NE(br, 0);
    EXPECT_EQ(v0master, br);
    auto addrs = nl::list_addresses();
    ASSERT_TRUE(addrs);
    int found = 0;
    for (auto& a : *addrs)
        if (a.index == br && ((a.addr == v4 && a.prefix == 24) || (a.addr == v6 && a.prefix == 64))) ++found;
    EXPECT_EQ(found, 2);
    auto routes = nl::list_routes(AF_INET);
    ASSERT_TRUE(routes);
    bool route = false;
    for (auto& r : *routes)
        route = route || (r.prefix == 24 && r.dst == rtnl::inet(*parse_ip("203.0.113.0")) && r.gateway &&
                          *r.gateway == rtnl::inet(*parse_ip("192.0.2.9")) && r.oif == br);
    EXPECT_TRUE(route);
    ASSERT_TRUE(nl::delete_address("nlbr0", v4, 24));
    addrs = nl::list_addresses(AF_INET);
    ASSERT_TRUE(addrs);
    for (auto& a : *addrs) EXPECT_FALSE(a.addr == v4);

    UniqueFd fd(::open(other.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(nl::move_link_to_netns_fd("nlv1x", fd.get(), "inner0"));
    EXPECT_FALSE(nl::find_link("nlv1x"));
    EXPECT_EQ(sh(in_ns(other, "ip link show inner0")).rc, 0);
    auto bad = nl::set_master("nosuchlink", "nlbr0");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("nosuchlink"), std::string::npos) << bad.error().message;
    EXPECT_FALSE(nl::create_bridge("bad/name"));
    ASSERT_TRUE(nl::delete_link("nlv0"));
    ASSERT_TRUE(nl::delete_link("nlbr0"));
    ASSERT_TRUE(nl::delete_link("nlbr0")) << "deleting a missing link is no error";
    EXPECT_FALSE(nl::find_link("nlbr0"));
}

TEST_F(Net, InternalNetworkHasNoWayOut) {
    uplink();
    create("priv", CreateOptions{.internal = true});
    auto i = ns("inner"), o = ns("outer");
    auto ai = attach_ok("inner", "priv");
    attach_ok("outer", "bridge");
    EXPECT_EQ(sh(in_ns(o, "ping -c1 -W2 198.51.100.2")).rc, 0) << "control: a normal network reaches out";
    auto routes = sh(in_ns(i, "ip route"));
    EXPECT_EQ(routes.out.find("default"), std::string::npos) << routes.out;
    EXPECT_NE(sh(in_ns(i, "ping -c1 -W1 198.51.100.2")).rc, 0);
    EXPECT_EQ(sh(in_ns(i, "ping -c1 -W2 " + ai.gateway4)).rc, 0);
    auto table = nft::list();
    EXPECT_NE(table->find("iifname \"" + ai.bridge + "\" oifname != \"" + ai.bridge + "\" drop"), std::string::npos)
        << *table;
    AttachRequest rq{.root = root_, .container_id = "x", .netns_path = i, .network = "priv"};
    rq.ports = {PortMapping{"", 9999, 80, "tcp"}};
    EXPECT_FALSE(attach(rq)) << "no published ports on an internal network";
}

TEST_F(Net, NetworksAreIsolatedUntilConnected) {
    create("n1");
    create("n2");
    auto a = ns("a"), b = ns("b");
    attach_ok("a", "n1");
    auto ab = attach_ok("b", "n2");
    EXPECT_NE(sh(in_ns(a, "ping -c1 -W1 " + ab.ipv4)).rc, 0);
    auto c = connect(root_, "n2", "a");
    ASSERT_TRUE(c) << c.error().what();
    EXPECT_EQ(c->interface, "eth1");
    EXPECT_FALSE(c->default_route);
    EXPECT_EQ(sh(in_ns(a, "ping -c1 -W2 " + ab.ipv4)).rc, 0);
    auto d = disconnect(root_, "n2", "a");
    ASSERT_TRUE(d) << d.error().what();
    EXPECT_NE(sh(in_ns(a, "ip link show eth1")).rc, 0);
    EXPECT_NE(sh(in_ns(a, "ping -c1 -W1 " + ab.ipv4)).rc, 0);
    EXPECT_FALSE(disconnect(root_, "n2", "a"));
    // a container on no network (--network none) is found by its netns file
    ns("lonely");
    auto l = connect(root_, "n2", "lonely");
    ASSERT_TRUE(l) << l.error().what();
    EXPECT_EQ(l->interface, "eth0");
    EXPECT_TRUE(l->default_route);
}

TEST_F(Net, Ipv6Network) {
    create("v6", CreateOptions{.ipv6 = true});
    auto a = ns("a6"), b = ns("b6");
    auto x = attach_ok("a6", "v6");
    auto y = attach_ok("b6", "v6");
    ASSERT_FALSE(y.ipv6.empty());
    EXPECT_EQ(x.ipv6_prefix, 64);
    auto r = sh(in_ns(a, "ping -6 -c1 -W2 " + y.ipv6));
    EXPECT_EQ(r.rc, 0) << r.out;
    r = sh(in_ns(a, "ping -c1 -W2 " + y.ipv4));
    EXPECT_EQ(r.rc, 0) << r.out;
    auto look = sh(in_ns(b, "nslookup -type=aaaa a6 " + x.gateway4));
    EXPECT_NE(look.out.find(x.ipv6), std::string::npos) << look.out;
}

TEST_F(Net, ConcurrentLeasesAreDistinct) {
    create("n1");
    constexpr int kProcs = 8;
    for (int i = 0; i < kProcs; ++i) ns(fmt::format("c{}", i));
    std::vector<pid_t> kids;
    for (int i = 0; i < kProcs; ++i) {
        pid_t p = ::fork();
        if (p == 0) {
            AttachRequest rq{.root = root_, .container_id = fmt::format("c{}", i), .container_name = fmt::format("c{}", i),
                             .netns_path = netns_path(root_, fmt::format("c{}", i)), .network = "n1"};
            ::_exit(attach(rq) ? 0 : 1);
        }
        kids.push_back(p);
    }
    for (auto p : kids) {
        int st = 0;
        ::waitpid(p, &st, 0);
        EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    auto n = inspect_network(root_, "n1");
    ASSERT_TRUE(n);
    std::set<std::string> ips;
    for (auto& e : n->endpoints) ips.insert(e.ipv4);
    EXPECT_EQ(ips.size(), static_cast<std::size_t>(kProcs));
    EXPECT_EQ(n->endpoints.size(), static_cast<std::size_t>(kProcs));
    for (int i = 0; i < kProcs; ++i) ASSERT_TRUE(detach_all(root_, fmt::format("c{}", i)));
    EXPECT_TRUE(inspect_network(root_, "n1")->endpoints.empty());
    EXPECT_EQ(veths(), std::vector<std::string>{});
}

TEST_F(Net, KillNineDuringAttachLeavesNothingPruneCannotClean) {
    create("n1");
    for (int i = 0; i < 40; ++i) ns(fmt::format("k{}", i));
    int next = 0;
    for (int round = 0; round < 6 && next < 40; ++round) {
        int start = next;
        pid_t p = ::fork();
        if (p == 0) {
            for (int i = start; i < 40; ++i) {
                AttachRequest rq{.root = root_, .container_id = fmt::format("k{}", i), .netns_path = netns_path(root_, fmt::format("k{}", i)), .network = "n1"};
                (void)attach(rq);
            }
            ::_exit(0);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(15 + 20 * round));
        ::kill(p, SIGKILL);
        ::waitpid(p, nullptr, 0);
        auto n = inspect_network(root_, "n1");
        ASSERT_TRUE(n) << n.error().what();  // the lease file is always whole
        std::set<std::string> ips, ids;
        for (auto& e : n->endpoints) {
            ips.insert(e.ipv4);
            ids.insert(e.container_id);
        }
        EXPECT_EQ(ips.size(), n->endpoints.size()) << "an address leased twice";
        next = start;
        while (ids.contains(fmt::format("k{}", next))) ++next;
    }
    // The containers die with their namespaces; prune cleans every trace.
    for (auto& p : netns_) ASSERT_TRUE(remove_netns(p));
    netns_.clear();
    auto pr = prune_networks(root_);
    ASSERT_TRUE(pr) << pr.error().what();
    EXPECT_FALSE(inspect_network(root_, "n1"));
    EXPECT_EQ(veths(), std::vector<std::string>{});
    EXPECT_EQ(*nft::list(), "");
}

TEST_F(Net, RemoveRefusedWhileInUse) {
    create("n1");
    ns("busy");
    attach_ok("busy", "n1");
    auto r = remove_network(root_, "n1");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("busy"), std::string::npos) << r.error().message;
    if (fs::exists(BRIG_NET_BRIG)) {
        auto cli = sh(std::string(BRIG_NET_BRIG) + " --root " + root_ + " network rm n1");
        EXPECT_NE(cli.rc, 0);
        EXPECT_NE(cli.out.find("in use"), std::string::npos) << cli.out;
    }
    ASSERT_TRUE(detach_all(root_, "busy"));
    EXPECT_TRUE(remove_network(root_, "n1"));
    EXPECT_FALSE(fs::exists(root_ + "/networks/n1"));
}

TEST_F(Net, CliCreateListInspectPrune) {
    if (!fs::exists(BRIG_NET_BRIG)) GTEST_SKIP() << BRIG_NET_BRIG << " is not built";
    std::string brig = std::string(BRIG_NET_BRIG) + " --root " + root_ + " network ";
    auto c = sh(brig + "create --subnet 172.30.0.0/24 --gateway 172.30.0.254 --internal --label a=b front");
    ASSERT_EQ(c.rc, 0) << c.out;
    EXPECT_EQ(c.out.size(), 65u);
    EXPECT_NE(sh(brig + "create front").rc, 0);
    EXPECT_NE(sh(brig + "create --subnet 172.30.0.0/16 other").rc, 0) << "overlap";
    EXPECT_NE(sh(brig + "create bad/name").rc, 0);
    auto ls = sh(brig + "ls");
    EXPECT_NE(ls.out.find("front"), std::string::npos);
    EXPECT_NE(ls.out.find("bridge"), std::string::npos);
    auto in = sh(brig + "inspect front");
    ASSERT_EQ(in.rc, 0) << in.out;
    auto j = nlohmann::json::parse(in.out);
    EXPECT_EQ(j[0]["IPAM"]["Config"][0]["Gateway"], "172.30.0.254");
    EXPECT_EQ(j[0]["Internal"], true);
    EXPECT_EQ(j[0]["Labels"]["a"], "b");
    EXPECT_NE(sh(brig + "inspect nosuch").rc, 0);
    auto pr = sh(brig + "prune");
    EXPECT_EQ(pr.out, "front\n");
    EXPECT_EQ(sh(brig + "ls -q").out.find('\n'), 12u);  // only the default network is left
}

TEST_F(Net, HundredCyclesLeaveLeasesAndLinksAsTheyWere) {
    create("n1");
    ns("stay");
    attach_ok("stay", "n1");
    auto before = inspect_network(root_, "n1")->endpoints.size();
    auto links = veths();
    ns("cyc");
    std::chrono::nanoseconds in_attach{0}, in_detach{0};
    for (int i = 0; i < 100; ++i) {
        AttachRequest rq{.root = root_, .container_id = "cyc", .netns_path = netns_path(root_, "cyc"), .network = "n1"};
        auto t0 = std::chrono::steady_clock::now();
        auto a = attach(rq);
        auto t1 = std::chrono::steady_clock::now();
        ASSERT_TRUE(a) << a.error().what();
        ASSERT_EQ(a->ipv4, "10.89.0.3");
        ASSERT_TRUE(detach(root_, "cyc", "n1"));
        in_attach += t1 - t0;
        in_detach += std::chrono::steady_clock::now() - t1;
    }
    // The network setup time per container (veth, addresses, routes, rules, lease), for the record.
    std::printf("network setup per container: attach %.2f ms, detach %.2f ms (mean of 100)\n",
                std::chrono::duration<double, std::milli>(in_attach).count() / 100,
                std::chrono::duration<double, std::milli>(in_detach).count() / 100);
    EXPECT_EQ(inspect_network(root_, "n1")->endpoints.size(), before);
    EXPECT_EQ(veths(), links);
}

}  // namespace

namespace {

// Real containers: brig-oci runs busybox with the network namespace made by create_netns and
// the /etc files made by make_etc_files, bind-mounted as the engine does.
class RealContainers : public Net {
protected:
    void TearDown() override {
        for (auto& id : started_) sh("timeout 20 " + oci() + " delete --force " + id);
        Net::TearDown();
    }
    std::string oci() { return std::string(BRIG_NET_OCI) + " --root " + root_ + "/oci"; }
    std::string bundle(const std::string& id, const Attachment& at, std::vector<std::string> args) {
        std::string dir = root_ + "/bundles/" + id;
        fs::create_directories(dir);
        auto files = make_etc_files(NameConfig{.hostname = id, .host_resolv_conf = "/nonexistent"},
                                    std::span<const Attachment>(&at, 1));
        std::ofstream(dir + "/hosts") << files.hosts;
        std::ofstream(dir + "/resolv.conf") << files.resolv_conf;
        std::ofstream(dir + "/hostname") << files.hostname;
        EXPECT_EQ(sh("cd " + dir + " && " + BRIG_NET_OCI + " spec").rc, 0);
        std::ifstream in(dir + "/config.json");
        auto spec = nlohmann::json::parse(in);
        spec["root"] = {{"path", BRIG_NET_ROOTFS}, {"readonly", true}};
        spec["process"]["terminal"] = false;
        spec["process"]["args"] = args;
        spec["hostname"] = id;
        spec["linux"]["cgroupsPath"] = "/brig-test/net-" + brig::random_hex(6);
        for (auto& ns : spec["linux"]["namespaces"])
            if (ns["type"] == "network") ns["path"] = netns_path(root_, id);
        for (auto f : {"hosts", "resolv.conf", "hostname"})
            spec["mounts"].push_back({{"destination", std::string("/etc/") + f},
                                      {"type", "bind"},
                                      {"source", dir + "/" + f},
                                      {"options", {"rbind", "ro"}}});
        std::ofstream(dir + "/config.json") << spec.dump(2);
        return dir;
    }
    std::vector<std::string> started_;
};

TEST_F(RealContainers, ResolveAndConnectByName) {
    create("app");
    ns("server");
    ns("client");
    auto as = attach_ok("server", "app", {"www"});
    auto ac = attach_ok("client", "app");
    auto sb = bundle("server", as, {"httpd", "-f", "-p", "80", "-h", "/etc"});
    auto cb = bundle("client", ac, {"sh", "-c", "nslookup server >/dev/null && wget -q -O- http://www/hostname"});
    // The detached container's stdio is /dev/null, so sh() is not left waiting for its output.
    started_.push_back("server");
    auto r = sh("timeout 20 " + oci() + " run --detach --bundle " + sb + " server </dev/null >/dev/null 2>" + root_ + "/err");
    ASSERT_EQ(r.rc, 0) << r.out;
    ASSERT_TRUE(wait_for([&] { return sh(in_ns(netns_path(root_, "server"), "wget -q -O- http://127.0.0.1/hostname")).rc == 0; }));
    started_.push_back("client");
    r = sh("timeout 20 " + oci() + " run --bundle " + cb + " client </dev/null");
    EXPECT_EQ(r.rc, 0) << r.out;
    EXPECT_EQ(r.out, "server\n");
}

}  // namespace

namespace {

// Other names go to the host's resolvers: here a fake one on 127.0.0.1, put in the
// /etc/resolv.conf of the test's private mount namespace.
TEST_F(Net, DnsForwardsOtherNamesUpstream) {
    std::string conf = root_ + "/host-resolv.conf";
    std::ofstream(conf) << "nameserver 127.0.0.1\n";
    ASSERT_EQ(::mount(conf.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr), 0);
    brig::ScopeGuard unmount([] { ::umount2("/etc/resolv.conf", MNT_DETACH); });
    UniqueFd up(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(53);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(up.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    std::atomic<bool> stop{false};
    std::thread upstream([&] {
        while (!stop) {
            pollfd p{up.get(), POLLIN, 0};
            if (::poll(&p, 1, 50) != 1) continue;
            unsigned char buf[512];
            sockaddr_in from{};
            socklen_t fl = sizeof(from);
            ssize_t n = ::recvfrom(up.get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &fl);
            auto q = dns::parse_query(std::span<const unsigned char>(buf, static_cast<std::size_t>(n)));
            if (!q) continue;
            auto r = dns::make_response(std::span<const unsigned char>(buf, static_cast<std::size_t>(n)), *q,
                                        {*parse_ip("203.0.113.7")}, dns::kNoError);
            ::sendto(up.get(), r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
        }
    });
    brig::ScopeGuard join([&] {
        stop = true;
        upstream.join();
    });
    create("n1");
    auto c = ns("c");
    auto at = attach_ok("c", "n1");
    auto look = sh(in_ns(c, "nslookup example.test " + at.gateway4));
    EXPECT_NE(look.out.find("203.0.113.7"), std::string::npos) << look.out;
    look = sh(in_ns(c, "nslookup c " + at.gateway4));  // its own name still answered locally
    EXPECT_NE(look.out.find(at.ipv4), std::string::npos) << look.out;
}

}  // namespace

namespace {

// Rootless: an unprivileged user (nobody) owns a user + network namespace; pasta, started by
// attach_rootless as that user, gives it a stack and forwards a published port from here.
TEST_F(Net, RootlessPastaPublishesAPort) {
    if (::access("/usr/bin/pasta", X_OK) != 0) GTEST_SKIP() << "pasta (passt) is not installed";
    uplink();
    ASSERT_EQ(sh("ip route add default via 198.51.100.2").rc, 0);  // pasta copies the default route
    // The user needs /dev/net/tun: a usable node of our own, in this test's mount namespace only.
    ASSERT_EQ(::mount("tmpfs", "/dev/net", "tmpfs", 0, "mode=755"), 0);
    brig::ScopeGuard unmount([] { ::umount2("/dev/net", MNT_DETACH); });
    ASSERT_EQ(::mknod("/dev/net/tun", S_IFCHR | 0666, makedev(10, 200)), 0);
    ::chmod("/dev/net/tun", 0666);
    fs::create_directories(root_ + "/www");
    std::ofstream(root_ + "/www/index.html") << "rootless-ok\n";
    ::chmod(root_.c_str(), 0755);
    sh("chmod -R a+rX " + root_ + "/www");
    const std::string user = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    // exec all the way down, so the Bg pid is the pid of `sleep` in the new namespaces
    Bg holder("exec " + user + "unshare -Urn sleep 60");
    pid_t pid = holder.pid();
    ASSERT_TRUE(wait_for([&] {
        return sh(fmt::format("readlink /proc/{}/ns/net", pid)).out != sh("readlink /proc/self/ns/net").out;
    }));
    std::string nsnet = fmt::format("/proc/{}/ns/net", pid), nsuser = fmt::format("/proc/{}/ns/user", pid);
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    pid_t kid = ::fork();
    if (kid == 0) {
        ::close(p[0]);
        if (::setgroups(0, nullptr) < 0 || ::setresgid(65534, 65534, 65534) < 0 || ::setresuid(65534, 65534, 65534) < 0)
            ::_exit(2);
        auto r = attach_rootless(nsnet, nsuser, std::vector<PortMapping>{{"", 8081, 80, "tcp"}});
        std::string msg = r ? fmt::format("pid {}", *r) : r.error().what();
        (void)!::write(p[1], msg.data(), msg.size());
        ::_exit(r ? 0 : 1);
    }
    ::close(p[1]);
    int st = 0;
    ::waitpid(kid, &st, 0);
    char buf[512] = {};
    (void)!::read(p[0], buf, sizeof(buf) - 1);
    ::close(p[0]);
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << buf;
    pid_t pasta = std::atoi(buf + 4);
    brig::ScopeGuard stop_pasta([&] {
        if (pasta > 1) ::kill(pasta, SIGTERM);
    });
    std::string in_user_ns = user + fmt::format("nsenter --preserve-credentials -U -n -t {} ", pid);
    auto addr = sh(in_user_ns + "ip -4 addr");
    EXPECT_NE(addr.out.find("198.51.100.1"), std::string::npos) << addr.out;
    Bg httpd("exec " + in_user_ns + "/bin/busybox httpd -f -p 80 -h " + root_ + "/www");
    std::string got;
    wait_for([&] {
        got = sh("/bin/busybox wget -q -O- http://127.0.0.1:8081/").out;
        return got == "rootless-ok\n";
    });
    EXPECT_EQ(got, "rootless-ok\n");
}

}  // namespace

namespace {

TEST_F(Net, RequestedAddressMacAndErrors) {
    create("n1", CreateOptions{.subnets = {"172.29.0.0/24"}});
    auto c = ns("fixed");
    AttachRequest rq{.root = root_, .container_id = "fixed", .netns_path = c, .network = "n1"};
    rq.ipv4 = "172.29.0.50";
    rq.mac = "02:42:ac:1d:00:32";
    auto a = attach(rq);
    ASSERT_TRUE(a) << a.error().what();
    EXPECT_EQ(a->ipv4, "172.29.0.50");
    auto link = sh(in_ns(c, "ip addr show eth0"));
    EXPECT_NE(link.out.find("02:42:ac:1d:00:32"), std::string::npos) << link.out;
    EXPECT_NE(link.out.find("172.29.0.50/24"), std::string::npos) << link.out;
    auto route = sh(in_ns(c, "ip route"));
    EXPECT_NE(route.out.find("default via 172.29.0.1"), std::string::npos) << route.out;

    auto links_before = veths();
    auto d = ns("dup");
    AttachRequest dup{.root = root_, .container_id = "dup", .netns_path = d, .network = "n1"};
    dup.ipv4 = "172.29.0.50";
    auto r = attach(dup);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("already in use"), std::string::npos) << r.error().message;
    dup.ipv4 = "10.0.0.5";
    EXPECT_FALSE(attach(dup)) << "outside the subnet";
    dup.ipv4.reset();
    dup.network = "nosuch";
    r = attach(dup);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("nosuch not found"), std::string::npos) << r.error().message;
    dup.network = "n1";
    dup.interface = "lo";  // fails in the kernel, after the lease was written: undone
    r = attach(dup);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().errnum, EEXIST) << r.error().what();
    dup.interface.clear();
    dup.netns_path = root_ + "/not-a-netns";
    EXPECT_FALSE(attach(dup));
    EXPECT_EQ(veths(), links_before) << "failed attaches leave nothing behind";
    EXPECT_EQ(inspect_network(root_, "n1")->endpoints.size(), 1u);
    rq.container_id = "fixed";
    EXPECT_FALSE(attach(rq)) << "already connected";
}

}  // namespace
