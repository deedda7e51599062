// brig diff's rule (build/diff.hpp): A/C/D from an upper-tree listing and a lower lookup, in
// docker's order; and the lookup through layer directories (whiteouts, opaque directories).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <map>

#include "build/diff.hpp"
#include "tree_util.hpp"

namespace brig::build {
namespace {

DiffEntry file(const std::string& path, int64_t mtime = 1) { return {path, S_IFREG | 0644, 3, mtime, false, false}; }
DiffEntry dir(const std::string& path, int64_t mtime = 1, bool opaque = false) {
    return {path, S_IFDIR | 0755, 4096, mtime, false, opaque};
}
DiffEntry whiteout(const std::string& path) { return {path, S_IFCHR, 0, 1, true, false}; }

LowerLookup lower_of(const std::vector<DiffEntry>& entries) {
    std::map<std::string, DiffEntry> m;
    for (auto& e : entries) m[e.path] = e;
    return [m](const std::string& p) -> std::optional<DiffEntry> {
        auto it = m.find(p);
        if (it == m.end()) return std::nullopt;
        return it->second;
    };
}

std::vector<std::string> text(const std::vector<Change>& cs) {
    std::vector<std::string> out;
    for (auto& c : cs) out.push_back(std::string(1, c.kind) + " " + c.path);
    return out;
}

TEST(DiffRule, AddedChangedDeletedWithParentsInWalkOrder) {
    auto lower = lower_of({dir("/bin"), file("/bin/ls"), dir("/etc"), file("/etc/passwd"), dir("/tmp")});
    // Listed in no particular order; /bin's and /tmp's mtimes moved (an entry went or came).
    std::vector<DiffEntry> upper = {file("/x"), dir("/tmp", 5), whiteout("/bin/ls"), dir("/bin", 9), dir("/tmp/a", 5),
                                    file("/etc/passwd", 7), dir("/etc"), file("/a-b")};
    EXPECT_EQ(text(classify_changes(upper, lower)),
              (std::vector<std::string>{"A /a-b", "C /bin", "D /bin/ls", "C /etc/passwd", "C /tmp", "A /tmp/a", "A /x"}));
}

TEST(DiffRule, UnchangedParentIsListedOnlyForAnAddOrDelete) {
    auto lower = lower_of({dir("/etc"), file("/etc/passwd"), dir("/var"), file("/var/old")});
    // /etc and /var are copies with the image's metadata: a changed file alone leaves its parent
    // out (docker), an added or deleted one puts it in, once.
    auto out = classify_changes({dir("/etc"), file("/etc/passwd", 3), dir("/var"), file("/var/new"), whiteout("/var/old")}, lower);
    EXPECT_EQ(text(out), (std::vector<std::string>{"C /etc/passwd", "C /var", "A /var/new", "D /var/old"}));
}

TEST(DiffRule, OpaqueDirectoryIsChangedWhenTheImageHasIt) {
    auto lower = lower_of({dir("/etc"), file("/etc/group")});
    auto out = classify_changes({dir("/etc", 1, true), file("/etc/new"), dir("/fresh", 1, true), file("/fresh/f")}, lower);
    EXPECT_EQ(text(out), (std::vector<std::string>{"C /etc", "A /etc/new", "A /fresh", "A /fresh/f"}));
}

TEST(DiffRule, NothingInTheUpperTreeIsNoChange) {
    EXPECT_TRUE(classify_changes({}, lower_of({dir("/bin")})).empty());
}

TEST(DiffRule, SameSecondWithoutNanosecondsIsTheSameTime) {
    auto lower = lower_of({dir("/d", 5'000'000'000)});
    EXPECT_TRUE(classify_changes({dir("/d", 5'123'000'000)}, lower).empty());
    EXPECT_EQ(text(classify_changes({dir("/d", 6'000'000'000)}, lower)), std::vector<std::string>{"C /d"});
}

class DiffTree : public ::testing::Test {
protected:
    test::TempDir tmp_;
    std::string up_ = tmp_.path + "/upper", top_ = tmp_.path + "/top", base_ = tmp_.path + "/base";
    void SetUp() override {
        for (auto* d : {&up_, &top_, &base_}) ASSERT_EQ(::mkdir(d->c_str(), 0755), 0);
    }
    bool whiteout_at(const std::string& p) { return ::mknod(p.c_str(), S_IFCHR | 0, makedev(0, 0)) == 0; }
};

TEST_F(DiffTree, ListsTheUpperTreeWithWhiteouts) {
    test::put(up_ + "/etc/new", "n");
    if (!whiteout_at(up_ + "/gone")) GTEST_SKIP() << "mknod needs CAP_MKNOD";
    auto l = list_tree(up_);
    ASSERT_TRUE(l) << l.error().what();
    std::map<std::string, DiffEntry> by;
    for (auto& e : *l) by[e.path] = e;
    ASSERT_EQ(by.size(), 3u);
    EXPECT_TRUE(S_ISDIR(by["/etc"].mode));
    EXPECT_EQ(by["/etc/new"].size, 1);
    EXPECT_TRUE(by["/gone"].whiteout);
    EXPECT_FALSE(by["/etc/new"].whiteout);
}

TEST_F(DiffTree, LayerLookupHonoursWhiteoutsAndOpaqueDirectories) {
    test::put(base_ + "/a/f", "base");
    test::put(base_ + "/b/f", "base");
    test::put(base_ + "/c/f", "base");
    test::put(base_ + "/keep", "base");
    test::put(top_ + "/a/g", "top");
    test::put(top_ + "/c", "a file over the directory");
    ASSERT_EQ(::mkdir((top_ + "/b").c_str(), 0755), 0);
    bool opaque = ::setxattr((top_ + "/b").c_str(), "trusted.overlay.opaque", "y", 1, 0) == 0 ||
                  ::setxattr((top_ + "/b").c_str(), "user.overlay.opaque", "y", 1, 0) == 0;
    bool wh = whiteout_at(top_ + "/keep");
    auto look = layers_lookup({top_, base_});
    EXPECT_TRUE(look("/a/f"));  // through a directory both layers have
    EXPECT_TRUE(look("/a/g"));
    EXPECT_FALSE(look("/c/f"));  // a file in the top layer hides the directory below
    EXPECT_FALSE(look("/nope"));
    ASSERT_TRUE(look("/a"));
    EXPECT_TRUE(S_ISDIR(look("/a")->mode));
    if (opaque) {
        EXPECT_FALSE(look("/b/f"));
    }
    if (wh) {
        EXPECT_FALSE(look("/keep"));
    }
}

}  // namespace
}  // namespace brig::build
