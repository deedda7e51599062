// Both sides of fd passing over a unix socket.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "linux/fdpass.hpp"

namespace brig::linuxfs {
namespace {

struct Pair {
    UniqueFd a, b;
    explicit Pair(int type) {
        int sv[2];
        EXPECT_EQ(::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
        a.reset(sv[0]);
        b.reset(sv[1]);
    }
};

// The file behind an fd: its inode.
ino_t inode(int fd) {
    struct stat st {};
    EXPECT_EQ(::fstat(fd, &st), 0);
    return st.st_ino;
}

TEST(FdPass, PayloadAndFdArrive) {
    Pair s(SOCK_SEQPACKET);
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    UniqueFd r(p[0]), w(p[1]);
    ASSERT_EQ(send_with_fd(s.a.get(), "hello", 5, w.get()), 5);
    char buf[16];
    UniqueFd got;
    bool truncated = true;
    ASSERT_EQ(recv_with_fd(s.b.get(), buf, sizeof buf, &got, &truncated), 5);
    EXPECT_EQ(std::string(buf, 5), "hello");
    EXPECT_FALSE(truncated);
    ASSERT_TRUE(got);
    EXPECT_NE(got.get(), w.get());
    EXPECT_EQ(inode(got.get()), inode(w.get()));
    EXPECT_TRUE(::fcntl(got.get(), F_GETFD) & FD_CLOEXEC);
    // It is the same pipe: what goes in there comes out of ours.
    ASSERT_EQ(::write(got.get(), "x", 1), 1);
    char c = 0;
    ASSERT_EQ(::read(r.get(), &c, 1), 1);
    EXPECT_EQ(c, 'x');
}

TEST(FdPass, WithoutAnFd) {
    Pair s(SOCK_SEQPACKET);
    ASSERT_EQ(send_with_fd(s.a.get(), "abc", 3, -1), 3);
    char buf[8];
    UniqueFd got(::dup(0));
    int before = got.get();
    ASSERT_EQ(recv_with_fd(s.b.get(), buf, sizeof buf, &got), 3);
    EXPECT_EQ(got.get(), before);  // left as it was
}

TEST(FdPass, TruncationIsReported) {
    Pair s(SOCK_SEQPACKET);
    ASSERT_EQ(send_with_fd(s.a.get(), "0123456789", 10, -1), 10);
    char buf[4];
    bool truncated = false;
    EXPECT_EQ(recv_with_fd(s.b.get(), buf, sizeof buf, nullptr, &truncated), 4);
    EXPECT_TRUE(truncated);
}

TEST(FdPass, UnwantedFdsAreClosed) {
    Pair s(SOCK_SEQPACKET);
    UniqueFd f(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_EQ(send_with_fd(s.a.get(), "y", 1, f.get()), 1);
    char buf[4];
    // The next fd number free before and after: nothing was left open.
    int probe = ::dup(0);
    ::close(probe);
    ASSERT_EQ(recv_with_fd(s.b.get(), buf, sizeof buf, nullptr), 1);
    int after = ::dup(0);
    ::close(after);
    EXPECT_EQ(after, probe);
}

TEST(FdPass, EndOfStreamIsZero) {
    Pair s(SOCK_STREAM);
    s.a.reset();
    char buf[4];
    UniqueFd got;
    EXPECT_EQ(recv_with_fd(s.b.get(), buf, sizeof buf, &got), 0);
    EXPECT_FALSE(got);
}

}  // namespace
}  // namespace brig::linuxfs
