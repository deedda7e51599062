#include "linux/netlink.hpp"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstring>

#include "common/fd.hpp"

namespace brig::netlink {

namespace {

void pad_to_4(std::vector<unsigned char>& buf) { buf.resize(NLMSG_ALIGN(buf.size()), 0); }

// The kernel's dev_valid_name(): checked up front so a bad name is reported as such.
bool valid_ifname(std::string_view name) {
    if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
    return std::none_of(name.begin(), name.end(),
                        [](char c) { return c == '/' || c == ':' || c == '\0' || std::isspace((unsigned char)c); });
}

ifinfomsg any_link() {
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    return ifi;
}

constexpr uint16_t kCreate = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;

}  // namespace

Request::Request(uint16_t type, uint16_t flags, const ifinfomsg& ifi) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    buf_.resize(NLMSG_HDRLEN);
    std::memcpy(buf_.data(), &h, sizeof(h));
    append(&ifi, sizeof(ifi));
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
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd) return sys_fail("{}: open netlink socket", what);
    // Ask for the kernel's error text and a short echo of our request; best effort,
    // since without them we still get the errno.
    int one = 1;
    ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

    // One request per fresh socket, so any sequence number identifies the answer.
    constexpr uint32_t seq = 1;
    req.set_seq(seq);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    auto msg = req.bytes();
    if (::sendto(fd.get(), msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0)
        return sys_fail("{}: send netlink request", what);

    std::vector<unsigned char> buf(32768);
    for (;;) {
        sockaddr_nl from{};
        socklen_t fromlen = sizeof(from);
        ssize_t n = ::recvfrom(fd.get(), buf.data(), buf.size(), MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &fromlen);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_fail("{}: receive netlink reply", what);
        if (static_cast<std::size_t>(n) > buf.size()) return fail("{}: netlink reply truncated", what);
        if (from.nl_pid != 0) continue;  // only the kernel answers requests
        auto ack = parse_ack(Bytes(buf.data(), static_cast<std::size_t>(n)), seq);
        if (!ack) return wrap(std::move(ack), what);
        if (!*ack) continue;
        auto& [err, text] = **ack;
        if (err == 0) return {};
        if (!text.empty()) return errno_fail(err, "{} ({})", what, text);
        return errno_fail(err, "{}", what);
    }
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

Result<void> create_veth(std::string_view name, std::string_view peer) {
    Request req(RTM_NEWLINK, kCreate, any_link());
    req.put_string(IFLA_IFNAME, name);
    auto info = req.begin_nested(IFLA_LINKINFO);
    req.put_string(IFLA_INFO_KIND, "veth");
    auto data = req.begin_nested(IFLA_INFO_DATA);
    // The peer is described like a link of its own: an ifinfomsg, then its attributes.
    auto peer_info = req.begin_nested(VETH_INFO_PEER);
    ifinfomsg peer_ifi = any_link();
    req.append(&peer_ifi, sizeof(peer_ifi));
    req.put_string(IFLA_IFNAME, peer);
    req.end_nested(peer_info);
    req.end_nested(data);
    req.end_nested(info);
    return transact(req, fmt::format("create veth pair {}/{}", name, peer));
}

}  // namespace brig::netlink
