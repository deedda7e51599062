// The AttachBroker hands a started container's socket to the attach that came first; a
// timeout keeps the slot, a cancel (the client left) or a delivery frees it.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "api/service.hpp"

using namespace std::chrono_literals;
using brig::api::AttachBroker;

TEST(AttachBroker, TimeoutKeepsTheSlotPending) {
    AttachBroker b;
    b.expect("c1");
    EXPECT_FALSE(b.await("c1", 10ms).has_value());
    EXPECT_TRUE(b.pending("c1"));
    EXPECT_TRUE(b.expected("c1"));
}

TEST(AttachBroker, CancelFreesTheSlot) {
    AttachBroker b;
    b.expect("c1");
    b.cancel("c1");
    EXPECT_FALSE(b.pending("c1"));
    EXPECT_FALSE(b.expected("c1"));  // a later start does not wait for an attach that left
    b.deliver("c1", std::nullopt);
    EXPECT_FALSE(b.pending("c1"));
}

TEST(AttachBroker, DeliveredSocketReachesTheWaiter) {
    AttachBroker b;
    b.expect("c1");
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int want = sv[0];
    ::close(sv[1]);
    std::thread t([&] { b.deliver("c1", brig::UniqueFd(sv[0])); });
    auto fd = b.await("c1", 5s);
    t.join();
    ASSERT_TRUE(fd.has_value());
    EXPECT_EQ(fd->get(), want);
    EXPECT_FALSE(b.pending("c1"));
}

// The race that lost `docker run`'s output under load: the start delivers right after the
// attach's await() timed out; the slot stays pending and the next await() takes the socket.
TEST(AttachBroker, DeliveryAfterATimeoutIsTheNextAwaits) {
    AttachBroker b;
    b.expect("c1");
    EXPECT_FALSE(b.await("c1", 1ms).has_value());
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ::close(sv[1]);
    b.deliver("c1", brig::UniqueFd(sv[0]));
    EXPECT_FALSE(b.expected("c1"));  // a second start does not deliver again
    ASSERT_TRUE(b.pending("c1"));
    auto fd = b.await("c1", 1ms);
    ASSERT_TRUE(fd.has_value());
    EXPECT_EQ(fd->get(), sv[0]);
    EXPECT_FALSE(b.pending("c1"));
}

TEST(AttachBroker, FailedStartEndsTheWaitWithoutSocket) {
    AttachBroker b;
    b.expect("c1");
    b.deliver("c1", std::nullopt);
    EXPECT_FALSE(b.await("c1", 5s).has_value());
    EXPECT_FALSE(b.pending("c1"));
}
