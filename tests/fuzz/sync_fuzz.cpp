// libFuzzer target: the parent/child sync protocol (runtime/sync.hpp) on arbitrary bytes,
// both the decoder alone and through a real SOCK_SEQPACKET pair (recvmsg, truncation), and
// the numbers Pid/MountFd messages carry. Every input must decode to a message or an
// error: no crash, no overread, no leak.
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "runtime/sync.hpp"

using namespace brig::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const char* bytes = reinterpret_cast<const char*>(data);
    for (bool truncated : {false, true}) {
        auto m = decode_sync_message(bytes, size, truncated);
        if (truncated && m) __builtin_trap();  // a cut message is never accepted
        if (m) {
            if (m->text.size() != size - 8) __builtin_trap();
            (void)parse_sync_number(m->text, 1000);
            (void)parse_sync_number(m->text, UINT64_MAX);
        }
    }
    static auto pair = SyncSocket::make_pair();
    if (!pair) return 0;
    auto& [a, b] = *pair;
    // The same bytes as one datagram (bigger ones than the receiver takes are cut).
    if (size > 0 && size < 200 * 1024 && ::send(a.fd(), data, size, MSG_DONTWAIT) == static_cast<ssize_t>(size)) {
        auto m = b.recv();
        if (m && m->text.size() + 8 != size) __builtin_trap();
    }
    return 0;
}
