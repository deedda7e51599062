// COPY/ADD semantics into a destination root (build/context/copy.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "build/context/copy.hpp"
#include "linux/fs.hpp"
#include "copy_env.hpp"
#include "tree_util.hpp"

namespace bc = brig::build::context;

namespace {

using namespace brig::build::test;

}  // namespace

TEST(CopySemantics, DirectoryCopiesItsContents) {
    Env e;
    auto st = e.copy({"dir"}, "/app/");
    ASSERT_TRUE(st.has_value()) << st.error().what();
    EXPECT_EQ(slurp(e.dst + "/app/x.txt"), "x");
    EXPECT_EQ(slurp(e.dst + "/app/sub/y.txt"), "y");
    EXPECT_FALSE(exists(e.dst + "/app/dir"));
    EXPECT_EQ(st->files, 4u);  // x.txt sub/y.txt lnk abs_lnk
    EXPECT_EQ(st->dirs, 1u);   // sub
    EXPECT_EQ(st->bytes, 2u);
    // Created by the trailing slash: 0755; sub keeps its mode, y.txt its 0600.
    EXPECT_EQ(lst(e.dst + "/app").st_mode & 07777, 0755u);
    EXPECT_EQ(lst(e.dst + "/app/sub/y.txt").st_mode & 07777, 0600u);
    // Without a slash too, a missing dest is made 0755, not from the source directory (0751),
    // as docker and buildah do (tests/interop/build_cases/copy).
    ASSERT_COPY(e.copy({"dir"}, "/other"));
    EXPECT_EQ(lst(e.dst + "/other").st_mode & 07777, 0755u);
    EXPECT_EQ(slurp(e.dst + "/other/sub/y.txt"), "y");
    // The context root itself.
    ASSERT_COPY(e.copy({"."}, "/"));
    EXPECT_EQ(slurp(e.dst + "/a.txt"), "a");
    EXPECT_EQ(slurp(e.dst + "/dir/sub/y.txt"), "y");
}

TEST(CopySemantics, FilesAndTrailingSlashes) {
    Env e;
    ASSERT_COPY(e.copy({"a.txt"}, "/d1/"));
    EXPECT_EQ(slurp(e.dst + "/d1/a.txt"), "a");
    ASSERT_COPY(e.copy({"a.txt"}, "/deep/er/new"));  // no slash: the file becomes dest
    EXPECT_TRUE(S_ISREG(lst(e.dst + "/deep/er/new").st_mode));
    EXPECT_EQ(lst(e.dst + "/deep/er").st_mode & 07777, 0755u);
    ASSERT_COPY(e.copy({"b.txt"}, "/d1"));  // an existing directory: into it
    EXPECT_EQ(slurp(e.dst + "/d1/b.txt"), "b");
    ASSERT_COPY(e.copy({"a.txt"}, "/d1/."));
    ASSERT_COPY(e.copy({"run.sh"}, "/bin/"));
    EXPECT_EQ(lst(e.dst + "/bin/run.sh").st_mode & 07777, 0755u);
    // Overwriting a file replaces it.
    put(e.dst + "/etc/conf", "old contents, longer than the new");
    ASSERT_COPY(e.copy({"a.txt"}, "/etc/conf"));
    EXPECT_EQ(slurp(e.dst + "/etc/conf"), "a");
}

TEST(CopySemantics, SeveralSourcesNeedASlash) {
    Env e;
    const std::string msg = "When using COPY with more than one source file, the destination must be a directory and end with a /";
    auto r = e.copy({"a.txt", "b.txt"}, "/multi");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, msg);
    auto w = e.copy({"*.txt"}, "/multi");  // two matches of one pattern
    ASSERT_FALSE(w.has_value());
    EXPECT_EQ(w.error().message, msg);
    EXPECT_FALSE(exists(e.dst + "/multi"));
    ASSERT_COPY(e.copy({"a.txt", "b.txt", "dir"}, "/multi/"));
    EXPECT_EQ(slurp(e.dst + "/multi/a.txt"), "a");
    EXPECT_EQ(slurp(e.dst + "/multi/b.txt"), "b");
    EXPECT_EQ(slurp(e.dst + "/multi/x.txt"), "x");
    ASSERT_COPY(e.copy({"*.txt"}, "/one/"));
    ASSERT_COPY(e.copy({"a*"}, "/single"));  // one match: fine without a slash
    EXPECT_EQ(slurp(e.dst + "/single"), "a");
}

TEST(CopySemantics, Chmod) {
    Env e;
    bc::CopyOptions o;
    o.chmod = 0750;
    ASSERT_COPY(e.copy({"dir"}, "/c/", o));
    EXPECT_EQ(lst(e.dst + "/c/x.txt").st_mode & 07777, 0750u);
    EXPECT_EQ(lst(e.dst + "/c/sub").st_mode & 07777, 0750u);
    EXPECT_EQ(lst(e.dst + "/c/sub/y.txt").st_mode & 07777, 0750u);
    EXPECT_TRUE(S_ISLNK(lst(e.dst + "/c/lnk").st_mode));
    o.chmod = 04755;
    ASSERT_COPY(e.copy({"a.txt"}, "/c/suid", o));
    EXPECT_EQ(lst(e.dst + "/c/suid").st_mode & 07777, 04755u);
}

TEST(CopySemantics, SymlinksAreKeptBelowAndFollowedAtTheTop) {
    Env e;
    ASSERT_COPY(e.copy({"dir"}, "/l/"));
    char buf[256];
    ssize_t n = ::readlink((e.dst + "/l/lnk").c_str(), buf, sizeof buf);
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "x.txt");
    n = ::readlink((e.dst + "/l/abs_lnk").c_str(), buf, sizeof buf);
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "/etc/passwd");
    // COPY of a link itself copies what it points to, under the link's name.
    ASSERT_COPY(e.copy({"top_link"}, "/l/"));
    EXPECT_TRUE(S_ISREG(lst(e.dst + "/l/top_link").st_mode));
    EXPECT_EQ(slurp(e.dst + "/l/top_link"), "x");
}

TEST(CopySemantics, MtimesAndHardLinksKept) {
    Env e;
    ASSERT_EQ(::link((e.ctx + "/dir/x.txt").c_str(), (e.ctx + "/dir/sub/hard").c_str()), 0);
    timespec ts[2] = {{1234567, 890}, {1500000000, 123456789}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (e.ctx + "/dir/x.txt").c_str(), ts, 0), 0);
    ASSERT_EQ(::utimensat(AT_FDCWD, (e.ctx + "/dir/sub").c_str(), ts, 0), 0);
    ASSERT_COPY(e.copy({"dir"}, "/m/"));
    EXPECT_EQ(lst(e.dst + "/m/x.txt").st_mtim.tv_sec, 1500000000);
    EXPECT_EQ(lst(e.dst + "/m/x.txt").st_mtim.tv_nsec, 123456789);
    EXPECT_EQ(lst(e.dst + "/m/sub").st_mtim.tv_sec, 1500000000);
    EXPECT_EQ(lst(e.dst + "/m/x.txt").st_ino, lst(e.dst + "/m/sub/hard").st_ino);
    EXPECT_EQ(lst(e.dst + "/m/x.txt").st_nlink, 2u);
}

// Two sources that are hard links of each other are copied each on its own (docker, buildah).
TEST(CopySemantics, HardLinksBetweenSourcesAreNotKept) {
    Env e;
    ASSERT_EQ(::link((e.ctx + "/a.txt").c_str(), (e.ctx + "/hard-a.txt").c_str()), 0);
    ASSERT_COPY(e.copy({"a.txt", "hard-a.txt"}, "/pair/"));
    EXPECT_NE(lst(e.dst + "/pair/a.txt").st_ino, lst(e.dst + "/pair/hard-a.txt").st_ino);
    EXPECT_EQ(lst(e.dst + "/pair/a.txt").st_nlink, 1u);
    EXPECT_EQ(slurp(e.dst + "/pair/hard-a.txt"), "a");
}

TEST(CopySemantics, DestinationSymlinksStayInsideTheRoot) {
    Env e;
    std::string outside = e.t.path + "/outside";
    ::mkdir(outside.c_str(), 0755);
    put(outside + "/keep", "host file");
    ::symlink(outside.c_str(), (e.dst + "/app").c_str());        // absolute, naming a host path
    ::symlink("../../../../../../..", (e.dst + "/up").c_str());  // relative, climbing
    ::symlink("/etc", (e.dst + "/etc_link").c_str());
    ASSERT_COPY(e.copy({"a.txt"}, "/app/"));
    ASSERT_COPY(e.copy({"b.txt"}, "/up/tmp/"));
    ASSERT_COPY(e.copy({"dir"}, "/etc_link/conf/"));
    // Everything landed inside the root, where the links lead when the root is "/".
    EXPECT_EQ(slurp(e.dst + outside + "/a.txt"), "a");
    EXPECT_EQ(slurp(e.dst + "/tmp/b.txt"), "b");
    EXPECT_EQ(slurp(e.dst + "/etc/conf/x.txt"), "x");
    EXPECT_FALSE(exists(outside + "/a.txt"));
    EXPECT_FALSE(exists(e.t.path + "/tmp"));
    EXPECT_EQ(slurp(outside + "/keep"), "host file");

    // Below dest nothing is followed: a link where a file goes is replaced, a link where a
    // directory goes is an error.
    ::mkdir((e.dst + "/w").c_str(), 0755);
    ::symlink((outside + "/keep").c_str(), (e.dst + "/w/x.txt").c_str());
    ::symlink(outside.c_str(), (e.dst + "/w/sub").c_str());
    auto r = e.copy({"dir"}, "/w/");
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("cannot copy to non-directory: /w/sub"), std::string::npos) << r.error().message;
    EXPECT_EQ(slurp(outside + "/keep"), "host file");
    EXPECT_FALSE(exists(outside + "/y.txt"));
    ::unlink((e.dst + "/w/sub").c_str());
    ASSERT_COPY(e.copy({"dir"}, "/w/"));
    EXPECT_TRUE(S_ISREG(lst(e.dst + "/w/x.txt").st_mode));
    EXPECT_EQ(slurp(outside + "/keep"), "host file");
}

TEST(CopySemantics, FileVersusDirectoryConflicts) {
    Env e;
    ::mkdir((e.dst + "/d").c_str(), 0755);
    ::mkdir((e.dst + "/d/x.txt").c_str(), 0755);
    auto r = e.copy({"dir"}, "/d/");
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("cannot replace to directory /d/x.txt with file"), std::string::npos) << r.error().message;
    put(e.dst + "/f", "file");
    auto r2 = e.copy({"dir"}, "/f");
    ASSERT_FALSE(r2.has_value());
    EXPECT_NE(r2.error().message.find("cannot copy to non-directory"), std::string::npos) << r2.error().message;
    EXPECT_FALSE(e.copy({"a.txt"}, "/f/").has_value());  // a file cannot be made a directory
}

TEST(CopySemantics, DockerignoreApplies) {
    Env e("dir/sub\n!dir/sub/keep\n*.txt\n!a.txt");
    put(e.ctx + "/dir/sub/keep", "kept");
    put(e.ctx + "/dir/other/junk.o", "");
    ASSERT_COPY(e.copy({"."}, "/i/"));
    EXPECT_TRUE(exists(e.dst + "/i/a.txt"));
    EXPECT_FALSE(exists(e.dst + "/i/b.txt"));
    EXPECT_TRUE(exists(e.dst + "/i/dir/x.txt"));  // *.txt is for the root only
    EXPECT_EQ(slurp(e.dst + "/i/dir/sub/keep"), "kept");
    EXPECT_FALSE(exists(e.dst + "/i/dir/sub/y.txt"));
    // An excluded directory with nothing re-included is not created.
    Env f("dir/sub");
    ASSERT_COPY(f.copy({"dir"}, "/j/"));
    EXPECT_TRUE(exists(f.dst + "/j/x.txt"));
    EXPECT_FALSE(exists(f.dst + "/j/sub"));
    // COPY --from a stage: nothing is ignored.
    ASSERT_COPY(f.copy({"dir"}, "/k/", {}, false));
    EXPECT_TRUE(exists(f.dst + "/k/sub/y.txt"));
}
