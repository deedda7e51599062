// Passing a file descriptor over a unix socket (SCM_RIGHTS) along with a payload.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>

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

}  // namespace brig::linuxfs
