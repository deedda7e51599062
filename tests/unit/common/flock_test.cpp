// File locks between processes: flock locks belong to the open file, so a second open in the
// same process contends like another process would.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "common/flock.hpp"

namespace brig {
namespace {

class Flock : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/brig-flock-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        ::unlink((dir_ + "/lock").c_str());
        ::unlink((dir_ + "/link").c_str());
        ::rmdir(dir_.c_str());
    }
    std::string path() const { return dir_ + "/lock"; }
    std::string dir_;
};

TEST_F(Flock, CreatesTheFilePrivate) {
    auto l = lock_file(path());
    ASSERT_TRUE(l) << l.error().what();
    struct stat st {};
    ASSERT_EQ(::stat(path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_TRUE(::fcntl(l->get(), F_GETFD) & FD_CLOEXEC);
}

TEST_F(Flock, ExclusiveExcludes) {
    auto a = lock_file(path(), LockMode::Exclusive);
    ASSERT_TRUE(a);
    auto b = lock_file(path(), LockMode::Shared, LockWait::Try);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().errnum, EWOULDBLOCK);
    EXPECT_NE(b.error().message.find(path()), std::string::npos);
    a->reset();
    EXPECT_TRUE(lock_file(path(), LockMode::Exclusive, LockWait::Try));
}

TEST_F(Flock, SharedShares) {
    auto a = lock_file(path(), LockMode::Shared);
    auto b = lock_file(path(), LockMode::Shared, LockWait::Try);
    ASSERT_TRUE(a && b);
    EXPECT_FALSE(lock_file(path(), LockMode::Exclusive, LockWait::Try));
}

TEST_F(Flock, LocksAnOpenDirectory) {
    UniqueFd d(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    UniqueFd d2(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(flock_fd(d.get(), LockMode::Exclusive));
    auto r = flock_fd(d2.get(), LockMode::Exclusive, LockWait::Try);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().errnum, EWOULDBLOCK);
}

TEST_F(Flock, RefusesASymlink) {
    ASSERT_EQ(::symlink("/tmp", (dir_ + "/link").c_str()), 0);
    auto l = lock_file(dir_ + "/link");
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().errnum, ELOOP);
}

TEST_F(Flock, BlocksUntilReleasedByAnotherProcess) {
    auto a = lock_file(path());
    ASSERT_TRUE(a);
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    pid_t child = ::fork();
    if (child == 0) {
        ::close(p[0]);
        ::alarm(10);                 // a lock that never comes fails the test instead of hanging it
        a->reset();                  // the inherited fd shares the parent's lock: drop it
        auto b = lock_file(path());  // waits for the parent
        char c = b ? 'y' : 'n';
        (void)!::write(p[1], &c, 1);
        ::_exit(0);
    }
    ::close(p[1]);
    ::usleep(50'000);
    a->reset();
    char c = 0;
    EXPECT_EQ(::read(p[0], &c, 1), 1);
    EXPECT_EQ(c, 'y');
    ::close(p[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
}

}  // namespace
}  // namespace brig
