#include "network/rtnl.hpp"

#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "linux/netlink.hpp"

namespace brig::network::rtnl {

namespace {

// One rtnetlink message with any fixed header (ifinfomsg, ifaddrmsg, rtmsg), built in one buffer.
class Msg {
public:
    template <class Hdr>
    Msg(uint16_t type, uint16_t flags, const Hdr& hdr) {
        nlmsghdr h{};
        h.nlmsg_type = type;
        h.nlmsg_flags = flags;
        buf_.resize(NLMSG_HDRLEN);
        std::memcpy(buf_.data(), &h, sizeof(h));
        append(&hdr, sizeof(hdr));
    }
    void append(const void* data, std::size_t len) {
        auto p = static_cast<const unsigned char*>(data);
        buf_.insert(buf_.end(), p, p + len);
        buf_.resize(NLMSG_ALIGN(buf_.size()), 0);
        auto n = static_cast<uint32_t>(buf_.size());
        std::memcpy(buf_.data() + offsetof(nlmsghdr, nlmsg_len), &n, sizeof(n));
    }
    void put(uint16_t type, const void* data, std::size_t len) {
        rtattr a{static_cast<unsigned short>(RTA_LENGTH(len)), type};
        append(&a, sizeof(a));
        if (len) append(data, len);
    }
    void put_u32(uint16_t type, uint32_t v) { put(type, &v, sizeof(v)); }
    void put_str(uint16_t type, std::string_view s) {
        std::string z(s);
        put(type, z.c_str(), z.size() + 1);
    }
    std::size_t begin(uint16_t type) {
        std::size_t t = buf_.size();
        put(type, nullptr, 0);
        return t;
    }
    void end(std::size_t t) {
        auto len = static_cast<unsigned short>(buf_.size() - t);
        std::memcpy(buf_.data() + t, &len, sizeof(len));
    }
    std::vector<unsigned char>& bytes() { return buf_; }

private:
    std::vector<unsigned char> buf_;
};

Result<void> transact(Msg& m, std::string_view what) {
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd) return sys_fail("{}: open netlink socket", what);
    int one = 1;
    ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    constexpr uint32_t seq = 1;
    auto& b = m.bytes();
    std::memcpy(b.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof(seq));
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd.get(), b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0)
        return sys_fail("{}: send netlink request", what);
    std::vector<unsigned char> buf(32768);
    for (;;) {
        ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), MSG_TRUNC);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_fail("{}: receive netlink reply", what);
        if (static_cast<std::size_t>(n) > buf.size()) return fail("{}: netlink reply truncated", what);
        auto ack = brig::netlink::parse_ack({buf.data(), static_cast<std::size_t>(n)}, seq);
        if (!ack) return std::unexpected(std::move(ack.error()).context(what));
        if (!*ack) continue;
        if ((*ack)->error == 0) return {};
        if (!(*ack)->message.empty()) return errno_fail((*ack)->error, "{} ({})", what, (*ack)->message);
        return errno_fail((*ack)->error, "{}", what);
    }
}

ifinfomsg link_hdr(int index = 0) {
    ifinfomsg i{};
    i.ifi_family = AF_UNSPEC;
    i.ifi_index = index;
    return i;
}

Result<int> need_index(std::string_view name, std::string_view what) {
    auto idx = link_index(name);
    if (!idx) return errno_fail(ENODEV, "{}: no network interface {}", what, name);
    return *idx;
}

constexpr uint16_t kCreate = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;

}  // namespace

Result<NetnsGuard> NetnsGuard::enter(const std::string& path) {
    NetnsGuard g;
    g.back_ = UniqueFd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!g.back_) return sys_fail("open the current network namespace");
    UniqueFd target(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!target) return sys_fail("open network namespace {}", path);
    if (::setns(target.get(), CLONE_NEWNET) < 0) return sys_fail("enter network namespace {}", path);
    return g;
}

NetnsGuard::~NetnsGuard() {
    if (back_) (void)::setns(back_.get(), CLONE_NEWNET);
}

bool valid_ifname(std::string_view name) {
    if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
    return std::none_of(name.begin(), name.end(),
                        [](char c) { return c == '/' || c == ':' || c == '\0' || std::isspace((unsigned char)c); });
}

std::optional<int> link_index(std::string_view name) {
    if (!valid_ifname(name)) return std::nullopt;
    std::string z(name);
    unsigned idx = ::if_nametoindex(z.c_str());
    if (idx == 0) return std::nullopt;
    return static_cast<int>(idx);
}

std::vector<std::string> link_names() {
    std::vector<std::string> out;
    if (auto* list = ::if_nameindex()) {
        for (auto* p = list; p->if_index != 0; ++p) out.emplace_back(p->if_name);
        ::if_freenameindex(list);
    }
    return out;
}

Result<void> create_bridge(std::string_view name, int mtu) {
    std::string what = fmt::format("create bridge {}", name);
    if (!valid_ifname(name)) return fail("{}: invalid interface name", what);
    Msg m(RTM_NEWLINK, kCreate, link_hdr());
    m.put_str(IFLA_IFNAME, name);
    if (mtu > 0) m.put_u32(IFLA_MTU, static_cast<uint32_t>(mtu));
    auto info = m.begin(IFLA_LINKINFO);
    m.put_str(IFLA_INFO_KIND, "bridge");
    m.end(info);
    return transact(m, what);
}

Result<void> create_veth(std::string_view host, std::string_view peer, int peer_ns_fd, int mtu,
                         std::optional<std::array<unsigned char, 6>> peer_mac) {
    std::string what = fmt::format("create veth pair {}/{}", host, peer);
    if (!valid_ifname(host) || !valid_ifname(peer)) return fail("{}: invalid interface name", what);
    Msg m(RTM_NEWLINK, kCreate, link_hdr());
    m.put_str(IFLA_IFNAME, host);
    if (mtu > 0) m.put_u32(IFLA_MTU, static_cast<uint32_t>(mtu));
    auto info = m.begin(IFLA_LINKINFO);
    m.put_str(IFLA_INFO_KIND, "veth");
    auto data = m.begin(IFLA_INFO_DATA);
    auto pi = m.begin(VETH_INFO_PEER);
    ifinfomsg peer_hdr = link_hdr();
    m.append(&peer_hdr, sizeof(peer_hdr));
    m.put_str(IFLA_IFNAME, peer);
    if (mtu > 0) m.put_u32(IFLA_MTU, static_cast<uint32_t>(mtu));
    if (peer_mac) m.put(IFLA_ADDRESS, peer_mac->data(), 6);
    if (peer_ns_fd >= 0) m.put_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(peer_ns_fd));
    m.end(pi);
    m.end(data);
    m.end(info);
    return transact(m, what);
}

Result<void> set_master(std::string_view link, std::string_view bridge) {
    std::string what = fmt::format("attach {} to bridge {}", link, bridge);
    auto li = need_index(link, what);
    if (!li) return std::unexpected(li.error());
    auto bi = need_index(bridge, what);
    if (!bi) return std::unexpected(bi.error());
    Msg m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, link_hdr(*li));
    m.put_u32(IFLA_MASTER, static_cast<uint32_t>(*bi));
    return transact(m, what);
}

Result<void> set_up(std::string_view link) {
    std::string what = fmt::format("bring {} up", link);
    auto li = need_index(link, what);
    if (!li) return std::unexpected(li.error());
    ifinfomsg h = link_hdr(*li);
    h.ifi_flags = IFF_UP;
    h.ifi_change = IFF_UP;
    Msg m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, h);
    return transact(m, what);
}

Result<void> delete_link(std::string_view name) {
    auto li = link_index(name);
    if (!li) return {};
    Msg m(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, link_hdr(*li));
    auto r = transact(m, fmt::format("delete link {}", name));
    if (!r && r.error().errnum == ENODEV) return {};
    return r;
}

Result<void> add_address(std::string_view link, const IpAddr& ip, int prefix) {
    std::string what = fmt::format("add address {}/{} to {}", to_string(ip), prefix, link);
    auto li = need_index(link, what);
    if (!li) return std::unexpected(li.error());
    ifaddrmsg h{};
    h.ifa_family = static_cast<unsigned char>(ip.family);
    h.ifa_prefixlen = static_cast<unsigned char>(prefix);
    h.ifa_index = static_cast<uint32_t>(*li);
    h.ifa_scope = RT_SCOPE_UNIVERSE;
    Msg m(RTM_NEWADDR, kCreate, h);
    auto b = ip.bytes();
    m.put(IFA_LOCAL, b.data(), ip.size());
    m.put(IFA_ADDRESS, b.data(), ip.size());
    if (ip.family == AF_INET) {
        auto net = parse_cidr(fmt::format("{}/{}", to_string(ip), prefix), false);
        if (net && prefix < 31) {
            auto bc = net->last().bytes();
            m.put(IFA_BROADCAST, bc.data(), 4);
        }
    } else {
        m.put_u32(IFA_FLAGS, IFA_F_NODAD);
    }
    return transact(m, what);
}

Result<void> add_default_route(std::string_view link, const IpAddr& gw) {
    std::string what = fmt::format("add default route via {} dev {}", to_string(gw), link);
    auto li = need_index(link, what);
    if (!li) return std::unexpected(li.error());
    rtmsg h{};
    h.rtm_family = static_cast<unsigned char>(gw.family);
    h.rtm_table = RT_TABLE_MAIN;
    h.rtm_protocol = RTPROT_BOOT;
    h.rtm_scope = RT_SCOPE_UNIVERSE;
    h.rtm_type = RTN_UNICAST;
    Msg m(RTM_NEWROUTE, kCreate, h);
    auto b = gw.bytes();
    m.put(RTA_GATEWAY, b.data(), gw.size());
    m.put_u32(RTA_OIF, static_cast<uint32_t>(*li));
    return transact(m, what);
}

Result<std::array<unsigned char, 6>> link_mac(std::string_view link) {
    std::array<unsigned char, 6> mac{};
    UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s) return sys_fail("read MAC address of {}: socket", link);
    ifreq ifr{};
    std::string z(link);
    std::strncpy(ifr.ifr_name, z.c_str(), IFNAMSIZ - 1);
    if (::ioctl(s.get(), SIOCGIFHWADDR, &ifr) < 0) return sys_fail("read MAC address of {}", link);
    std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, 6);
    return mac;
}

Result<std::array<unsigned char, 6>> parse_mac(std::string_view s) {
    std::array<unsigned char, 6> m{};
    unsigned v[6];
    char extra;
    std::string z(s);
    if (std::sscanf(z.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &extra) != 6 ||
        z.size() != 17)
        return fail("invalid MAC address \"{}\"", s);
    for (int i = 0; i < 6; ++i) m[i] = static_cast<unsigned char>(v[i]);
    if (m[0] & 1) return fail("invalid MAC address \"{}\": a multicast address", s);
    return m;
}

std::string format_mac(const std::array<unsigned char, 6>& m) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5]);
}

Result<void> write_sysctl(std::string_view key, std::string_view value) {
    std::string path = "/proc/sys/" + std::string(key);
    std::replace(path.begin() + 10, path.end(), '.', '/');
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return sys_fail("set sysctl {}", key);
    if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
        return sys_fail("set sysctl {}", key);
    return {};
}

}  // namespace brig::network::rtnl
