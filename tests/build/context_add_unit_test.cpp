// ADD's archive extraction, ownership rules and speed of COPY (build/context/copy.hpp).
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "build/context/context.hpp"
#include "build/context/copy.hpp"
#include "image/tar.hpp"
#include "linux/fs.hpp"
#include "copy_env.hpp"
#include "tree_util.hpp"

namespace bc = brig::build::context;

namespace {

using namespace brig::build::test;

// A gzip member with stored (uncompressed) deflate blocks: enough to test detection by content.
std::string gzip_stored(std::string_view data) {
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t crc = 0xffffffffu;
    for (unsigned char ch : data) crc = table[(crc ^ ch) & 0xff] ^ (crc >> 8);
    crc ^= 0xffffffffu;
    std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
    size_t off = 0;
    do {
        size_t n = std::min<size_t>(65535, data.size() - off);
        bool last = off + n == data.size();
        out += static_cast<char>(last ? 1 : 0);
        out += static_cast<char>(n & 0xff);
        out += static_cast<char>(n >> 8);
        out += static_cast<char>(~n & 0xff);
        out += static_cast<char>((~n >> 8) & 0xff);
        out.append(data.substr(off, n));
        off += n;
    } while (off < data.size());
    for (int k = 0; k < 4; ++k) out += static_cast<char>((crc >> (8 * k)) & 0xff);
    for (int k = 0; k < 4; ++k) out += static_cast<char>((data.size() >> (8 * k)) & 0xff);
    return out;
}

// A small tar: top/ top/f.txt link -> top/f.txt
std::string make_tar(const std::string& scratch, bool evil = false) {
    std::string p = scratch + "/mk.tar";
    int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    brig::image::TarWriter w(fd);
    EXPECT_TRUE(w.add_dir("top/", 0750, 1000).has_value());
    EXPECT_TRUE(w.add_file("top/f.txt", "from the tar", 0640, 1000).has_value());
    if (evil) {
        EXPECT_TRUE(w.add_file("../../evil.txt", "escaped", 0644, 1000).has_value());
    }
    brig::image::TarEntry l;
    l.path = "link";
    l.type = brig::image::TarType::Symlink;
    l.linkname = "top/f.txt";
    l.mode = 0777;
    EXPECT_TRUE(w.add(l).has_value());
    EXPECT_TRUE(w.finish().has_value());
    ::close(fd);
    std::string data = slurp(p);
    ::unlink(p.c_str());
    return data;
}

}  // namespace

TEST(CopyAdd, AddExtractsLocalArchives) {
    Env e;
    std::string tar = make_tar(e.t.path);
    put(e.ctx + "/plain.tar", tar);
    put(e.ctx + "/packed.tar.gz", gzip_stored(tar));
    put(e.ctx + "/noext", gzip_stored(tar));  // told by content, not by name
    put(e.ctx + "/not-a-tar.tar", "just text, named like an archive");
    put(e.ctx + "/text.gz", gzip_stored("gzip, but not of a tar"));
    bc::CopyOptions add;
    add.extract_archives = true;
    auto st = e.copy({"plain.tar"}, "/x1/", add);
    ASSERT_TRUE(st.has_value()) << st.error().what();
    EXPECT_EQ(st->archives, 1u);
    EXPECT_EQ(slurp(e.dst + "/x1/top/f.txt"), "from the tar");
    EXPECT_EQ(lst(e.dst + "/x1/top").st_mode & 07777, 0750u);
    EXPECT_TRUE(S_ISLNK(lst(e.dst + "/x1/link").st_mode));
    ASSERT_COPY(e.copy({"packed.tar.gz"}, "/x2", add));  // no slash: still a directory
    EXPECT_EQ(slurp(e.dst + "/x2/top/f.txt"), "from the tar");
    ASSERT_COPY(e.copy({"noext"}, "/x3/", add));
    EXPECT_EQ(slurp(e.dst + "/x3/top/f.txt"), "from the tar");
    ASSERT_COPY(e.copy({"not-a-tar.tar", "text.gz"}, "/x4/", add));
    EXPECT_EQ(slurp(e.dst + "/x4/not-a-tar.tar"), "just text, named like an archive");
    EXPECT_TRUE(S_ISREG(lst(e.dst + "/x4/text.gz").st_mode));
    // COPY never extracts.
    ASSERT_COPY(e.copy({"plain.tar"}, "/x5/"));
    EXPECT_EQ(slurp(e.dst + "/x5/plain.tar"), tar);
    // The hardened unpack refuses entries that climb out.
    put(e.ctx + "/evil.tar", make_tar(e.t.path, true));
    EXPECT_FALSE(e.copy({"evil.tar"}, "/x6/", add).has_value());
    EXPECT_FALSE(exists(e.t.path + "/evil.txt"));
    EXPECT_FALSE(exists(e.dst + "/evil.txt"));
}

TEST(CopyOwners, Ownership) {
    if (::geteuid() != 0) GTEST_SKIP() << "chown needs root";
    Env e;
    ASSERT_EQ(::chown((e.ctx + "/dir/x.txt").c_str(), 1234, 5678), 0);
    ASSERT_EQ(::lchown((e.ctx + "/dir/lnk").c_str(), 1234, 5678), 0);
    // From the context: root-owned.
    ASSERT_COPY(e.copy({"dir"}, "/o1/"));
    EXPECT_EQ(lst(e.dst + "/o1/x.txt").st_uid, 0u);
    EXPECT_EQ(lst(e.dst + "/o1/x.txt").st_gid, 0u);
    EXPECT_EQ(lst(e.dst + "/o1/lnk").st_uid, 0u);
    // From a stage: owners kept.
    ASSERT_COPY(e.copy({"dir"}, "/o2/", {}, false));
    EXPECT_EQ(lst(e.dst + "/o2/x.txt").st_uid, 1234u);
    EXPECT_EQ(lst(e.dst + "/o2/x.txt").st_gid, 5678u);
    EXPECT_EQ(lst(e.dst + "/o2/lnk").st_gid, 5678u);
    // --chown: everything copied, and the parents it creates.
    bc::CopyOptions o;
    o.uid = 1000;
    o.gid = 1001;
    ASSERT_COPY(e.copy({"dir"}, "/new/parent/o3/", o));
    for (const char* p : {"/new", "/new/parent", "/new/parent/o3", "/new/parent/o3/x.txt", "/new/parent/o3/sub",
                          "/new/parent/o3/sub/y.txt", "/new/parent/o3/lnk"}) {
        EXPECT_EQ(lst(e.dst + p).st_uid, 1000u) << p;
        EXPECT_EQ(lst(e.dst + p).st_gid, 1001u) << p;
    }
    bc::CopyOptions uid_only;
    uid_only.uid = 42;
    ASSERT_COPY(e.copy({"a.txt"}, "/o4", uid_only));
    EXPECT_EQ(lst(e.dst + "/o4").st_gid, 42u);  // a uid without a group: the same number
    // chown does not eat setuid.
    put(e.ctx + "/suid", "s", 04755);
    ASSERT_COPY(e.copy({"suid"}, "/o5", o));
    EXPECT_EQ(lst(e.dst + "/o5").st_mode & 07777, 04755u);
}

TEST(CopySpeed, ManySmallFilesFast) {
    // CPU time of this thread: wall time swings with whatever else the machine runs.
    auto cpu_ms = [] {
        rusage ru {};
        ::getrusage(RUSAGE_THREAD, &ru);
        return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
    };
    Env e;
    double s0 = cpu_ms();
    for (int d = 0; d < 50; ++d)
        for (int f = 0; f < 100; ++f) put(fmt::format("{}/many/d{}/f{}.txt", e.ctx, d, f), fmt::format("file {} {}\n", d, f));
    double setup = cpu_ms() - s0;  // the file system's pace right now: creating the same 5000 files
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_ms();
    auto st = e.copy({"many"}, "/many/");
    double cpu = cpu_ms() - c0;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(st.has_value()) << st.error().what();
    EXPECT_EQ(st->files, 5000u);
    EXPECT_EQ(st->dirs, 50u);
    EXPECT_EQ(slurp(e.dst + "/many/d49/f99.txt"), "file 49 99\n");
    std::printf("5000 files copied in %lld ms (%.0f ms CPU; creating them took %.0f ms CPU)\n", static_cast<long long>(ms), cpu, setup);
    // Under a second on an idle machine (about 0.2 s here); on a loaded one, within a small
    // multiple of what merely creating the files costs.
    EXPECT_LT(cpu, std::max(1000.0, 2.5 * setup));
}

TEST(ContextTar, GzipFromAPipe) {
    TempDir scratch;
    std::string tar = make_tar(scratch.path);
    std::string gz = gzip_stored(tar);
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    std::thread writer([&] {
        size_t off = 0;
        while (off < gz.size()) {
            ssize_t n = ::write(p[1], gz.data() + off, gz.size() - off);
            if (n <= 0) break;
            off += static_cast<size_t>(n);
        }
        ::close(p[1]);
    });
    auto ctx = bc::from_tar(p[0], scratch.path);
    writer.join();
    ::close(p[0]);
    ASSERT_TRUE(ctx.has_value()) << ctx.error().what();
    EXPECT_EQ(slurp(ctx->root + "/top/f.txt"), "from the tar");
    EXPECT_TRUE(ctx->ignore.empty());
    EXPECT_FALSE(bc::find_dockerfile(*ctx, "").has_value());  // this tar has none
}
