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
    // A hard link's header carries its target's metadata, as tar writers make it (the link's
    // header is applied to the shared inode: HardLinkHeaderApplies).
    TarEntry link = x;
    link.path = "bin/tool2";
    link.type = TarType::HardLink;
    link.linkname = "bin/tool";
    link.size = 0;
    link.xattrs.clear();
    auto r = unpack(TarBuilder()
                        .dir("bin/", 0711)
                        .entry(x, "abc")
                        .entry(link)
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

// docker's archive package: a hard link's own header (mode, owner) applies to the shared inode.
TEST_F(Unpack, HardLinkHeaderApplies) {
    TarEntry link;
    link.path = "hard";
    link.type = TarType::HardLink;
    link.linkname = "f";
    link.mode = 0604;
    link.uid = 3;
    link.gid = 4;
    auto r = unpack(TarBuilder().file("f", "x").entry(link).str());
    ASSERT_TRUE(r) << r.error().what();
    struct stat st {};
    ASSERT_EQ(::stat((dest + "/f").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0604u);
    EXPECT_EQ(st.st_uid, 3u);
    EXPECT_EQ(st.st_gid, 4u);
    EXPECT_EQ(st.st_nlink, 2u);
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

TEST_F(Unpack, SymlinkParentsResolveInsideTheLayer) {
    // As docker and containerd: a symlink in a parent path is followed with the layer dir as `/`
    // (absolute targets from the layer root, `..` stopping at it), so nothing lands outside.
    std::pair<std::string, std::string> cases[] = {{outside, dest + outside},
                                                   {"../outside", dest + "/outside"},
                                                   {"../../.." + outside, dest + outside}};
    for (const auto& [target, lands_in] : cases) {
        (void)brig::linuxfs::remove_all(dest);
        ::mkdir(dest.c_str(), 0755);
        auto r = unpack(TarBuilder().symlink("esc", target).file("esc/pwned", "x").str());
        ASSERT_TRUE(r) << target << ": " << r.error().what();
        EXPECT_TRUE(outside_empty());
        EXPECT_EQ(read_file(lands_in + "/pwned"), "x") << target;
    }
}

TEST_F(Unpack, AbsoluteSymlinkParentInTheSameLayer) {
    // lib -> /usr/lib, then lib/x.so: written to usr/lib/x.so of the layer (created when missing).
    auto r = unpack(TarBuilder().dir("usr/").symlink("lib", "/usr/lib").file("lib/x.so", "so").file("lib/sub/y", "y").str());
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(read_file(dest + "/usr/lib/x.so"), "so");
    EXPECT_EQ(read_file(dest + "/usr/lib/sub/y"), "y");
    struct stat st {};
    ASSERT_EQ(::lstat((dest + "/lib").c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_NE(::stat("/usr/lib/x.so", &st), 0);  // never the host's /usr/lib
}

TEST_F(Unpack, SymlinkChainsAndDotDotClampAtTheLayerRoot) {
    auto r = unpack(TarBuilder()
                        .dir("a/")
                        .symlink("a/up", "../../../../..")          // -> the layer root
                        .symlink("a/abs", "/a/up/usr/./lib/../lib")  // absolute, through another link
                        .file("a/abs/z", "z")
                        .hardlink("h", "a/abs/z")  // a hard link target through symlinks, too
                        .str());
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(read_file(dest + "/usr/lib/z"), "z");
    struct stat st {};
    ASSERT_EQ(::stat((dest + "/h").c_str(), &st), 0);
    EXPECT_EQ(st.st_nlink, 2u);
    EXPECT_TRUE(outside_empty());
}

TEST_F(Unpack, SymlinkLoopIsRefused) {
    auto r = unpack(TarBuilder().symlink("a", "b").symlink("b", "/a").file("a/x", "x").str());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("'a/x'"), std::string::npos) << r.error().what();
    EXPECT_NE(r.error().what().find("too many symlinks"), std::string::npos) << r.error().what();
}

TEST_F(Unpack, ParentThroughAFileIsRefused) {
    auto r = unpack(TarBuilder().file("f", "x").symlink("l", "/f").file("l/x", "y").str());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("not a directory"), std::string::npos) << r.error().what();
}

TEST_F(Unpack, RefusesHardlinkEscape) {
    brig::image::test::write_file(outside + "/secret", "s");
    auto r = unpack(TarBuilder().hardlink("h", "../outside/secret").str());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("'h'"), std::string::npos);
    // Through a symlink the target is looked up inside the layer, where it does not exist.
    r = unpack(TarBuilder().symlink("esc", outside).hardlink("h", "esc/secret").str());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("hard link target 'esc/secret'"), std::string::npos) << r.error().what();
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

TEST_F(Unpack, ParentReplacedBySymlinkIsFollowedNotReused) {
    // The unpacker keeps the directories it walked open for the next entries; one that is
    // removed or replaced must not be written into afterwards (nor the symlink's target outside).
    auto r = unpack(TarBuilder()
                        .dir("d/")
                        .file("d/x", "1")
                        .symlink("d", outside)
                        .file("d/pwned", "x")
                        .dir("e/f/")
                        .file("e/f/y", "y")
                        .file("e/f", "plain")
                        .str());
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_TRUE(outside_empty());
    EXPECT_EQ(read_file(dest + outside + "/pwned"), "x");
    struct stat st {};
    ASSERT_EQ(::lstat((dest + "/d").c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_EQ(read_file(dest + "/e/f"), "plain");
    r = unpack(TarBuilder().dir("a/b/").file("a/b/f", "f").file("a/b", "file now").file("a/b/g", "g").str());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("not a directory"), std::string::npos) << r.error().what();
}

TEST_F(Unpack, RedeclaredDirectoryKeepsItsEntries) {
    auto r = unpack(TarBuilder().dir("a/b/").file("a/b/f", "f").dir("a/", 0750).dir("a/b/", 0700).file("a/b/g", "g").str());
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(read_file(dest + "/a/b/f"), "f");
    EXPECT_EQ(read_file(dest + "/a/b/g"), "g");
    struct stat st {};
    ASSERT_EQ(::stat((dest + "/a").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    ASSERT_EQ(::stat((dest + "/a/b").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_F(Unpack, OwnerAndModeExactWhateverTheParentAndUmask) {
    // fchown/fchmod are skipped when creating already gives the archive's owner and mode: a
    // setgid parent (whose group new entries inherit) and the umask must not leak into the layer.
    TarEntry s;
    s.path = "s/";
    s.type = TarType::Directory;
    s.mode = 02775;
    s.gid = 50;
    TarEntry sub = s;
    sub.path = "s/sub/";
    sub.mode = 0755;
    sub.gid = 0;
    TarEntry link;
    link.path = "s/l";
    link.type = TarType::Symlink;
    link.linkname = "f";
    auto r = unpack(TarBuilder()
                        .entry(s)
                        .file("s/f", "f", 0644)
                        .entry(sub)
                        .entry(link)
                        .file("s/sub/g", "g", 0644, 0, 7)
                        .file("open", "o", 0666)
                        .file("none", "n", 0)
                        .str());
    ASSERT_TRUE(r) << r.error().what();
    struct stat st {};
    ASSERT_EQ(::stat((dest + "/s").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 02775u);
    EXPECT_EQ(st.st_gid, 50u);
    ASSERT_EQ(::stat((dest + "/s/f").c_str(), &st), 0);
    EXPECT_EQ(st.st_gid, 0u);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    ASSERT_EQ(::stat((dest + "/s/sub").c_str(), &st), 0);
    EXPECT_EQ(st.st_gid, 0u);
    EXPECT_EQ(st.st_mode & 07777, 0755u);  // no setgid bit from the parent
    ASSERT_EQ(::lstat((dest + "/s/l").c_str(), &st), 0);
    EXPECT_EQ(st.st_gid, 0u);
    ASSERT_EQ(::stat((dest + "/s/sub/g").c_str(), &st), 0);
    EXPECT_EQ(st.st_gid, 7u);
    ASSERT_EQ(::stat((dest + "/open").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0666u);
    ASSERT_EQ(::stat((dest + "/none").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0u);
    EXPECT_EQ(read_file(dest + "/none"), "n");
}
