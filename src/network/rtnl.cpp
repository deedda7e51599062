#include "network/rtnl.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace brig::network::rtnl {

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

std::vector<std::string> link_names() {
    std::vector<std::string> out;
    if (auto links = netlink::list_links())
        for (auto& l : *links) out.push_back(std::move(l.name));
    return out;
}

netlink::InetAddr inet(const IpAddr& ip) { return {ip.family, ip.bytes()}; }

Result<void> create_veth(std::string_view host, std::string_view peer, int peer_ns_fd, int mtu,
                         std::optional<std::array<unsigned char, 6>> peer_mac) {
    return netlink::create_veth(host, peer, {.mtu = mtu}, {.mtu = mtu, .mac = peer_mac, .netns_fd = peer_ns_fd});
}

Result<void> add_address(std::string_view link, const IpAddr& ip, int prefix) {
    return netlink::add_address(link, inet(ip), prefix);
}

Result<void> add_default_route(std::string_view link, const IpAddr& gw) {
    return netlink::add_default_route(link, inet(gw));
}

Result<std::array<unsigned char, 6>> link_mac(std::string_view link) {
    auto idx = netlink::find_link(link);
    if (!idx) return errno_fail(ENODEV, "read MAC address of {}: no such interface", link);
    auto links = netlink::list_links();
    if (!links) return std::unexpected(std::move(links.error()).context(fmt::format("read MAC address of {}", link)));
    for (auto& l : *links)
        if (l.index == *idx && l.mac) return *l.mac;
    return fail("read MAC address of {}: the link has none", link);
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
