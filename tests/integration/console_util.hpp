// Test-side helpers for terminals: a --console-socket listener and a pty reader.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include "harness.hpp"

namespace brig::it {

// Receives the pty master that the runtime sends over --console-socket.
class ConsoleListener {
public:
    explicit ConsoleListener(const fs::path& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
        EXPECT_EQ(::listen(fd_, 1), 0);
    }
    ~ConsoleListener() {
        if (master_ >= 0) ::close(master_);
        ::close(fd_);
    }
    // Accepts one connection and takes the fd it carries; -1 if none arrives in time.
    int receive() {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) return -1;
        int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        char name[64];
        iovec iov{name, sizeof name};
        alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctrl;
        msg.msg_controllen = sizeof ctrl;
        if (::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) > 0)
            if (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm && cm->cmsg_type == SCM_RIGHTS)
                std::memcpy(&master_, CMSG_DATA(cm), sizeof master_);
        ::close(conn);
        return master_;
    }

private:
    fs::path path_;
    int fd_ = -1;
    int master_ = -1;
};

inline std::string read_until_eof(int fd, std::chrono::milliseconds timeout) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) != 1) continue;
        char buf[4096];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;  // EIO once the last slave fd closes
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

}  // namespace brig::it
