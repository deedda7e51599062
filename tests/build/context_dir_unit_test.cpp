// The build context (build/context/context.hpp): a directory or a tar, its ignore file, the
// Dockerfile's location.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include <gtest/gtest.h>

#include "build/context/context.hpp"
#include "image/tar.hpp"
#include "linux/fs.hpp"
#include "tree_util.hpp"

namespace bc = brig::build::context;

namespace {

using namespace brig::build::test;

// A tar file holding `files` (path, content) and, when evil, an entry climbing out.
int tar_fd(const std::string& scratch, const std::vector<std::pair<std::string, std::string>>& files, bool evil = false) {
    std::string p = scratch + "/ctx.tar";
    int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    brig::image::TarWriter w(fd);
    for (const auto& [path, data] : files) EXPECT_TRUE(w.add_file(path, data).has_value());
    if (evil) {
        EXPECT_TRUE(w.add_file("../escape", "x").has_value());
    }
    EXPECT_TRUE(w.finish().has_value());
    ::lseek(fd, 0, SEEK_SET);
    ::unlink(p.c_str());
    return fd;
}

}  // namespace

TEST(ContextDir, OpenWithIgnoreFile) {
    TempDir t;
    put(t.path + "/Dockerfile", "FROM scratch\n");
    put(t.path + "/.dockerignore", "*.log\n");
    auto ctx = bc::open_dir(t.path + "/.", "");
    ASSERT_TRUE(ctx.has_value()) << ctx.error().what();
    EXPECT_EQ(ctx->root, t.path);
    EXPECT_EQ(ctx->ignore_file, t.path + "/.dockerignore");
    EXPECT_TRUE(ctx->ignore.excluded("x.log"));
    EXPECT_TRUE(ctx->tmp.empty());
    EXPECT_FALSE(bc::open_dir(t.path + "/missing", "").has_value());
    EXPECT_FALSE(bc::open_dir(t.path + "/Dockerfile", "").has_value());
    put(t.path + "/bad/.dockerignore", "[\n");
    EXPECT_FALSE(bc::open_dir(t.path + "/bad", "").has_value());
}

TEST(ContextDir, IgnoreFilePrecedence) {
    TempDir t;
    put(t.path + "/.dockerignore", "from-dockerignore\n");
    EXPECT_EQ(bc::find_ignore_file(t.path, ""), t.path + "/.dockerignore");
    put(t.path + "/.containerignore", "from-containerignore\n");
    EXPECT_EQ(bc::find_ignore_file(t.path, ""), t.path + "/.containerignore");
    // The Dockerfile's own ignore file wins, wherever the Dockerfile is.
    put(t.path + "/build/app.Dockerfile", "FROM scratch\n");
    put(t.path + "/build/app.Dockerfile.dockerignore", "from-app\n");
    EXPECT_EQ(bc::find_ignore_file(t.path, t.path + "/build/app.Dockerfile"), t.path + "/build/app.Dockerfile.dockerignore");
    EXPECT_EQ(bc::find_ignore_file(t.path, "-"), t.path + "/.containerignore");
    auto ctx = bc::open_dir(t.path, t.path + "/build/app.Dockerfile");
    ASSERT_TRUE(ctx.has_value());
    EXPECT_TRUE(ctx->ignore.excluded("from-app"));
    EXPECT_FALSE(ctx->ignore.excluded("from-dockerignore"));
    // The default Dockerfile's own ignore file.
    put(t.path + "/Containerfile", "FROM scratch\n");
    put(t.path + "/Containerfile.dockerignore", "from-containerfile\n");
    auto def = bc::open_dir(t.path, "");
    ASSERT_TRUE(def.has_value());
    EXPECT_TRUE(def->ignore.excluded("from-containerfile"));
    TempDir none;
    EXPECT_EQ(bc::find_ignore_file(none.path, ""), std::nullopt);
}

TEST(ContextDir, FindDockerfile) {
    TempDir t;
    auto ctx = bc::open_dir(t.path, "");
    ASSERT_TRUE(ctx.has_value());
    auto missing = bc::find_dockerfile(*ctx, "");
    EXPECT_FALSE(missing.has_value());
    put(t.path + "/Containerfile", "FROM scratch\n");
    EXPECT_EQ(bc::find_dockerfile(*ctx, ""), t.path + "/Containerfile");
    put(t.path + "/Dockerfile", "FROM scratch\n");
    EXPECT_EQ(bc::find_dockerfile(*ctx, ""), t.path + "/Dockerfile");  // Dockerfile first
    // -f: relative to the current directory, and may be outside the context.
    TempDir other;
    put(other.path + "/sub/Other.Dockerfile", "FROM scratch\n");
    EXPECT_EQ(bc::find_dockerfile(*ctx, other.path + "/sub/Other.Dockerfile"), other.path + "/sub/Other.Dockerfile");
    char cwd[PATH_MAX];
    ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
    ASSERT_EQ(::chdir(other.path.c_str()), 0);
    auto rel = bc::find_dockerfile(*ctx, "sub/Other.Dockerfile");
    auto rel_missing = bc::find_dockerfile(*ctx, "Dockerfile");  // not in the cwd, even though it is in the context
    ASSERT_EQ(::chdir(cwd), 0);
    EXPECT_EQ(rel, other.path + "/sub/Other.Dockerfile");
    ASSERT_FALSE(rel_missing.has_value());
    EXPECT_EQ(rel_missing.error().message, "Cannot locate specified Dockerfile: Dockerfile");
    EXPECT_FALSE(bc::find_dockerfile(*ctx, "-").has_value());  // stdin: the caller's
    EXPECT_FALSE(bc::find_dockerfile(*ctx, t.path).has_value());  // a directory
}

TEST(ContextDir, FromTar) {
    TempDir scratch;
    std::string tmp;
    {
        int fd = tar_fd(scratch.path, {{"Dockerfile", "FROM scratch\nCOPY . /\n"},
                                       {".dockerignore", "*.secret\n"},
                                       {"src/main.c", "int main;\n"},
                                       {"docker/Build.Dockerfile", "FROM x\n"},
                                       {"docker/Build.Dockerfile.dockerignore", "src\n"},
                                       {"key.secret", "k"}});
        auto ctx = bc::from_tar(fd, scratch.path);
        ::close(fd);
        ASSERT_TRUE(ctx.has_value()) << ctx.error().what();
        tmp = ctx->tmp;
        EXPECT_FALSE(tmp.empty());
        EXPECT_TRUE(ctx->root.starts_with(scratch.path));
        EXPECT_TRUE(exists(ctx->root + "/src/main.c"));
        EXPECT_TRUE(ctx->ignore.excluded("key.secret"));
        EXPECT_EQ(bc::find_dockerfile(*ctx, ""), ctx->root + "/Dockerfile");
        // -f names a path inside the tar.
        EXPECT_EQ(bc::find_dockerfile(*ctx, "docker/Build.Dockerfile"), ctx->root + "/docker/Build.Dockerfile");
        EXPECT_EQ(bc::find_dockerfile(*ctx, "/../docker/Build.Dockerfile"), ctx->root + "/docker/Build.Dockerfile");
        EXPECT_FALSE(bc::find_dockerfile(*ctx, "nope").has_value());
        // Moving keeps one owner of the extracted tree.
        bc::Context moved = std::move(*ctx);
        EXPECT_EQ(moved.tmp, tmp);
        EXPECT_TRUE(exists(tmp));
    }
    EXPECT_FALSE(exists(tmp));  // the destructor removed it

    int fd = tar_fd(scratch.path, {{"docker/Build.Dockerfile", "FROM x\n"}, {"docker/Build.Dockerfile.dockerignore", "src\n"}});
    auto ctx = bc::from_tar(fd, scratch.path, "docker/Build.Dockerfile");
    ::close(fd);
    ASSERT_TRUE(ctx.has_value()) << ctx.error().what();
    EXPECT_TRUE(ctx->ignore.excluded("src/x"));
    tmp = ctx->tmp;
    ctx->cleanup();
    EXPECT_FALSE(exists(tmp));
    EXPECT_TRUE(ctx->tmp.empty());

    // A hostile tar is refused, and nothing is left behind.
    int evil = tar_fd(scratch.path, {{"Dockerfile", "FROM x\n"}}, true);
    auto bad = bc::from_tar(evil, scratch.path);
    ::close(evil);
    EXPECT_FALSE(bad.has_value());
    EXPECT_FALSE(exists(scratch.path + "/escape"));
    int left = 0;
    if (DIR* d = ::opendir(scratch.path.c_str())) {
        while (dirent* de = ::readdir(d)) left += std::string_view(de->d_name).starts_with("build-context-") ? 1 : 0;
        ::closedir(d);
    }
    EXPECT_EQ(left, 0);
}
