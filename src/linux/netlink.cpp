#include "linux/netlink.hpp"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/veth.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstring>

#include "common/fd.hpp"

namespace brig::netlink {

namespace {

void pad_to_4(std::vector<unsigned char>& buf) { buf.resize(NLMSG_ALIGN(buf.size()), 0); }

ifinfomsg any_link(int index = 0) {
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = index;
    return ifi;
}

constexpr uint16_t kCreate = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
constexpr uint16_t kChange = NLM_F_REQUEST | NLM_F_ACK;

// A fresh NETLINK_ROUTE socket asking for the kernel's error text and a short echo of our
// request; best effort, since without them we still get the errno.
Result<UniqueFd> open_socket(std::string_view what) {
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd) return sys_fail("{}: open netlink socket", what);
    int one = 1;
    ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    return fd;
}

Result<void> send_request(int fd, Request& req, uint32_t seq, std::string_view what) {
    req.set_seq(seq);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    auto msg = req.bytes();
    if (::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0)
        return sys_fail("{}: send netlink request", what);
    return {};
}

// One datagram from the kernel (others are skipped); its size, or an error.
Result<std::size_t> receive(int fd, std::vector<unsigned char>& buf, std::string_view what) {
    for (;;) {
        sockaddr_nl from{};
        socklen_t fromlen = sizeof(from);
        ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &fromlen);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_fail("{}: receive netlink reply", what);
        if (static_cast<std::size_t>(n) > buf.size()) return fail("{}: netlink reply truncated", what);
        if (from.nl_pid != 0) continue;  // only the kernel answers requests
        return static_cast<std::size_t>(n);
    }
}

Result<void> ack_result(const Ack& ack, std::string_view what) {
    if (ack.error == 0) return {};
    if (!ack.message.empty()) return errno_fail(ack.error, "{} ({})", what, ack.message);
    return errno_fail(ack.error, "{}", what);
}

Result<int> need_link(std::string_view name, std::string_view what) {
    auto idx = find_link(name);
    if (!idx) return errno_fail(ENODEV, "{}: no network interface {}", what, name);
    return *idx;
}

std::string addr_text(const InetAddr& a) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (!::inet_ntop(a.family, a.bytes.data(), buf, sizeof(buf))) return "?";
    return buf;
}

template <class T>
T read_as(Bytes b) {
    T v{};
    std::memcpy(&v, b.data(), std::min(sizeof(T), b.size()));
    return v;
}

InetAddr inet_from(int family, Bytes b) {
    InetAddr a;
    a.family = family;
    std::memcpy(a.bytes.data(), b.data(), std::min(b.size(), a.size()));
    return a;
}

std::string string_of(Bytes b) {
    auto text = reinterpret_cast<const char*>(b.data());
    return std::string(text, std::find(text, text + b.size(), '\0'));
}

}  // namespace

Request::Request(uint16_t type, uint16_t flags, const void* hdr, std::size_t hdr_len) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    buf_.resize(NLMSG_HDRLEN);
    std::memcpy(buf_.data(), &h, sizeof(h));
    append(hdr, hdr_len);
}

void Request::append(const void* data, std::size_t len) {
    auto p = static_cast<const unsigned char*>(data);
    buf_.insert(buf_.end(), p, p + len);
    pad_to_4(buf_);
    set_len();
}

void Request::put(uint16_t type, const void* data, std::size_t len) {
    rtattr a{static_cast<unsigned short>(RTA_LENGTH(len)), type};
    append(&a, sizeof(a));
    append(data, len);
}

void Request::put_string(uint16_t type, std::string_view s) {
    std::string z(s);
    put(type, z.c_str(), z.size() + 1);
}

std::size_t Request::begin_nested(uint16_t type) {
    std::size_t token = buf_.size();
    put(type, nullptr, 0);
    return token;
}

void Request::end_nested(std::size_t token) {
    auto len = static_cast<unsigned short>(buf_.size() - token);
    std::memcpy(buf_.data() + token + offsetof(rtattr, rta_len), &len, sizeof(len));
}

void Request::set_seq(uint32_t seq) {
    std::memcpy(buf_.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof(seq));
}

void Request::add_flags(uint16_t flags) {
    uint16_t f;
    std::memcpy(&f, buf_.data() + offsetof(nlmsghdr, nlmsg_flags), sizeof(f));
    f |= flags;
    std::memcpy(buf_.data() + offsetof(nlmsghdr, nlmsg_flags), &f, sizeof(f));
}

void Request::set_len() {
    auto len = static_cast<uint32_t>(buf_.size());
    std::memcpy(buf_.data() + offsetof(nlmsghdr, nlmsg_len), &len, sizeof(len));
}

Result<std::vector<Attr>> parse_attrs(Bytes data) {
    std::vector<Attr> out;
    while (!data.empty()) {
        rtattr a;
        if (data.size() < sizeof(a)) return fail("netlink: truncated attribute header ({} bytes left)", data.size());
        std::memcpy(&a, data.data(), sizeof(a));
        std::size_t len = a.rta_len;
        if (len < sizeof(a) || len > data.size())
            return fail("netlink: malformed attribute (length {} with {} bytes left)", len, data.size());
        out.push_back({static_cast<uint16_t>(a.rta_type & NLA_TYPE_MASK), data.subspan(RTA_LENGTH(0), len - RTA_LENGTH(0))});
        // The last attribute's padding may be missing.
        data = data.subspan(std::min<std::size_t>(RTA_ALIGN(len), data.size()));
    }
    return out;
}

Result<std::optional<Ack>> parse_ack(Bytes datagram, uint32_t seq) {
    while (!datagram.empty()) {
        nlmsghdr h;
        if (datagram.size() < sizeof(h)) return fail("netlink: truncated message header");
        std::memcpy(&h, datagram.data(), sizeof(h));
        if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > datagram.size())
            return fail("netlink: malformed message (length {} with {} bytes left)", h.nlmsg_len, datagram.size());
        Bytes body = datagram.subspan(NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN);
        datagram = datagram.subspan(std::min<std::size_t>(NLMSG_ALIGN(h.nlmsg_len), datagram.size()));
        if (h.nlmsg_type != NLMSG_ERROR || h.nlmsg_seq != seq) continue;

        nlmsgerr e;
        if (body.size() < sizeof(e)) return fail("netlink: truncated error message");
        std::memcpy(&e, body.data(), sizeof(e));
        Ack ack{e.error < 0 ? -e.error : e.error, {}};
        if (h.nlmsg_flags & NLM_F_ACK_TLVS) {
            // The TLVs follow our echoed request, which is only the header if NLM_F_CAPPED.
            std::size_t off = sizeof(e);
            if (!(h.nlmsg_flags & NLM_F_CAPPED)) {
                if (e.msg.nlmsg_len < NLMSG_HDRLEN) return fail("netlink: malformed echoed request");
                off += NLMSG_ALIGN(e.msg.nlmsg_len - NLMSG_HDRLEN);
            }
            if (off > body.size()) return fail("netlink: truncated extended ack");
            auto attrs = parse_attrs(body.subspan(off));
            if (!attrs) return std::unexpected(std::move(attrs.error()));
            for (auto& a : *attrs) {
                if (a.type != NLMSGERR_ATTR_MSG) continue;
                auto text = reinterpret_cast<const char*>(a.payload.data());
                ack.message.assign(text, std::find(text, text + a.payload.size(), '\0'));
            }
        }
        return ack;
    }
    return std::nullopt;
}

Result<void> transact(Request& req, std::string_view what) {
    auto fd = open_socket(what);
    if (!fd) return std::unexpected(std::move(fd.error()));
    // One request per fresh socket, so any sequence number identifies the answer.
    constexpr uint32_t seq = 1;
    if (auto r = send_request(fd->get(), req, seq, what); !r) return r;
    std::vector<unsigned char> buf(32768);
    for (;;) {
        auto n = receive(fd->get(), buf, what);
        if (!n) return std::unexpected(std::move(n.error()));
        auto ack = parse_ack(Bytes(buf.data(), *n), seq);
        if (!ack) return wrap(std::move(ack), what);
        if (!*ack) continue;
        return ack_result(**ack, what);
    }
}

Result<void> dump(Request& req, std::string_view what,
                  const std::function<Result<void>(uint16_t type, Bytes body)>& each) {
    auto fd = open_socket(what);
    if (!fd) return std::unexpected(std::move(fd.error()));
    constexpr uint32_t seq = 1;
    req.add_flags(NLM_F_REQUEST | NLM_F_DUMP);
    if (auto r = send_request(fd->get(), req, seq, what); !r) return r;
    std::vector<unsigned char> buf(65536);
    for (;;) {
        auto n = receive(fd->get(), buf, what);
        if (!n) return std::unexpected(std::move(n.error()));
        Bytes data(buf.data(), *n);
        while (!data.empty()) {
            nlmsghdr h;
            if (data.size() < sizeof(h)) return fail("{}: netlink: truncated message header", what);
            std::memcpy(&h, data.data(), sizeof(h));
            if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > data.size())
                return fail("{}: netlink: malformed message (length {} with {} bytes left)", what, h.nlmsg_len,
                            data.size());
            Bytes body = data.subspan(NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN);
            Bytes whole = data.subspan(0, h.nlmsg_len);
            data = data.subspan(std::min<std::size_t>(NLMSG_ALIGN(h.nlmsg_len), data.size()));
            if (h.nlmsg_seq != seq) continue;
            if (h.nlmsg_type == NLMSG_DONE) return {};
            if (h.nlmsg_type == NLMSG_ERROR) {
                auto ack = parse_ack(whole, seq);
                if (!ack) return wrap(std::move(ack), what);
                if (*ack) {
                    if (auto r = ack_result(**ack, what); !r) return r;
                }
                continue;
            }
            if (auto r = each(h.nlmsg_type, body); !r) return wrap(std::move(r), what);
        }
    }
}

bool valid_ifname(std::string_view name) {
    if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
    return std::none_of(name.begin(), name.end(),
                        [](char c) { return c == '/' || c == ':' || c == '\0' || std::isspace((unsigned char)c); });
}

std::optional<int> find_link(std::string_view name) {
    if (!valid_ifname(name)) return std::nullopt;
    std::string z(name);
    unsigned idx = ::if_nametoindex(z.c_str());
    if (idx == 0) return std::nullopt;
    return static_cast<int>(idx);
}

Result<int> link_index(std::string_view name) {
    std::string z(name);
    unsigned idx = ::if_nametoindex(z.c_str());
    if (idx == 0) return sys_fail("look up network interface {}", name);
    return static_cast<int>(idx);
}

Result<void> move_link_to_netns(std::string_view host_name, pid_t target_pid, std::string_view new_name) {
    bool rename = !new_name.empty() && new_name != host_name;
    std::string what = fmt::format("linux.netDevices: move {} into the container's network namespace", host_name);
    if (rename) what += fmt::format(" as {}", new_name);
    if (rename && !valid_ifname(new_name)) return fail("{}: invalid interface name \"{}\"", what, new_name);
    if (target_pid <= 0) return fail("{}: invalid target pid {}", what, target_pid);
    auto idx = link_index(host_name);
    if (!idx) return errno_fail(idx.error().errnum, "{}", what);

    // Address the device by index: IFLA_IFNAME, if present, is the new name.
    ifinfomsg ifi = any_link();
    ifi.ifi_index = *idx;
    Request req(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ifi);
    req.put_u32(IFLA_NET_NS_PID, static_cast<uint32_t>(target_pid));
    if (rename) req.put_string(IFLA_IFNAME, new_name);
    return transact(req, what);
}

Result<void> create_dummy(std::string_view name) {
    Request req(RTM_NEWLINK, kCreate, any_link());
    req.put_string(IFLA_IFNAME, name);
    auto info = req.begin_nested(IFLA_LINKINFO);
    req.put_string(IFLA_INFO_KIND, "dummy");
    req.end_nested(info);
    return transact(req, fmt::format("create dummy link {}", name));
}

std::size_t InetAddr::size() const { return family == AF_INET6 ? 16 : 4; }

Result<void> create_bridge(std::string_view name, int mtu) {
    std::string what = fmt::format("create bridge {}", name);
    if (!valid_ifname(name)) return fail("{}: invalid interface name", what);
    Request req(RTM_NEWLINK, kCreate, any_link());
    req.put_string(IFLA_IFNAME, name);
    if (mtu > 0) req.put_u32(IFLA_MTU, static_cast<uint32_t>(mtu));
    auto info = req.begin_nested(IFLA_LINKINFO);
    req.put_string(IFLA_INFO_KIND, "bridge");
    req.end_nested(info);
    return transact(req, what);
}

namespace {
void put_link_attrs(Request& req, const LinkAttrs& a) {
    if (a.mtu > 0) req.put_u32(IFLA_MTU, static_cast<uint32_t>(a.mtu));
    if (a.mac) req.put(IFLA_ADDRESS, a.mac->data(), a.mac->size());
    if (a.netns_fd >= 0) req.put_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(a.netns_fd));
}
}  // namespace

Result<void> create_veth(std::string_view name, std::string_view peer, const LinkAttrs& attrs,
                         const LinkAttrs& peer_attrs) {
    std::string what = fmt::format("create veth pair {}/{}", name, peer);
    if (!valid_ifname(name) || !valid_ifname(peer)) return fail("{}: invalid interface name", what);
    Request req(RTM_NEWLINK, kCreate, any_link());
    req.put_string(IFLA_IFNAME, name);
    put_link_attrs(req, attrs);
    auto info = req.begin_nested(IFLA_LINKINFO);
    req.put_string(IFLA_INFO_KIND, "veth");
    auto data = req.begin_nested(IFLA_INFO_DATA);
    // The peer is described like a link of its own: an ifinfomsg, then its attributes.
    auto peer_info = req.begin_nested(VETH_INFO_PEER);
    ifinfomsg peer_ifi = any_link();
    req.append(&peer_ifi, sizeof(peer_ifi));
    req.put_string(IFLA_IFNAME, peer);
    put_link_attrs(req, peer_attrs);
    req.end_nested(peer_info);
    req.end_nested(data);
    req.end_nested(info);
    return transact(req, what);
}

Result<void> create_veth(std::string_view name, std::string_view peer) { return create_veth(name, peer, {}, {}); }

Result<void> set_master(std::string_view link, std::string_view master) {
    std::string what = fmt::format("attach {} to bridge {}", link, master);
    auto li = need_link(link, what);
    if (!li) return std::unexpected(std::move(li.error()));
    auto mi = need_link(master, what);
    if (!mi) return std::unexpected(std::move(mi.error()));
    Request req(RTM_NEWLINK, kChange, any_link(*li));
    req.put_u32(IFLA_MASTER, static_cast<uint32_t>(*mi));
    return transact(req, what);
}

Result<void> set_up(std::string_view link, bool up) {
    std::string what = fmt::format("bring {} {}", link, up ? "up" : "down");
    auto li = need_link(link, what);
    if (!li) return std::unexpected(std::move(li.error()));
    ifinfomsg ifi = any_link(*li);
    ifi.ifi_flags = up ? IFF_UP : 0;
    ifi.ifi_change = IFF_UP;
    Request req(RTM_NEWLINK, kChange, ifi);
    return transact(req, what);
}

Result<void> set_bridge_port_hairpin(std::string_view port, bool on) {
    std::string what = fmt::format("turn hairpin mode {} on bridge port {}", on ? "on" : "off", port);
    auto li = need_link(port, what);
    if (!li) return std::unexpected(std::move(li.error()));
    ifinfomsg ifi = any_link(*li);
    ifi.ifi_family = AF_BRIDGE;
    Request req(RTM_SETLINK, kChange, ifi);
    // Nested (the non-nested form is the old "set port state" request).
    auto info = req.begin_nested(IFLA_PROTINFO | NLA_F_NESTED);
    uint8_t mode = on ? 1 : 0;
    req.put(IFLA_BRPORT_MODE, &mode, sizeof(mode));
    req.end_nested(info);
    return transact(req, what);
}

Result<void> set_mtu(std::string_view link, int mtu) {
    std::string what = fmt::format("set MTU {} on {}", mtu, link);
    if (mtu <= 0) return fail("{}: invalid MTU", what);
    auto li = need_link(link, what);
    if (!li) return std::unexpected(std::move(li.error()));
    Request req(RTM_NEWLINK, kChange, any_link(*li));
    req.put_u32(IFLA_MTU, static_cast<uint32_t>(mtu));
    return transact(req, what);
}

Result<void> rename_link(std::string_view link, std::string_view new_name) {
    std::string what = fmt::format("rename {} to {}", link, new_name);
    if (!valid_ifname(new_name)) return fail("{}: invalid interface name", what);
    auto li = need_link(link, what);
    if (!li) return std::unexpected(std::move(li.error()));
    Request req(RTM_NEWLINK, kChange, any_link(*li));
    req.put_string(IFLA_IFNAME, new_name);
    return transact(req, what);
}

Result<void> move_link_to_netns_fd(std::string_view link, int netns_fd, std::string_view new_name) {
    bool rename = !new_name.empty() && new_name != link;
    std::string what = fmt::format("move {} into another network namespace", link);
    if (rename) what += fmt::format(" as {}", new_name);
    if (rename && !valid_ifname(new_name)) return fail("{}: invalid interface name \"{}\"", what, new_name);
    if (netns_fd < 0) return fail("{}: no namespace", what);
    auto li = need_link(link, what);
    if (!li) return std::unexpected(std::move(li.error()));
    Request req(RTM_NEWLINK, kChange, any_link(*li));
    req.put_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(netns_fd));
    if (rename) req.put_string(IFLA_IFNAME, new_name);
    return transact(req, what);
}

Result<void> delete_link(std::string_view name) {
    auto li = find_link(name);
    if (!li) return {};
    Request req(RTM_DELLINK, kChange, any_link(*li));
    auto r = transact(req, fmt::format("delete link {}", name));
    if (!r && r.error().errnum == ENODEV) return {};
    return r;
}

namespace {
Result<void> change_address(uint16_t type, uint16_t flags, std::string_view link, const InetAddr& addr, int prefix,
                            std::string_view what) {
    if (addr.family != AF_INET && addr.family != AF_INET6) return fail("{}: not an IP address", what);
    if (prefix < 0 || prefix > static_cast<int>(addr.size() * 8)) return fail("{}: invalid prefix length", what);
    auto li = need_link(link, what);
    if (!li) return std::unexpected(std::move(li.error()));
    ifaddrmsg ifa{};
    ifa.ifa_family = static_cast<unsigned char>(addr.family);
    ifa.ifa_prefixlen = static_cast<unsigned char>(prefix);
    ifa.ifa_index = static_cast<uint32_t>(*li);
    ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    Request req(type, flags, ifa);
    req.put(IFA_LOCAL, addr.bytes.data(), addr.size());
    req.put(IFA_ADDRESS, addr.bytes.data(), addr.size());
    if (type == RTM_NEWADDR) {
        if (addr.family == AF_INET) {
            if (prefix < 31) {
                uint32_t a;
                std::memcpy(&a, addr.bytes.data(), 4);
                uint32_t host_mask = prefix == 0 ? 0xffffffffu : (0xffffffffu >> prefix);
                uint32_t bc = htonl(ntohl(a) | host_mask);
                req.put(IFA_BROADCAST, &bc, 4);
            }
        } else {
            req.put_u32(IFA_FLAGS, IFA_F_NODAD);
        }
    }
    return transact(req, what);
}
}  // namespace

Result<void> add_address(std::string_view link, const InetAddr& addr, int prefix) {
    return change_address(RTM_NEWADDR, kCreate, link, addr, prefix,
                          fmt::format("add address {}/{} to {}", addr_text(addr), prefix, link));
}

Result<void> delete_address(std::string_view link, const InetAddr& addr, int prefix) {
    return change_address(RTM_DELADDR, kChange, link, addr, prefix,
                          fmt::format("delete address {}/{} from {}", addr_text(addr), prefix, link));
}

Result<void> add_route(std::string_view link, const InetAddr& dst, int prefix, std::optional<InetAddr> gateway) {
    std::string what = prefix == 0 ? std::string("add default route") : fmt::format("add route to {}/{}", addr_text(dst), prefix);
    if (gateway) what += fmt::format(" via {}", addr_text(*gateway));
    what += fmt::format(" dev {}", link);
    if (dst.family != AF_INET && dst.family != AF_INET6) return fail("{}: not an IP address", what);
    if (gateway && gateway->family != dst.family) return fail("{}: gateway of another address family", what);
    if (prefix < 0 || prefix > static_cast<int>(dst.size() * 8)) return fail("{}: invalid prefix length", what);
    auto li = need_link(link, what);
    if (!li) return std::unexpected(std::move(li.error()));
    rtmsg rtm{};
    rtm.rtm_family = static_cast<unsigned char>(dst.family);
    rtm.rtm_dst_len = static_cast<unsigned char>(prefix);
    rtm.rtm_table = RT_TABLE_MAIN;
    rtm.rtm_protocol = RTPROT_BOOT;
    rtm.rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    rtm.rtm_type = RTN_UNICAST;
    Request req(RTM_NEWROUTE, kCreate, rtm);
    if (prefix > 0) req.put(RTA_DST, dst.bytes.data(), dst.size());
    if (gateway) req.put(RTA_GATEWAY, gateway->bytes.data(), gateway->size());
    req.put_u32(RTA_OIF, static_cast<uint32_t>(*li));
    return transact(req, what);
}

Result<void> add_default_route(std::string_view link, const InetAddr& gateway) {
    InetAddr any;
    any.family = gateway.family;
    return add_route(link, any, 0, gateway);
}

Result<std::vector<LinkInfo>> list_links() {
    std::vector<LinkInfo> out;
    Request req(RTM_GETLINK, NLM_F_REQUEST, any_link());
    auto r = dump(req, "list network interfaces", [&](uint16_t type, Bytes body) -> Result<void> {
        if (type != RTM_NEWLINK) return {};
        if (body.size() < sizeof(ifinfomsg)) return fail("netlink: truncated link message");
        auto ifi = read_as<ifinfomsg>(body);
        auto attrs = parse_attrs(body.subspan(NLMSG_ALIGN(sizeof(ifinfomsg))));
        if (!attrs) return std::unexpected(std::move(attrs.error()));
        LinkInfo l;
        l.index = ifi.ifi_index;
        l.flags = ifi.ifi_flags;
        for (auto& a : *attrs) {
            switch (a.type) {
            case IFLA_IFNAME: l.name = string_of(a.payload); break;
            case IFLA_MTU: l.mtu = static_cast<int>(read_as<uint32_t>(a.payload)); break;
            case IFLA_MASTER: l.master = static_cast<int>(read_as<uint32_t>(a.payload)); break;
            case IFLA_ADDRESS:
                if (a.payload.size() == 6) {
                    Mac m;
                    std::memcpy(m.data(), a.payload.data(), 6);
                    l.mac = m;
                }
                break;
            case IFLA_LINKINFO: {
                auto inner = parse_attrs(a.payload);
                if (!inner) return std::unexpected(std::move(inner.error()));
                for (auto& i : *inner)
                    if (i.type == IFLA_INFO_KIND) l.kind = string_of(i.payload);
                break;
            }
            default: break;
            }
        }
        out.push_back(std::move(l));
        return {};
    });
    if (!r) return std::unexpected(std::move(r.error()));
    return out;
}

Result<std::vector<AddrInfo>> list_addresses(int family) {
    std::vector<AddrInfo> out;
    ifaddrmsg ifa{};
    ifa.ifa_family = static_cast<unsigned char>(family);
    Request req(RTM_GETADDR, NLM_F_REQUEST, ifa);
    auto r = dump(req, "list addresses", [&](uint16_t type, Bytes body) -> Result<void> {
        if (type != RTM_NEWADDR) return {};
        if (body.size() < sizeof(ifaddrmsg)) return fail("netlink: truncated address message");
        auto h = read_as<ifaddrmsg>(body);
        if (h.ifa_family != AF_INET && h.ifa_family != AF_INET6) return {};
        auto attrs = parse_attrs(body.subspan(NLMSG_ALIGN(sizeof(ifaddrmsg))));
        if (!attrs) return std::unexpected(std::move(attrs.error()));
        AddrInfo ai;
        ai.index = static_cast<int>(h.ifa_index);
        ai.prefix = h.ifa_prefixlen;
        bool have = false;
        for (auto& a : *attrs) {
            // IFA_LOCAL is the address itself; IFA_ADDRESS the peer on point-to-point links.
            if (a.type == IFA_LOCAL || (a.type == IFA_ADDRESS && !have)) {
                ai.addr = inet_from(h.ifa_family, a.payload);
                have = true;
            }
        }
        if (have) out.push_back(ai);
        return {};
    });
    if (!r) return std::unexpected(std::move(r.error()));
    return out;
}

Result<std::vector<RouteInfo>> list_routes(int family) {
    std::vector<RouteInfo> out;
    rtmsg rtm{};
    rtm.rtm_family = static_cast<unsigned char>(family);
    Request req(RTM_GETROUTE, NLM_F_REQUEST, rtm);
    auto r = dump(req, "list routes", [&](uint16_t type, Bytes body) -> Result<void> {
        if (type != RTM_NEWROUTE) return {};
        if (body.size() < sizeof(rtmsg)) return fail("netlink: truncated route message");
        auto h = read_as<rtmsg>(body);
        if (h.rtm_family != AF_INET && h.rtm_family != AF_INET6) return {};
        auto attrs = parse_attrs(body.subspan(NLMSG_ALIGN(sizeof(rtmsg))));
        if (!attrs) return std::unexpected(std::move(attrs.error()));
        RouteInfo ri;
        ri.family = h.rtm_family;
        ri.dst.family = h.rtm_family;
        ri.prefix = h.rtm_dst_len;
        ri.table = h.rtm_table;
        for (auto& a : *attrs) {
            switch (a.type) {
            case RTA_DST: ri.dst = inet_from(h.rtm_family, a.payload); break;
            case RTA_GATEWAY: ri.gateway = inet_from(h.rtm_family, a.payload); break;
            case RTA_OIF: ri.oif = static_cast<int>(read_as<uint32_t>(a.payload)); break;
            case RTA_TABLE: ri.table = read_as<uint32_t>(a.payload); break;
            default: break;
            }
        }
        if (ri.table == RT_TABLE_MAIN) out.push_back(ri);
        return {};
    });
    if (!r) return std::unexpected(std::move(r.error()));
    return out;
}

}  // namespace brig::netlink
