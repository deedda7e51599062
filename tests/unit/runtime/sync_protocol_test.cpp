// The parent/child sync protocol under bad input (SECURITY.md: "bad bootstrap messages"):
// short, oversized, truncated and unknown messages are errors, never undefined behaviour,
// both for the decoder alone and through a real SOCK_SEQPACKET pair. The fuzz target
// tests/fuzz/sync_fuzz.cpp throws random bytes at the same code.
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "runtime/sync.hpp"

namespace brig::runtime {
namespace {

std::string message(uint32_t type, int32_t errnum, std::string_view text) {
    std::string m(8, '\0');
    std::memcpy(m.data(), &type, 4);
    std::memcpy(m.data() + 4, &errnum, 4);
    return m + std::string(text);
}

TEST(SyncProtocol, WellFormedMessageDecodes) {
    auto m = message(3, 13, "mounts[0]: denied");
    auto d = decode_sync_message(m.data(), m.size(), false);
    ASSERT_TRUE(d) << d.error().what();
    EXPECT_EQ(d->type, SyncType::Error);
    EXPECT_EQ(d->errnum, 13);
    EXPECT_EQ(d->text, "mounts[0]: denied");
}

TEST(SyncProtocol, ShortMessagesAreErrors) {
    auto m = message(1, 0, "");
    for (size_t n = 0; n < 8; ++n) EXPECT_FALSE(decode_sync_message(m.data(), n, false)) << n << " bytes";
    EXPECT_TRUE(decode_sync_message(m.data(), 8, false));
}

TEST(SyncProtocol, UnknownTypesAreErrors) {
    for (uint32_t t : {0u, 9u, 100u, 0xffffffffu}) {
        auto m = message(t, 0, "x");
        auto d = decode_sync_message(m.data(), m.size(), false);
        ASSERT_FALSE(d) << t;
        EXPECT_NE(d.error().what().find("unknown sync message type"), std::string::npos);
    }
}

TEST(SyncProtocol, OversizedAndTruncatedMessagesAreErrors) {
    auto big = message(2, 0, std::string(kSyncMaxText + 1, 'a'));
    EXPECT_FALSE(decode_sync_message(big.data(), big.size(), false));
    auto ok = message(2, 0, "fine");
    EXPECT_FALSE(decode_sync_message(ok.data(), ok.size(), true));
}

TEST(SyncProtocol, NumbersInMessagesAreStrict) {
    EXPECT_EQ(parse_sync_number("42", 100), 42u);
    EXPECT_EQ(parse_sync_number("0", 0), 0u);
    for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "101", "99999999999999999999999"})
        EXPECT_FALSE(parse_sync_number(bad, 100)) << bad;
    EXPECT_EQ(parse_sync_number("18446744073709551615", UINT64_MAX), UINT64_MAX);
    EXPECT_FALSE(parse_sync_number("18446744073709551616", UINT64_MAX));
}

TEST(SyncProtocol, GarbageOverARealSocketIsAnErrorNotACrash) {
    auto pair = SyncSocket::make_pair();
    ASSERT_TRUE(pair);
    auto& [a, b] = *pair;
    // Too short, unknown type, then one too big for the receive buffer (cut by the kernel).
    ASSERT_EQ(::send(a.fd(), "abc", 3, 0), 3);
    auto unknown = message(77, 0, "");
    ASSERT_EQ(::send(a.fd(), unknown.data(), unknown.size(), 0), static_cast<ssize_t>(unknown.size()));
    std::string huge = message(2, 0, std::string(kSyncMaxText + 100, 'z'));
    ASSERT_EQ(::send(a.fd(), huge.data(), huge.size(), 0), static_cast<ssize_t>(huge.size()));
    EXPECT_FALSE(b.recv());
    EXPECT_FALSE(b.recv());
    EXPECT_FALSE(b.recv());
    // A good message after the garbage still arrives intact.
    ASSERT_TRUE(a.send(SyncType::Ready, 0, "ok"));
    auto m = b.recv();
    ASSERT_TRUE(m) << m.error().what();
    EXPECT_EQ(m->type, SyncType::Ready);
    EXPECT_EQ(m->text, "ok");
    // The peer going away is an error too.
    a.close();
    EXPECT_FALSE(b.recv());
}

}  // namespace
}  // namespace brig::runtime
