// Unit tests: tar reader/writer, entry path cleaning, decompression (gzip via igzip, zstd).
#include <gtest/gtest.h>

#include "image/decompress.hpp"
#include "image/digest.hpp"
#include "image/tar.hpp"
#include "image/unpack.hpp"
#include "test_util.hpp"

using namespace brig::image;
using namespace brig::image::test;

TEST(ImageTar, CleanEntryPath) {
    EXPECT_EQ(*clean_entry_path("./a/b/"), "a/b");
    EXPECT_EQ(*clean_entry_path("a//./b"), "a/b");
    EXPECT_EQ(*clean_entry_path("./"), "");
    auto up = clean_entry_path("a/../../etc/passwd");
    ASSERT_FALSE(up);
    EXPECT_NE(up.error().message.find("a/../../etc/passwd"), std::string::npos);
    EXPECT_NE(up.error().message.find(".."), std::string::npos);
    auto abs = clean_entry_path("/etc/passwd");
    ASSERT_FALSE(abs);
    EXPECT_NE(abs.error().message.find("absolute"), std::string::npos);
    EXPECT_FALSE(clean_entry_path("a/.."));
}

TEST(ImageTar, RoundTripLongNamesAndXattrs) {
    std::string longname = std::string(150, 'x') + "/" + std::string(120, 'y');
    TarEntry e;
    e.path = longname;
    e.type = TarType::Regular;
    e.size = 5;
    e.mode = 04755;
    e.uid = 1234;
    e.gid = 99;
    e.mtime_sec = 1700000000;
    e.xattrs = {{"user.k", "v"}};
    std::string tar = TarBuilder().entry(e, "hello").symlink("l", std::string(200, 'z')).str();
    MemorySource src(tar);
    TarReader r(src);
    auto a = r.next();
    ASSERT_TRUE(a && *a) << (a ? "" : a.error().message);
    EXPECT_EQ((*a)->path, longname);
    EXPECT_EQ((*a)->mode, 04755u);
    EXPECT_EQ((*a)->uid, 1234u);
    EXPECT_EQ((*a)->mtime_sec, 1700000000);
    ASSERT_EQ((*a)->xattrs.size(), 1u);
    EXPECT_EQ((*a)->xattrs[0].second, "v");
    EXPECT_EQ(*read_all(r.body(), 100), "hello");
    auto b = r.next();
    ASSERT_TRUE(b && *b);
    EXPECT_EQ((*b)->type, TarType::Symlink);
    EXPECT_EQ((*b)->linkname, std::string(200, 'z'));
    auto end = r.next();
    ASSERT_TRUE(end);
    EXPECT_FALSE(*end);
}

TEST(ImageTar, RefusesCorruptAndHugeHeaders) {
    std::string tar = TarBuilder().file("a", "data").str();
    tar[0] = 'b';  // checksum no longer matches
    MemorySource src(tar);
    TarReader r(src);
    auto e = r.next();
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message.find("checksum"), std::string::npos);

    TarEntry pax;
    pax.path = "PaxHeader";
    pax.type = static_cast<TarType>('x');
    pax.size = 8u << 20;
    std::string huge = TarBuilder().entry(pax, std::string(8u << 20, 'a')).str();
    MemorySource hs(huge);
    TarReader hr(hs);
    auto h = hr.next();
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("too large"), std::string::npos) << h.error().message;

    std::string truncated = TarBuilder().file("a", std::string(2000, 'q')).str().substr(0, 1000);
    MemorySource ts(truncated);
    TarReader tr(ts);
    auto t = tr.next();
    ASSERT_TRUE(t && *t);
    EXPECT_FALSE(read_all(tr.body(), 1 << 20));
}

namespace {
std::string inflate_all(const std::string& compressed) {
    MemorySource src(compressed);
    auto dec = make_decompressor(src);
    auto out = read_all(*dec, 64u << 20);
    if (!out) throw std::runtime_error(out.error().what());
    return *out;
}
}  // namespace

TEST(ImageDecompress, GzipZstdPlain) {
    std::string data;
    for (int i = 0; i < 200000; ++i) data += std::to_string(i * 7919 % 1000) + ",";
    EXPECT_EQ(inflate_all(gzip(data)), data);
    EXPECT_EQ(inflate_all(zstd(data)), data);
    EXPECT_EQ(inflate_all(data), data);
    // Multi-member gzip (pigz, concatenated files) and multi-frame zstd.
    EXPECT_EQ(inflate_all(gzip(data) + gzip("tail")), data + "tail");
    EXPECT_EQ(inflate_all(zstd(data) + zstd("tail")), data + "tail");
    std::byte g[2] = {std::byte{0x1f}, std::byte{0x8b}};
    EXPECT_EQ(detect_compression(g), Compression::Gzip);
}

TEST(ImageDecompress, CorruptAndTruncatedFail) {
    std::string data(100000, 'x');
    std::string gz = gzip(data);
    EXPECT_THROW(inflate_all(gz.substr(0, gz.size() / 2)), std::runtime_error);
    std::string bad = gz;
    bad[bad.size() - 6] ^= 0x55;  // CRC32 in the trailer
    EXPECT_THROW(inflate_all(bad), std::runtime_error);
    std::string zs = zstd(data);
    EXPECT_THROW(inflate_all(zs.substr(0, zs.size() - 3)), std::runtime_error);
}
