// Root tests: layer unpack into overlay form; hostile archives refused with nothing written
// outside the layer directory.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/unpack.hpp"
#include "linux/fs.hpp"
#include "test_util.hpp"

using namespace brig::image;
using namespace brig::image::test;

namespace {

class Unpack : public ::testing::Test {
protected:
    void SetUp() override {
        if (!is_root()) GTEST_SKIP() << "needs root";
        dest = tmp.path() + "/layer";
        outside = tmp.path() + "/outside";
        ::mkdir(dest.c_str(), 0755);
        ::mkdir(outside.c_str(), 0755);
    }
    brig::Result<UnpackStats> unpack(const std::string& tar) {
        brig::UniqueFd fd(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        MemorySource src(tar);
        return unpack_tar(src, fd.get());
    }
    bool outside_empty() {
        struct stat st {};
        return ::stat((outside + "/pwned").c_str(), &st) != 0 && ::stat((tmp.path() + "/pwned").c_str(), &st) != 0;
    }
    TempDir tmp;
    std::string dest, outside;
};

}  // namespace

TEST_F(Unpack, PreservesMetadata) {
    TarEntry x;
    x.path = "bin/tool";
    x.type = TarType::Regular;
    x.size = 3;
    x.mode = 04755;
    x.uid = 1000;
    x.gid = 1001;
    x.mtime_sec = 1234567890;
    x.xattrs = {{"user.note", "hi"}, {"trusted.overlay.redirect", "/etc"}};
    auto r = unpack(TarBuilder()
                        .dir("bin/", 0711)
                        .entry(x, "abc")
                        .hardlink("bin/tool2", "bin/tool")
                        .symlink("bin/sh", "/bin/busybox")
                        .chardev("dev/null", 1, 3)
                        .fifo("run/fifo")
                        .str());
    ASSERT_TRUE(r) << r.error().what();
    struct stat st {};
    ASSERT_EQ(::stat((dest + "/bin/tool").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 04755u);
    EXPECT_EQ(st.st_uid, 1000u);
    EXPECT_EQ(st.st_gid, 1001u);
    EXPECT_EQ(st.st_mtime, 1234567890);
    EXPECT_EQ(st.st_nlink, 2u);
    char buf[16] = {};
    EXPECT_EQ(::getxattr((dest + "/bin/tool").c_str(), "user.note", buf, sizeof buf), 2);
    EXPECT_LT(::getxattr((dest + "/bin/tool").c_str(), "trusted.overlay.redirect", buf, sizeof buf), 0);  // dropped
    ASSERT_EQ(::stat((dest + "/bin").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0711u);
    EXPECT_EQ(st.st_mtime, 1000000000);  // set after its children
    ASSERT_EQ(::lstat((dest + "/bin/sh").c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    ASSERT_EQ(::lstat((dest + "/dev/null").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, makedev(1, 3));
    ASSERT_EQ(::lstat((dest + "/run/fifo").c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(Unpack, WhiteoutsBecomeOverlayForm) {
    auto r = unpack(TarBuilder().dir("a/").file("a/.wh.gone", "").file("d/.wh..wh..opq", "").file(".wh..wh.plnk", "").str());
    ASSERT_TRUE(r) << r.error().what();
    struct stat st {};
    ASSERT_EQ(::lstat((dest + "/a/gone").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, makedev(0, 0));
    EXPECT_NE(::lstat((dest + "/a/.wh.gone").c_str(), &st), 0);
    char v[4] = {};
    EXPECT_EQ(::getxattr((dest + "/d").c_str(), "trusted.overlay.opaque", v, sizeof v), 1);
    EXPECT_EQ(v[0], 'y');
    EXPECT_NE(::lstat((dest + "/.wh..wh.plnk").c_str(), &st), 0);
}

TEST_F(Unpack, RefusesDotDot) {
    auto r = unpack(TarBuilder().file("../outside/pwned", "x").str());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("'../outside/pwned'"), std::string::npos) << r.error().what();
    EXPECT_TRUE(outside_empty());
}

TEST_F(Unpack, RefusesAbsolute) {
    auto r = unpack(TarBuilder().file(outside + "/pwned", "x").str());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("absolute"), std::string::npos);
    EXPECT_TRUE(outside_empty());
}

TEST_F(Unpack, RefusesSymlinkEscape) {
    for (std::string target : {outside, std::string("../outside"), std::string("../../..") + outside}) {
        (void)brig::linuxfs::remove_all(dest);
        ::mkdir(dest.c_str(), 0755);
        auto r = unpack(TarBuilder().symlink("esc", target).file("esc/pwned", "x").str());
        ASSERT_FALSE(r) << target;
        EXPECT_NE(r.error().what().find("'esc/pwned'"), std::string::npos) << r.error().what();
        EXPECT_NE(r.error().what().find("symlink"), std::string::npos) << r.error().what();
        EXPECT_TRUE(outside_empty());
    }
}

TEST_F(Unpack, RefusesHardlinkEscape) {
    brig::image::test::write_file(outside + "/secret", "s");
    auto r = unpack(TarBuilder().hardlink("h", "../outside/secret").str());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("'h'"), std::string::npos);
    r = unpack(TarBuilder().symlink("esc", outside).hardlink("h", "esc/secret").str());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("symlink"), std::string::npos) << r.error().what();
    struct stat st {};
    ASSERT_EQ(::stat((outside + "/secret").c_str(), &st), 0);
    EXPECT_EQ(st.st_nlink, 1u);
}

TEST_F(Unpack, ReplacesSymlinkInsteadOfFollowing) {
    // A later entry with the symlink's own name replaces the symlink; it never writes through it.
    auto r = unpack(TarBuilder().symlink("f", outside + "/pwned").file("f", "inside").str());
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_TRUE(outside_empty());
    EXPECT_EQ(read_file(dest + "/f"), "inside");
}

TEST_F(Unpack, InLayerSymlinkParentsWork) {
    auto r = unpack(TarBuilder().dir("usr/lib/").symlink("lib", "usr/lib").file("lib/x.so", "so").str());
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(read_file(dest + "/usr/lib/x.so"), "so");
}
