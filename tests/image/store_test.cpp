// Root tests: the store's blob and layer ingest: verification, nothing corrupt ever visible,
// concurrent ingests of one blob from two processes, kill -9 mid-ingest then resume, GC.
#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "image/store.hpp"
#include "test_util.hpp"

using namespace brig::image;
using namespace brig::image::test;

namespace {

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!is_root()) GTEST_SKIP() << "needs root";
        auto s = Store::open(tmp.path() + "/root");
        ASSERT_TRUE(s) << s.error().what();
        store.emplace(std::move(*s));
    }
    int blob_count() {
        int n = 0;
        if (DIR* d = ::opendir((tmp.path() + "/root/blobs/sha256").c_str())) {
            while (auto* e = ::readdir(d))
                if (e->d_name[0] != '.') ++n;
            ::closedir(d);
        }
        return n;
    }
    TempDir tmp;
    std::optional<Store> store;
};

// A source that hands out data slowly (small chunks, with a pause), optionally blocking forever
// after `stall_at` bytes (so a test can kill the process mid-ingest).
class SlowSource : public ByteSource {
public:
    SlowSource(const std::string& data, size_t stall_at = SIZE_MAX) : data_(data), stall_at_(stall_at) {}
    brig::Result<size_t> read(std::span<std::byte> buf) override {
        if (pos_ >= stall_at_) {
            for (;;) ::pause();
        }
        size_t n = std::min({buf.size(), data_.size() - pos_, size_t{64 * 1024}, stall_at_ - pos_});
        std::memcpy(buf.data(), data_.data() + pos_, n);
        pos_ += n;
        ::usleep(2000);
        return n;
    }

private:
    const std::string& data_;
    size_t stall_at_;
    size_t pos_ = 0;
};

std::string random_bytes(size_t n) {
    std::string s(n, '\0');
    uint64_t x = 88172645463325252ull;
    for (auto& c : s) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c = static_cast<char>(x);
    }
    return s;
}

}  // namespace

TEST_F(StoreTest, PutBlobVerifies) {
    auto d = store->put_blob("hello");
    ASSERT_TRUE(d);
    EXPECT_TRUE(store->has_blob(*d));
    EXPECT_EQ(*store->read_blob(*d), "hello");
    auto bad = store->put_blob("evil", *d);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("digest mismatch"), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat(store->blob_path(*d).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0444u);  // blobs are read-only
}

TEST_F(StoreTest, IngestBlobRejectsWrongDigestOrSize) {
    std::string data(300000, 'z');
    Digest right = sha256_of(data);
    MemorySource a(data);
    ASSERT_TRUE(store->ingest_blob(a, right, static_cast<int64_t>(data.size())));
    std::string other(300000, 'y');
    MemorySource b(other);
    auto r = store->ingest_blob(b, sha256_of("x"), static_cast<int64_t>(other.size()));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("digest mismatch"), std::string::npos);
    MemorySource c(other);
    r = store->ingest_blob(c, sha256_of(other), 10);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("larger"), std::string::npos);
    EXPECT_EQ(blob_count(), 1);
}

TEST_F(StoreTest, LayerIngestVerifiesDiffIdAndSharesLayers) {
    std::string tar = TarBuilder().file("etc/hello", "hi").str();
    std::string gz = gzip(tar);
    LayerIngest in{"", sha256_of(gz), static_cast<int64_t>(gz.size()), sha256_of("wrong")};
    MemorySource src(gz);
    auto r = store->ingest_layer(in, src);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("diff id mismatch"), std::string::npos) << r.error().message;
    EXPECT_FALSE(store->has_blob(sha256_of(gz)));
    EXPECT_FALSE(store->has_layer(sha256_of(tar)));

    in.diff_id = sha256_of(tar);
    MemorySource src2(gz);
    r = store->ingest_layer(in, src2);
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(r->compression, Compression::Gzip);
    EXPECT_EQ(read_file(store->layer_diff(*in.diff_id) + "/etc/hello"), "hi");
    // The same layer compressed differently: a second blob, the same unpacked layer.
    std::string zs = zstd(tar);
    MemorySource src3(zs);
    auto r2 = store->ingest_layer(LayerIngest{"", std::nullopt, -1, in.diff_id}, src3);
    ASSERT_TRUE(r2) << r2.error().what();
    EXPECT_EQ(r2->diff_id, r->diff_id);
    EXPECT_NE(r2->digest, r->digest);
    EXPECT_EQ(blob_count(), 2);
    // Nothing is left in temp places.
    auto tmp_left = ::access((tmp.path() + "/root/ingest").c_str(), F_OK);
    EXPECT_EQ(tmp_left, 0);
}

TEST_F(StoreTest, FailedUnpackLeavesNothing) {
    std::string tar = TarBuilder().file("ok", "1").file("../escape", "2").str();
    MemorySource src(tar);
    auto r = store->ingest_layer(LayerIngest{}, src);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("'../escape'"), std::string::npos);
    EXPECT_EQ(blob_count(), 0);
    int layers = 0;
    if (DIR* d = ::opendir((tmp.path() + "/root/layers/sha256").c_str())) {
        while (auto* e = ::readdir(d))
            if (e->d_name[0] != '.' || std::string(e->d_name).size() > 2) ++layers;
        ::closedir(d);
    }
    EXPECT_EQ(layers, 0);
}

TEST_F(StoreTest, ConcurrentIngestOfOneBlobFromTwoProcesses) {
    std::string tar = TarBuilder().file("big", random_bytes(2 << 20)).file("small", "s").str();
    std::string gz = gzip(tar);
    LayerIngest in{"", sha256_of(gz), static_cast<int64_t>(gz.size()), sha256_of(tar)};
    pid_t kids[2];
    for (auto& k : kids) {
        k = ::fork();
        if (k == 0) {
            SlowSource src(gz);
            auto r = store->ingest_layer(in, src);
            ::_exit(r ? 0 : 1);
        }
    }
    for (auto k : kids) {
        int status = 0;
        ::waitpid(k, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    EXPECT_TRUE(store->has_blob(*in.digest));
    EXPECT_EQ(sha256_of(*store->read_blob(*in.digest)), *in.digest);
    EXPECT_EQ(read_file(store->layer_diff(*in.diff_id) + "/small"), "s");
    EXPECT_EQ(blob_count(), 1);
}

TEST_F(StoreTest, KillDuringIngestLeavesNoBlobAndResumes) {
    std::string tar = TarBuilder().file("big", random_bytes(3 << 20)).file("end", "e").str();
    std::string gz = gzip(tar);
    Digest digest = sha256_of(gz);
    LayerIngest in{"", digest, static_cast<int64_t>(gz.size()), sha256_of(tar)};
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    pid_t kid = ::fork();
    if (kid == 0) {
        ::close(pipefd[0]);
        SlowSource src(gz, gz.size() / 2);
        struct Signal : ByteSource {
            ByteSource& in;
            int fd;
            uint64_t n = 0;
            Signal(ByteSource& i, int f) : in(i), fd(f) {}
            brig::Result<size_t> read(std::span<std::byte> b) override {
                auto r = in.read(b);
                if (r && (n += *r) >= 100000 && fd >= 0) {
                    (void)::write(fd, "x", 1);
                    ::close(fd);
                    fd = -1;
                }
                return r;
            }
        } sig(src, pipefd[1]);
        (void)store->ingest_layer(in, sig);
        ::_exit(3);
    }
    ::close(pipefd[1]);
    char c;
    ASSERT_EQ(::read(pipefd[0], &c, 1), 1);
    ::close(pipefd[0]);
    ::usleep(200000);
    ::kill(kid, SIGKILL);
    int status = 0;
    ::waitpid(kid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status));
    EXPECT_FALSE(store->has_blob(digest));
    EXPECT_FALSE(store->has_layer(*in.diff_id));
    struct stat st {};
    ASSERT_EQ(::stat((tmp.path() + "/root/ingest/" + digest.hex + ".partial").c_str(), &st), 0);
    EXPECT_GT(st.st_size, 0);
    // Resume: the opener is asked only for the bytes after the partial file.
    uint64_t asked_from = 0;
    auto opener = [&](uint64_t offset) -> brig::Result<std::unique_ptr<ByteSource>> {
        asked_from = offset;
        struct Rest : ByteSource {
            std::string data;
            MemorySource src{data};
            explicit Rest(std::string d) : data(std::move(d)), src(data) {}
            brig::Result<size_t> read(std::span<std::byte> b) override { return src.read(b); }
        };
        return std::make_unique<Rest>(gz.substr(offset));
    };
    auto r = store->ingest_layer(in, opener);
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_GT(asked_from, 0u);
    EXPECT_EQ(static_cast<int64_t>(asked_from), static_cast<int64_t>(st.st_size));
    EXPECT_EQ(sha256_of(*store->read_blob(digest)), digest);
    EXPECT_EQ(read_file(store->layer_diff(*in.diff_id) + "/end"), "e");
}

TEST_F(StoreTest, ImagesTagFindRemoveAndGc) {
    auto a = make_image(*store, {TarBuilder().file("a", "1").str()}, "busybox");
    auto b = make_image(*store, {TarBuilder().file("b", "2").str()}, "other:v1");
    EXPECT_EQ(store->find_image("busybox")->id, a.id);
    EXPECT_EQ(store->find_image("docker.io/library/busybox:latest")->id, a.id);
    EXPECT_EQ(store->find_image(a.id.short_id())->id, a.id);
    EXPECT_EQ(store->find_image(a.id.str())->id, a.id);
    auto missing = store->find_image("nope");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("No such image: nope"), std::string::npos);
    ASSERT_TRUE(store->tag("busybox", "mine:2"));
    EXPECT_EQ(store->find_image("mine:2")->id, a.id);
    // Removing by id with two names needs force.
    auto rm = store->remove_image(a.id.short_id(), false);
    ASSERT_FALSE(rm);
    EXPECT_NE(rm.error().message.find("must be forced"), std::string::npos);
    rm = store->remove_image("mine:2", false);
    ASSERT_TRUE(rm);
    EXPECT_EQ(rm->untagged, std::vector<std::string>{"mine:2"});
    EXPECT_TRUE(rm->deleted.empty());
    rm = store->remove_image("busybox", false);
    ASSERT_TRUE(rm);
    EXPECT_EQ(rm->deleted.size(), 1u);
    auto st = store->gc();
    ASSERT_TRUE(st) << st.error().what();
    EXPECT_EQ(st->layers_removed, 1);
    EXPECT_EQ(st->blobs_removed, 3);  // manifest, config, layer of a
    EXPECT_FALSE(store->has_layer(a.layers[0].diff_id));
    EXPECT_TRUE(store->has_layer(b.layers[0].diff_id));
    EXPECT_TRUE(store->has_blob(b.manifest_digest));
    // Layers a container uses survive GC even without an image.
    ASSERT_TRUE(store->remove_image("other:v1", false));
    st = store->gc({b.layers[0].diff_id.hex});
    ASSERT_TRUE(st);
    EXPECT_TRUE(store->has_layer(b.layers[0].diff_id));
}

TEST_F(StoreTest, CorruptPartialIsDroppedNotReplayedForever) {
    std::string tar = TarBuilder().file("f", random_bytes(200000)).str();
    std::string gz = gzip(tar);
    LayerIngest in{"", sha256_of(gz), static_cast<int64_t>(gz.size()), sha256_of(tar)};
    std::string partial = tmp.path() + "/root/ingest/" + in.digest->hex + ".partial";
    write_file(partial, gz.substr(0, 10) + std::string(5000, 'G'));  // a poisoned earlier attempt
    auto opener = [&](uint64_t offset) -> brig::Result<std::unique_ptr<ByteSource>> {
        struct Rest : ByteSource {
            std::string data;
            MemorySource src{data};
            explicit Rest(std::string d) : data(std::move(d)), src(data) {}
            brig::Result<size_t> read(std::span<std::byte> b) override { return src.read(b); }
        };
        return std::make_unique<Rest>(gz.substr(offset));
    };
    auto r = store->ingest_layer(in, opener);
    ASSERT_FALSE(r);
    EXPECT_NE(::access(partial.c_str(), F_OK), 0);  // dropped
    EXPECT_FALSE(store->has_blob(*in.digest));
    r = store->ingest_layer(in, opener);
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_TRUE(store->has_blob(*in.digest));
}

TEST_F(StoreTest, SymlinkInALowerLayerIsNotFollowedByTheUpperOne) {
    // Each layer is unpacked on its own (as docker's overlay2 does): lib/x.so in an upper layer
    // whose lower layer has lib -> /usr/lib makes a directory lib in the upper layer's diff.
    auto img = make_image(*store,
                          {TarBuilder().dir("usr/lib/").symlink("lib", "/usr/lib").str(),
                           TarBuilder().file("lib/x.so", "so").str()},
                          "symlinks:lower");
    ASSERT_EQ(img.layers.size(), 2u);
    std::string upper = store->layer_diff(img.layers[1].diff_id);
    EXPECT_EQ(read_file(upper + "/lib/x.so"), "so");
    struct stat st {};
    ASSERT_EQ(::lstat((store->layer_diff(img.layers[0].diff_id) + "/lib").c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_NE(::lstat((store->layer_diff(img.layers[0].diff_id) + "/usr/lib/x.so").c_str(), &st), 0);
}
