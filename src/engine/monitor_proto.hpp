// The monitor's attach protocol: SOCK_SEQPACKET, one message per packet, a type byte then the
// payload. Clients connect to <container dir>/attach.sock (through /proc/self/fd/<dirfd>/ so
// long roots fit in sun_path); `brig start`/`run` get an already-connected socketpair instead,
// so no output is missed between the start and the attach.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace brig::engine::proto {

enum Type : uint8_t {
    Stdin = 0,       // client -> monitor: bytes for the container's stdin
    Stdout = 1,      // monitor -> client
    Stderr = 2,      // monitor -> client
    Resize = 3,      // client -> monitor: uint16 rows, uint16 cols (host order)
    CloseStdin = 4,  // client -> monitor: the client's stdin ended
    Started = 5,     // monitor -> client: decimal pid of the container's init
    Error = 6,       // monitor -> client: the container could not be started; text
    Exit = 7,        // monitor -> client: decimal exit code (128+N for a signal)
    Signal = 8,      // client -> monitor: decimal signal number for the init
    Status = 9,      // monitor -> client on connect: "running <pid>" or "exited <code>"
};

constexpr size_t kMaxPacket = 65536;

// recv(2) for this protocol. A peer that closes with packets of ours still unread makes
// the kernel report ECONNRESET once, *before* the packets that peer sent us and we have
// not read yet: those still count (a resize sent just before a close, a final output and
// exit status). So the reset is read past; after it come the queued packets, then EOF.
inline ssize_t recv_packet(int fd, char* buf, size_t size, int flags = 0) {
    ssize_t r = ::recv(fd, buf, size, flags);
    if (r < 0 && errno == ECONNRESET) r = ::recv(fd, buf, size, flags);  // reported once
    return r;
}

}  // namespace brig::engine::proto
