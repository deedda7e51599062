// Pure logic of brig_network: addresses and IPAM, -p parsing, /etc files, DNS messages, rules.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "linux/netlink.hpp"
#include "network/addr.hpp"
#include "network/dns.hpp"
#include "network/ipam.hpp"
#include "network/network.hpp"
#include "network/nft.hpp"

using namespace brig::network;

TEST(Addr, ParseAndPrint) {
    auto c = parse_cidr("10.88.0.0/16");
    ASSERT_TRUE(c);
    EXPECT_EQ(to_string(c->last()), "10.88.255.255");
    EXPECT_EQ(to_string(c->host(1)), "10.88.0.1");
    EXPECT_TRUE(c->contains(*parse_ip("10.88.3.4")));
    EXPECT_FALSE(c->contains(*parse_ip("10.89.0.1")));
    EXPECT_FALSE(parse_cidr("10.88.0.1/16"));  // host bits
    EXPECT_TRUE(parse_cidr("10.88.0.1/16", false));
    EXPECT_FALSE(parse_cidr("10.88.0.0/33"));
    EXPECT_FALSE(parse_cidr("10.88.0.0"));
    auto v6 = parse_cidr("fd00:1::/64");
    ASSERT_TRUE(v6);
    EXPECT_EQ(to_string(v6->host(2)), "fd00:1::2");
    EXPECT_EQ(subnet_size(*v6), UINT64_MAX);
    EXPECT_TRUE(parse_cidr("10.0.0.0/8")->overlaps(*parse_cidr("10.88.0.0/16")));
    EXPECT_FALSE(parse_cidr("10.0.0.0/8")->overlaps(*v6));
}

TEST(Ipam, LowestFreeSkipsGatewayAndReserved) {
    auto c = *parse_cidr("10.1.0.0/29");  // .0 network, .7 broadcast
    auto gw = *parse_ip("10.1.0.1");
    std::set<IpAddr> used;
    std::vector<std::string> got;
    for (int i = 0; i < 5; ++i) {
        auto a = ipam::lease(c, gw, used);
        ASSERT_TRUE(a) << a.error().what();
        used.insert(*a);
        got.push_back(to_string(*a));
    }
    EXPECT_EQ(got, (std::vector<std::string>{"10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"}));
    EXPECT_FALSE(ipam::lease(c, gw, used));  // full
    used.erase(*parse_ip("10.1.0.4"));
    EXPECT_EQ(to_string(*ipam::lease(c, gw, used)), "10.1.0.4");  // released addresses come back
}

TEST(Ipam, RequestedAddress) {
    auto c = *parse_cidr("10.1.0.0/24");
    auto gw = *parse_ip("10.1.0.1");
    std::set<IpAddr> used{*parse_ip("10.1.0.9")};
    EXPECT_TRUE(ipam::lease(c, gw, used, *parse_ip("10.1.0.10")));
    EXPECT_FALSE(ipam::lease(c, gw, used, *parse_ip("10.1.0.9")));    // taken
    EXPECT_FALSE(ipam::lease(c, gw, used, *parse_ip("10.1.0.1")));    // gateway
    EXPECT_FALSE(ipam::lease(c, gw, used, *parse_ip("10.1.0.0")));    // network
    EXPECT_FALSE(ipam::lease(c, gw, used, *parse_ip("10.1.0.255")));  // broadcast
    EXPECT_FALSE(ipam::lease(c, gw, used, *parse_ip("10.2.0.5")));    // outside
}

TEST(Ipam, PlanSubnets) {
    std::vector<NetworkInfo> existing(1);
    existing[0].name = "a";
    existing[0].subnets = {{"10.89.0.0/24", "10.89.0.1"}};
    CreateOptions o;
    auto s = ipam::plan_subnets(o, existing);
    ASSERT_TRUE(s);
    ASSERT_EQ(s->size(), 1u);
    EXPECT_EQ((*s)[0].subnet, "10.89.1.0/24");
    EXPECT_EQ((*s)[0].gateway, "10.89.1.1");

    o.subnets = {"10.89.0.0/16"};
    EXPECT_FALSE(ipam::plan_subnets(o, existing));  // overlaps a
    o.subnets = {"172.30.0.0/16", "fd00:9::/64"};
    o.gateways = {"172.30.0.254"};
    s = ipam::plan_subnets(o, existing);
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_EQ((*s)[0].gateway, "172.30.0.254");
    EXPECT_EQ((*s)[1].gateway, "fd00:9::1");
    o.gateways = {"172.31.0.1"};
    EXPECT_FALSE(ipam::plan_subnets(o, existing));  // outside the subnet
    o = {};
    o.ipv6 = true;
    s = ipam::plan_subnets(o, existing);
    ASSERT_TRUE(s);
    ASSERT_EQ(s->size(), 2u);
    EXPECT_EQ((*s)[1].subnet, "fd00:b216::/64");
}

TEST(Ports, Parse) {
    auto p = parse_port_spec("8080:80");
    ASSERT_TRUE(p);
    ASSERT_EQ(p->size(), 1u);
    EXPECT_EQ((*p)[0], (PortMapping{"", 8080, 80, "tcp"}));
    p = parse_port_spec("127.0.0.1:53:53/udp");
    ASSERT_TRUE(p);
    EXPECT_EQ((*p)[0], (PortMapping{"127.0.0.1", 53, 53, "udp"}));
    p = parse_port_spec("80");
    ASSERT_TRUE(p);
    EXPECT_EQ((*p)[0], (PortMapping{"", 0, 80, "tcp"}));
    p = parse_port_spec("127.0.0.1::80");
    ASSERT_TRUE(p);
    EXPECT_EQ((*p)[0], (PortMapping{"127.0.0.1", 0, 80, "tcp"}));
    p = parse_port_spec("[::1]:8080:80");
    ASSERT_TRUE(p);
    EXPECT_EQ((*p)[0], (PortMapping{"::1", 8080, 80, "tcp"}));
    p = parse_port_spec("9000-9002:7000-7002/udp");
    ASSERT_TRUE(p);
    ASSERT_EQ(p->size(), 3u);
    EXPECT_EQ((*p)[2], (PortMapping{"", 9002, 7002, "udp"}));
    for (auto bad : {"", "0", "70000", "8080:80/sctp", "1-3:1-2", "a:80", "1.2.3:80:80", "5-2", "x:y:z:w"})
        EXPECT_FALSE(parse_port_spec(bad)) << bad;
    std::vector<std::string> dup = {"8080:80", "8080:81"};
    EXPECT_FALSE(parse_port_specs(dup));
    std::vector<std::string> exposed = {"80/tcp", "53/udp"};
    auto e = exposed_ports(exposed);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->size(), 2u);
    EXPECT_EQ(format_port(PortMapping{"", 8080, 80, "tcp"}), "0.0.0.0:8080->80/tcp");
}

TEST(Mode, Parse) {
    EXPECT_EQ(parse_network_mode("bridge")->kind, ModeKind::Bridge);
    EXPECT_EQ(parse_network_mode("none")->kind, ModeKind::None);
    EXPECT_EQ(parse_network_mode("host")->kind, ModeKind::Host);
    EXPECT_EQ(parse_network_mode("container:abc")->container, "abc");
    EXPECT_FALSE(parse_network_mode("container:"));
    EXPECT_EQ(parse_network_mode("mynet")->network, "mynet");
}

TEST(EtcFiles, HostsResolvHostname) {
    char tmpl[] = "/tmp/brig-resolv-XXXXXX";
    int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    std::ofstream(tmpl) << "# host\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.org\noptions edns0\n";
    Attachment a;
    a.ipv4 = "10.89.0.2";
    a.dns_server = "10.89.0.1";
    NameConfig nc;
    nc.hostname = "web";
    nc.extra_hosts = {{"db", "10.0.0.5"}};
    nc.host_resolv_conf = tmpl;
    auto f = make_etc_files(nc, std::span<const Attachment>(&a, 1));
    EXPECT_EQ(f.hostname, "web\n");
    EXPECT_NE(f.hosts.find("127.0.0.1\tlocalhost\n"), std::string::npos);
    EXPECT_NE(f.hosts.find("10.89.0.2\tweb\n"), std::string::npos);
    EXPECT_NE(f.hosts.find("10.0.0.5\tdb\n"), std::string::npos);
    EXPECT_NE(f.resolv_conf.find("nameserver 10.89.0.1\n"), std::string::npos);
    EXPECT_EQ(f.resolv_conf.find("192.0.2.53"), std::string::npos);
    EXPECT_NE(f.resolv_conf.find("search example.org\n"), std::string::npos);
    EXPECT_NE(f.resolv_conf.find("options edns0\n"), std::string::npos);

    a.dns_server.clear();  // default bridge: the host's resolvers, without its loopback ones
    f = make_etc_files(nc, std::span<const Attachment>(&a, 1));
    EXPECT_EQ(f.resolv_conf.find("127.0.0.53"), std::string::npos);
    EXPECT_NE(f.resolv_conf.find("nameserver 192.0.2.53\n"), std::string::npos);

    nc.dns = {"9.9.9.9"};
    nc.dns_search = {"a.test", "b.test"};
    f = make_etc_files(nc, std::span<const Attachment>(&a, 1));
    EXPECT_EQ(f.resolv_conf, "# Generated by brig\nsearch a.test b.test\nnameserver 9.9.9.9\noptions edns0\n");
    unlink(tmpl);

    EXPECT_TRUE(parse_add_host("db:10.0.0.5"));
    EXPECT_EQ(parse_add_host("v6=[::1]")->second, "::1");
    EXPECT_FALSE(parse_add_host("db"));
    EXPECT_FALSE(parse_add_host("db:notanip"));
}

TEST(Dns, QueryResponseRoundTrip) {
    auto q = dns::make_query(0x1234, "Web.Example", dns::kTypeA);
    auto pq = dns::parse_query(q);
    ASSERT_TRUE(pq) << pq.error().what();
    EXPECT_EQ(pq->id, 0x1234);
    EXPECT_EQ(pq->name, "web.example");
    EXPECT_EQ(pq->qtype, dns::kTypeA);
    std::vector<IpAddr> addrs = {*parse_ip("10.89.0.2"), *parse_ip("fd00::2")};
    auto r = dns::make_response(q, *pq, addrs, dns::kNoError);
    auto pr = dns::parse_response(r);
    ASSERT_TRUE(pr) << pr.error().what();
    EXPECT_EQ(pr->id, 0x1234);
    EXPECT_EQ(pr->rcode, 0);
    ASSERT_EQ(pr->addrs.size(), 1u);  // only the A record for an A query
    EXPECT_EQ(to_string(pr->addrs[0]), "10.89.0.2");

    auto q6 = dns::make_query(7, "web", dns::kTypeAAAA);
    auto r6 = dns::make_response(q6, *dns::parse_query(q6), addrs, dns::kNoError);
    EXPECT_EQ(to_string(dns::parse_response(r6)->addrs.at(0)), "fd00::2");
    auto nx = dns::make_response(q6, *dns::parse_query(q6), {}, dns::kNxDomain);
    EXPECT_EQ(dns::parse_response(nx)->rcode, dns::kNxDomain);
}

TEST(Dns, MalformedMessagesRejected) {
    auto q = dns::make_query(1, "a.b", dns::kTypeA);
    for (std::size_t n = 0; n < q.size(); ++n)
        EXPECT_FALSE(dns::parse_query(std::span<const unsigned char>(q.data(), n))) << n;
    auto loop = q;
    loop[12] = 0xc0;  // pointer to itself
    loop[13] = 12;
    EXPECT_FALSE(dns::parse_query(loop));
    auto resp = q;
    resp[2] |= 0x80;  // a response is not a query
    EXPECT_FALSE(dns::parse_query(resp));
}

TEST(Nft, RenderRules) {
    EXPECT_EQ(nft::render({}), "");
    NetworkInfo n;
    n.name = "bridge";
    n.bridge = "brig0";
    n.subnets = {{"10.88.0.0/16", "10.88.0.1"}};
    Endpoint e;
    e.ipv4 = "10.88.0.2";
    e.ports = {{"", 8080, 80, "tcp"}, {"127.0.0.1", 5353, 53, "udp"}};
    n.endpoints = {e};
    NetworkInfo internal;
    internal.name = "priv";
    internal.bridge = "brig1";
    internal.internal = true;
    internal.subnets = {{"10.89.0.0/24", "10.89.0.1"}};
    auto t = nft::render({n, internal});
    EXPECT_NE(t.find("ip saddr 10.88.0.0/16 oifname != \"brig0\" masquerade"), std::string::npos) << t;
    EXPECT_NE(t.find("tcp dport 8080 dnat ip to 10.88.0.2:80"), std::string::npos) << t;
    EXPECT_NE(t.find("ip daddr 127.0.0.1 udp dport 5353 dnat ip to 10.88.0.2:53"), std::string::npos) << t;
    EXPECT_EQ(t.find("ip saddr 10.89.0.0/24 oifname != \"brig1\" masquerade"), std::string::npos) << t;
    EXPECT_NE(t.find("iifname \"brig1\" oifname != \"brig1\" drop"), std::string::npos) << t;
    EXPECT_NE(t.find("iifname \"brig0\" oifname { \"brig1\" } drop"), std::string::npos) << t;
}

TEST(EtcFiles, HostsCarryTheNetworksAliasesOncePerAddress) {
    Attachment a;
    a.ipv4 = "10.89.0.2";
    a.ipv6 = "fd00::2";
    a.aliases = {"db", "web", "db"};  // "web" is the hostname already
    Attachment b;
    b.ipv4 = "10.90.0.3";
    NameConfig nc;
    nc.hostname = "web";
    nc.host_resolv_conf = "/nonexistent";
    std::vector<Attachment> atts{a, b};
    auto f = make_etc_files(nc, atts);
    EXPECT_NE(f.hosts.find("10.89.0.2\tweb db\n"), std::string::npos) << f.hosts;
    EXPECT_NE(f.hosts.find("fd00::2\tweb db\n"), std::string::npos) << f.hosts;
    EXPECT_NE(f.hosts.find("10.90.0.3\tweb\n"), std::string::npos) << f.hosts;
    EXPECT_EQ(f.hosts.find("127.0.1.1"), std::string::npos) << f.hosts;
    // Disconnected from the second network: its entry is gone, nothing else changes.
    auto g = make_etc_files(nc, std::span<const Attachment>(&a, 1));
    EXPECT_EQ(g.hosts.find("10.90.0.3"), std::string::npos);
    EXPECT_TRUE(f.hosts.starts_with(g.hosts)) << "entries are appended per network";
}

// The rtnetlink requests the library builds on (linux/netlink.hpp), without a kernel.
TEST(Netlink, AddressAndRouteRequestLayoutAndDumpFlags) {
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET6;
    ifa.ifa_prefixlen = 64;
    ifa.ifa_index = 9;
    brig::netlink::Request req(RTM_NEWADDR, NLM_F_REQUEST, ifa);
    unsigned char addr[16] = {0xfd};
    req.put(IFA_LOCAL, addr, sizeof addr);
    auto b = req.bytes();
    // header 16 + ifaddrmsg 8 + attr 4 + 16
    ASSERT_EQ(b.size(), 44u);
    nlmsghdr h;
    std::memcpy(&h, b.data(), sizeof h);
    EXPECT_EQ(h.nlmsg_len, 44u);
    EXPECT_EQ(h.nlmsg_type, RTM_NEWADDR);
    ifaddrmsg got;
    std::memcpy(&got, b.data() + 16, sizeof got);
    EXPECT_EQ(got.ifa_prefixlen, 64);
    EXPECT_EQ(got.ifa_index, 9u);
    auto attrs = brig::netlink::parse_attrs(b.subspan(24));
    ASSERT_TRUE(attrs);
    ASSERT_EQ(attrs->size(), 1u);
    EXPECT_EQ((*attrs)[0].type, IFA_LOCAL);
    EXPECT_EQ((*attrs)[0].payload.size(), 16u);

    rtmsg rtm{};
    brig::netlink::Request dump(RTM_GETROUTE, NLM_F_REQUEST, rtm);
    dump.add_flags(NLM_F_DUMP);
    std::memcpy(&h, dump.bytes().data(), sizeof h);
    EXPECT_EQ(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(h.nlmsg_len, 16u + sizeof(rtmsg));

    EXPECT_TRUE(brig::netlink::valid_ifname("eth0"));
    EXPECT_FALSE(brig::netlink::valid_ifname("a/b"));
    EXPECT_FALSE(brig::netlink::valid_ifname("0123456789abcdef"));  // 16 chars: too long
    brig::netlink::InetAddr v4{AF_INET, {}};
    EXPECT_EQ(v4.size(), 4u);
}
