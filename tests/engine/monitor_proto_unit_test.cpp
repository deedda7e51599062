// The monitor protocol's recv: a peer's close with our packets unread is reported as a reset
// before the packets it sent; those must still be read (a resize sent just before a close).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "engine/monitor_proto.hpp"

namespace brig::engine {
namespace {

struct Pair {
    int a = -1, b = -1;
    Pair() {
        int sv[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        a = sv[0], b = sv[1];
    }
    ~Pair() {
        if (a >= 0) ::close(a);
        if (b >= 0) ::close(b);
    }
};

TEST(MonitorProto, PacketsSentBeforeAResettingCloseAreStillRead) {
    Pair p;
    ASSERT_EQ(::send(p.a, "\x09running 1", 10, 0), 10);  // the monitor's Status, never read
    ASSERT_EQ(::send(p.b, "\x03size", 5, 0), 5);         // the client's resize
    ::close(p.b);
    p.b = -1;
    char buf[proto::kMaxPacket];
    ssize_t r = proto::recv_packet(p.a, buf, sizeof buf, MSG_DONTWAIT);
    ASSERT_EQ(r, 5);
    EXPECT_EQ(std::string(buf, 5), "\x03size");
    EXPECT_EQ(proto::recv_packet(p.a, buf, sizeof buf, MSG_DONTWAIT), 0);  // then EOF
}

TEST(MonitorProto, AResetWithNothingQueuedIsEof) {
    Pair p;
    ASSERT_EQ(::send(p.a, "\x01out", 4, 0), 4);
    ::close(p.b);
    p.b = -1;
    char buf[64];
    EXPECT_EQ(proto::recv_packet(p.a, buf, sizeof buf), 0);
}

TEST(MonitorProto, AnOpenPeerWithNothingToReadIsEagain) {
    Pair p;
    char buf[64];
    EXPECT_EQ(proto::recv_packet(p.a, buf, sizeof buf, MSG_DONTWAIT), -1);
    EXPECT_EQ(errno, EAGAIN);
}

}  // namespace
}  // namespace brig::engine
