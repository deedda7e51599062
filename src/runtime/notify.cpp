#include "runtime/notify.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace brig::runtime {
namespace {

Result<sockaddr_un> unix_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return fail("notify socket path {} is too long", path);
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract socket, as systemd allows
    return addr;
}

}  // namespace

Result<UniqueFd> bind_notify_socket(const std::string& dir) {
    std::string path = dir + "/notify.sock";
    auto addr = unix_address(path);
    if (!addr) return std::unexpected(addr.error());
    ::unlink(path.c_str());
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) return sys_fail("notify socket");
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) < 0) return sys_fail("bind {}", path);
    ::chmod(path.c_str(), 0777);  // the container's user may not be root
    return fd;
}

Result<void> forward_notify(int sock, const std::string& host_socket, int pidfd, pid_t pid) {
    auto host = unix_address(host_socket);
    if (!host) return std::unexpected(host.error());
    UniqueFd out(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!out) return sys_fail("socket");
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + host_socket.size() + 1);
    for (;;) {
        pollfd fds[2] = {{sock, POLLIN, 0}, {pidfd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return sys_fail("poll notify socket");
        }
        if (fds[0].revents & POLLIN) {
            char buf[4096];
            ssize_t n = ::recv(sock, buf, sizeof buf, 0);
            if (n <= 0) continue;
            std::string msg(buf, static_cast<size_t>(n));
            bool ready = ("\n" + msg + "\n").find("\nREADY=1\n") != std::string::npos;
            if (ready) msg += fmt::format("\nMAINPID={}", pid);
            if (::sendto(out.get(), msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&*host), len) < 0)
                return sys_fail("forward to NOTIFY_SOCKET {}", host_socket);
            if (ready) return {};
        } else if (fds[1].revents & POLLIN) {
            return {};  // the container exited without saying READY=1
        }
    }
}

}  // namespace brig::runtime
