// The cache key of a COPY/ADD source set (build/context/digest.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "build/context/digest.hpp"
#include "linux/fs.hpp"
#include "tree_util.hpp"

namespace bc = brig::build::context;

namespace {

using namespace brig::build::test;

struct Ctx {
    TempDir t;
    bc::Ignore ignore;
    explicit Ctx(std::string_view rules = "") : ignore(*bc::Ignore::parse(rules)) {
        put(t.path + "/app/main.c", "int main() {}\n");
        put(t.path + "/app/lib/util.c", "void f() {}\n");
        put(t.path + "/app/README", "read me");
        put(t.path + "/top.txt", "top");
        ::symlink("main.c", (t.path + "/app/link").c_str());
    }
    std::string digest(std::vector<std::string> patterns = {"app", "top.txt"}) {
        auto root = bc::SourceRoot::open(t.path, &ignore, true);
        EXPECT_TRUE(root.has_value());
        auto srcs = bc::resolve_sources(*root, patterns);
        EXPECT_TRUE(srcs.has_value()) << (srcs ? "" : srcs.error().message);
        auto d = bc::sources_digest(*root, *srcs);
        EXPECT_TRUE(d.has_value()) << (d ? "" : d.error().message);
        return d ? *d : "";
    }
};

}  // namespace

TEST(ContextDigest, StableAndWellFormed) {
    Ctx c;
    std::string d1 = c.digest();
    EXPECT_TRUE(d1.starts_with("sha256:")) << d1;
    EXPECT_EQ(d1.size(), 7u + 64u);
    EXPECT_EQ(c.digest(), d1);
    bc::clear_file_digest_cache();
    EXPECT_EQ(c.digest(), d1);
    // Another directory with the same tree: the same key (the root's location is not in it).
    Ctx other;
    EXPECT_EQ(other.digest(), d1);
    // The order and the set of sources matter.
    EXPECT_NE(c.digest({"top.txt", "app"}), d1);
    EXPECT_NE(c.digest({"app"}), d1);
}

TEST(ContextDigest, ChangesWithContentModeNameAndLinkTarget) {
    Ctx c;
    const std::string base = c.digest();
    put(c.t.path + "/app/main.c", "int main() { return 1; }\n");
    std::string content = c.digest();
    EXPECT_NE(content, base);
    put(c.t.path + "/app/main.c", "int main() {}\n");
    EXPECT_EQ(c.digest(), base);  // back to the same content

    ::chmod((c.t.path + "/app/README").c_str(), 0600);
    EXPECT_NE(c.digest(), base);
    ::chmod((c.t.path + "/app/README").c_str(), 0644);
    EXPECT_EQ(c.digest(), base);

    ::rename((c.t.path + "/app/README").c_str(), (c.t.path + "/app/README.md").c_str());
    EXPECT_NE(c.digest(), base);
    ::rename((c.t.path + "/app/README.md").c_str(), (c.t.path + "/app/README").c_str());
    EXPECT_EQ(c.digest(), base);

    ::unlink((c.t.path + "/app/link").c_str());
    ::symlink("lib/util.c", (c.t.path + "/app/link").c_str());
    EXPECT_NE(c.digest(), base);
    ::unlink((c.t.path + "/app/link").c_str());
    ::symlink("main.c", (c.t.path + "/app/link").c_str());
    EXPECT_EQ(c.digest(), base);

    ::mkdir((c.t.path + "/app/empty").c_str(), 0755);
    EXPECT_NE(c.digest(), base);
}

TEST(ContextDigest, NotMtimesNorInodes) {
    Ctx c;
    const std::string base = c.digest();
    timespec ts[2] = {{1000000, 0}, {1000000, 0}};
    ::utimensat(AT_FDCWD, (c.t.path + "/app/main.c").c_str(), ts, 0);
    ::utimensat(AT_FDCWD, (c.t.path + "/app").c_str(), ts, 0);
    EXPECT_EQ(c.digest(), base);
    // A new inode with the same content and mode.
    ::unlink((c.t.path + "/top.txt").c_str());
    put(c.t.path + "/top.txt", "top");
    EXPECT_EQ(c.digest(), base);
}

TEST(ContextDigest, IgnoredFilesAreLeftOut) {
    Ctx c("app/README\napp/lib\n!app/lib/util.c");
    const std::string base = c.digest();
    put(c.t.path + "/app/README", "changed, but ignored");
    EXPECT_EQ(c.digest(), base);
    put(c.t.path + "/app/lib/ignored.o", "junk");
    EXPECT_EQ(c.digest(), base);
    put(c.t.path + "/app/lib/util.c", "void g() {}\n");  // re-included: it counts
    EXPECT_NE(c.digest(), base);
}

TEST(ContextDigest, OwnerChangesIt) {
    if (::geteuid() != 0) GTEST_SKIP() << "chown needs root";
    Ctx c;
    const std::string base = c.digest();
    ASSERT_EQ(::chown((c.t.path + "/app/main.c").c_str(), 1234, 1234), 0);
    EXPECT_NE(c.digest(), base);
    ASSERT_EQ(::chown((c.t.path + "/app/main.c").c_str(), 0, 0), 0);
    EXPECT_EQ(c.digest(), base);
}
