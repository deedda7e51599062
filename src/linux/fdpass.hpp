// Passing a file descriptor over a unix socket (SCM_RIGHTS) along with a payload: both sides.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd.hpp"

namespace brig::linuxfs {

// sendmsg of `len` bytes with `fd` attached (none if fd < 0); MSG_NOSIGNAL, retried on EINTR.
// Without an fd it is a plain write(2): after a seccomp filter is loaded, write is the call
// a profile is surest to allow (on SOCK_SEQPACKET it keeps message boundaries all the same).
inline ssize_t send_with_fd(int sock, const void* data, size_t len, int fd) {
    if (fd < 0) {
        ssize_t n;
        do n = ::write(sock, data, len);
        while (n < 0 && errno == EINTR);
        return n;
    }
    iovec iov{const_cast<void*>(data), len};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        msg.msg_control = ctrl;
        msg.msg_controllen = sizeof ctrl;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t n;
    do n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
}

// recvmsg of up to `len` bytes into `data`, taking the fd sent along (MSG_CMSG_CLOEXEC);
// retried on EINTR. Returns the byte count (0: the peer closed) or -1 with errno. The first
// fd received is put in *fd_out (left as it was when none came); any other is closed, as
// are all of them when fd_out is null. *truncated, if given: the payload or the fds did not fit
// (MSG_TRUNC, MSG_CTRUNC). No allocation: usable in a forked child.
inline ssize_t recv_with_fd(int sock, void* data, size_t len, UniqueFd* fd_out, bool* truncated = nullptr) {
    iovec iov{data, len};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))];
    msg.msg_control = ctrl;
    msg.msg_controllen = sizeof ctrl;
    ssize_t n;
    do n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0) return n;
    bool taken = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (fd_out != nullptr && !taken) {
                fd_out->reset(fd);
                taken = true;
            } else {
                ::close(fd);
            }
        }
    }
    if (truncated != nullptr) *truncated = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
    return n;
}

}  // namespace brig::linuxfs
