// The layer a build step makes from its overlay upper directory: whiteouts, opaque
// directories, links and determinism (same tree, same bytes, same gzip blob).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <string>

#include "build/layer_tar.hpp"
#include "image/compress.hpp"
#include "image/decompress.hpp"
#include "image/digest.hpp"
#include "image/tar.hpp"
#include "linux/fs.hpp"
#include "tree_util.hpp"

namespace brig::build {
namespace {

class LayerTar : public ::testing::Test {
protected:

    std::string tar_of(const std::string& tree, const LayerTarOptions& o = {}) {
        std::string out = dir_ + "/out.tar";
        int fd = ::open(out.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        EXPECT_GE(fd, 0);
        auto r = write_layer_tar(tree, fd, o);
        EXPECT_TRUE(r) << (r ? "" : r.error().what());
        ::close(fd);
        return *linuxfs::read_file(out);
    }

    std::map<std::string, image::TarEntry> entries(const std::string& tar) {
        image::MemorySource src(tar);
        image::TarReader rd(src);
        std::map<std::string, image::TarEntry> out;
        while (auto e = rd.next()) {
            if (!*e) break;
            out[(*e)->path] = **e;
        }
        return out;
    }

    test::TempDir tmp_;
    std::string dir_ = tmp_.path;
};

TEST_F(LayerTar, FilesDirsLinksInOrder) {
    std::string up = dir_ + "/upper";
    ASSERT_EQ(::mkdir(up.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((up + "/etc").c_str(), 0750), 0);
    ASSERT_TRUE(linuxfs::write_file_atomic(up + "/etc/b", "bee", 0644, false));
    ASSERT_TRUE(linuxfs::write_file_atomic(up + "/etc/a", "ay", 0644, false));
    ASSERT_EQ(::chmod((up + "/etc/a").c_str(), 04755), 0);
    ASSERT_EQ(::symlink("a", (up + "/etc/link").c_str()), 0);
    ASSERT_EQ(::link((up + "/etc/a").c_str(), (up + "/etc/hard").c_str()), 0);
    auto t = tar_of(up);
    auto es = entries(t);
    ASSERT_TRUE(es.count("etc/"));
    EXPECT_EQ(es["etc/"].type, image::TarType::Directory);
    EXPECT_EQ(es["etc/"].mode, 0750u);
    EXPECT_EQ(es["etc/a"].mode, 04755u);
    EXPECT_EQ(es["etc/a"].size, 2u);
    EXPECT_EQ(es["etc/link"].type, image::TarType::Symlink);
    EXPECT_EQ(es["etc/link"].linkname, "a");
    EXPECT_EQ(es["etc/hard"].type, image::TarType::HardLink);
    EXPECT_EQ(es["etc/hard"].linkname, "etc/a");
    // Sorted: etc/ then a, b, hard, link.
    image::MemorySource src(t);
    image::TarReader rd(src);
    std::vector<std::string> order;
    while (auto e = rd.next()) {
        if (!*e) break;
        order.push_back((*e)->path);
    }
    EXPECT_EQ(order, (std::vector<std::string>{"etc/", "etc/a", "etc/b", "etc/hard", "etc/link"}));
}

TEST_F(LayerTar, WhiteoutsAndOpaqueDirectories) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mknod, trusted xattrs)";
    std::string up = dir_ + "/upper";
    ASSERT_EQ(::mkdir(up.c_str(), 0755), 0);
    ASSERT_EQ(::mknod((up + "/gone").c_str(), S_IFCHR | 0, makedev(0, 0)), 0);
    ASSERT_EQ(::mkdir((up + "/fresh").c_str(), 0755), 0);
    ASSERT_EQ(::setxattr((up + "/fresh").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
    ASSERT_TRUE(linuxfs::write_file_atomic(up + "/fresh/x", "x", 0644, false));
    auto es = entries(tar_of(up));
    ASSERT_TRUE(es.count(".wh.gone"));
    EXPECT_EQ(es[".wh.gone"].type, image::TarType::Regular);
    EXPECT_FALSE(es.count("gone"));
    ASSERT_TRUE(es.count("fresh/.wh..wh..opq"));
    for (auto& [k, v] : es["fresh/"].xattrs) EXPECT_NE(k, "trusted.overlay.opaque");
    EXPECT_TRUE(es.count("fresh/x"));
}

TEST_F(LayerTar, SameTreeSameBytesAndClampedTimes) {
    std::string up = dir_ + "/upper";
    ASSERT_EQ(::mkdir(up.c_str(), 0755), 0);
    ASSERT_TRUE(linuxfs::write_file_atomic(up + "/f", std::string(100000, 'z'), 0644, false));
    LayerTarOptions o{1000};
    auto a = tar_of(up, o);
    auto b = tar_of(up, o);
    EXPECT_EQ(a, b);
    EXPECT_EQ(entries(a)["f"].mtime_sec, 1000);
}

TEST(Gzip, RoundTripsAndIsDeterministic) {
    std::string data;
    for (int i = 0; i < 200000; ++i) data += static_cast<char>('a' + (i * 7919) % 26);
    auto gz = [&] {
        image::MemorySource in(data);
        auto c = image::make_gzip_compressor(in);
        auto all = image::read_all(*c, 64 << 20);
        EXPECT_TRUE(all);
        return *all;
    };
    std::string z1 = gz(), z2 = gz();
    EXPECT_EQ(z1, z2);
    EXPECT_LT(z1.size(), data.size());
    image::MemorySource zin(z1);
    auto d = image::make_decompressor(zin);
    auto back = image::read_all(*d, 64 << 20);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, data);
}

}  // namespace
}  // namespace brig::build
