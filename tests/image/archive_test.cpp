// Root tests: load / save / import round trips (docker-archive, OCI archive and layout; gzip,
// zstd, plain), multi-platform OCI layouts, archives that lie about digests.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "image/archive.hpp"
#include "test_util.hpp"

using namespace brig::image;
using namespace brig::image::test;

namespace {

class Archive : public ::testing::Test {
protected:
    void SetUp() override {
        if (!is_root()) GTEST_SKIP() << "needs root";
        src.emplace(std::move(*Store::open(tmp.path() + "/src")));
        dst.emplace(std::move(*Store::open(tmp.path() + "/dst")));
    }
    std::string save(const std::vector<SaveItem>& items, ArchiveFormat f) {
        std::string path = tmp.path() + "/out.tar";
        brig::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        auto r = save_archive(*src, items, f, fd.get());
        EXPECT_TRUE(r) << (r ? "" : r.error().what());
        return path;
    }
    ImageRecord two_layer_image(const std::string& layer1_compressed_as = "gzip") {
        std::string l1 = TarBuilder().dir("etc/").file("etc/os", "base").file("etc/gone", "x").str();
        std::string l2 = TarBuilder().file("etc/.wh.gone", "").file("app", "v2", 0755).str();
        std::string c1 = layer1_compressed_as == "gzip" ? gzip(l1) : layer1_compressed_as == "zstd" ? zstd(l1) : l1;
        return make_image(*src, {c1, zstd(l2)}, "example.com/app:1", R"(,"WorkingDir":"/srv")");
    }
    TempDir tmp;
    std::optional<Store> src, dst;
};

}  // namespace

TEST_F(Archive, DockerArchiveRoundTrip) {
    auto img = two_layer_image();
    std::string path = save({{img, img.names}}, ArchiveFormat::Docker);
    auto r = load_archive(*dst, path, Platform::host());
    ASSERT_TRUE(r) << r.error().what();
    ASSERT_EQ(r->names, std::vector<std::string>{"example.com/app:1"});
    auto got = dst->find_image("example.com/app:1");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->id, img.id);  // the config travels verbatim: same image id
    ASSERT_EQ(got->layers.size(), 2u);
    EXPECT_EQ(got->layers[0].diff_id, img.layers[0].diff_id);
    EXPECT_EQ(read_file(dst->layer_diff(got->layers[1].diff_id) + "/app"), "v2");
    // Compressed archives load too.
    for (auto& [name, data] : {std::pair{"gz", gzip(read_file(path))}, std::pair{"zst", zstd(read_file(path))}}) {
        Store third = std::move(*Store::open(tmp.path() + "/third-" + name));
        write_file(tmp.path() + "/c." + name, data);
        auto r2 = load_archive(third, tmp.path() + "/c." + name, Platform::host());
        ASSERT_TRUE(r2) << name << ": " << r2.error().what();
        EXPECT_EQ(third.find_image("example.com/app:1")->id, img.id);
    }
}

TEST_F(Archive, OciArchiveRoundTripKeepsManifestDigest) {
    for (std::string comp : {"gzip", "zstd", "plain"}) {
        auto img = two_layer_image(comp);
        std::string path = save({{img, img.names}}, ArchiveFormat::Oci);
        Store d = std::move(*Store::open(tmp.path() + "/oci-" + comp));
        auto r = load_archive(d, path, Platform::host());
        ASSERT_TRUE(r) << comp << ": " << r.error().what();
        auto got = d.find_image("example.com/app:1");
        ASSERT_TRUE(got);
        EXPECT_EQ(got->manifest_digest, img.manifest_digest);
        EXPECT_EQ(got->layers[0].digest, img.layers[0].digest);  // blobs kept as compressed
    }
}

TEST_F(Archive, OciLayoutDirectoryWithIndexAndPlatforms) {
    auto img = two_layer_image();
    std::string path = save({{img, {}}}, ArchiveFormat::Oci);
    std::string dir = tmp.path() + "/layout";
    ::mkdir(dir.c_str(), 0755);
    ASSERT_EQ(std::system(("tar -C " + dir + " -xf " + path).c_str()), 0);
    // Wrap the manifest in a nested multi-platform index (as `skopeo copy --all` writes).
    auto index = nlohmann::json::parse(read_file(dir + "/index.json"));
    auto mdesc = index["manifests"][0];
    mdesc["platform"] = {{"os", "linux"}, {"architecture", Platform::host().architecture}};
    nlohmann::json other = mdesc;
    other["platform"] = {{"os", "linux"}, {"architecture", "s390x"}};
    other["digest"] = "sha256:" + std::string(64, 'f');
    nlohmann::json nested = {{"schemaVersion", 2}, {"mediaType", media::kOciIndex}, {"manifests", {other, mdesc}}};
    std::string nested_text = nested.dump();
    Digest nd = sha256_of(nested_text);
    write_file(dir + "/blobs/sha256/" + nd.hex, nested_text);
    nlohmann::json top = {{"schemaVersion", 2}, {"manifests", {{{"mediaType", media::kOciIndex}, {"digest", nd.str()},
        {"size", nested_text.size()}, {"annotations", {{"io.containerd.image.name", "docker.io/library/multi:1"}}}}}}};
    write_file(dir + "/index.json", top.dump());
    auto r = load_archive(*dst, dir, Platform::host());
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(dst->find_image("multi:1")->id, img.id);
    auto wrong = load_archive(*dst, dir, *Platform::parse("linux/riscv64"));
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message.find("s390x"), std::string::npos) << wrong.error().message;
}

TEST_F(Archive, TamperedBlobIsRefused) {
    auto img = two_layer_image("plain");
    std::string path = save({{img, img.names}}, ArchiveFormat::Oci);
    std::string dir = tmp.path() + "/layout";
    ::mkdir(dir.c_str(), 0755);
    ASSERT_EQ(std::system(("tar -C " + dir + " -xf " + path).c_str()), 0);
    std::string layer = dir + "/blobs/sha256/" + img.layers[0].digest.hex;
    std::string data = read_file(layer);
    data[600] ^= 1;  // flip a bit in the first file's contents
    ::chmod(layer.c_str(), 0644);
    write_file(layer, data);
    auto r = load_archive(*dst, dir, Platform::host());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("mismatch"), std::string::npos) << r.error().message;
    EXPECT_FALSE(dst->has_blob(img.layers[0].digest));
    EXPECT_FALSE(dst->find_image("example.com/app:1"));
}

TEST_F(Archive, ImportRootfsTarball) {
    std::string tar = gzip(TarBuilder().dir("bin/").file("bin/hello", "#!/bin/sh\necho hi\n", 0755).str());
    MemorySource s(tar);
    ImportOptions o;
    o.name = "imported:v1";
    o.changes = {"CMD [\"/bin/hello\"]", "ENV A=b", "WORKDIR /bin"};
    auto rec = import_rootfs(*src, s, o);
    ASSERT_TRUE(rec) << rec.error().what();
    auto cfg = src->image_config(*rec);
    ASSERT_TRUE(cfg);
    EXPECT_EQ(*cfg->cmd, std::vector<std::string>{"/bin/hello"});
    EXPECT_EQ(cfg->working_dir, "/bin");
    EXPECT_EQ(cfg->env.back(), "A=b");
    EXPECT_EQ(rec->layers[0].media_type, media::kOciLayerGzip);
    EXPECT_EQ(read_file(src->layer_diff(rec->layers[0].diff_id) + "/bin/hello"), "#!/bin/sh\necho hi\n");
    MemorySource bad(tar);
    o.changes = {"RUN rm -rf /"};
    auto e = import_rootfs(*src, bad, o);
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message.find("RUN"), std::string::npos);
}

TEST_F(Archive, NotAnArchive) {
    write_file(tmp.path() + "/junk", std::string(5000, 'j'));
    auto r = load_archive(*dst, tmp.path() + "/junk", Platform::host());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("not an image archive"), std::string::npos) << r.error().what();
}

TEST_F(Archive, DockerArchiveWithSymlinkedDuplicateLayer) {
    // `docker save` (legacy format) links a repeated layer: b/layer.tar -> ../a/layer.tar.
    std::string layer = TarBuilder().file("same", "1").str();
    std::string diff = sha256_of(layer).str();
    std::string config = R"({"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[")" + diff +
                         R"(",")" + diff + R"("]}})";
    std::string archive = TarBuilder()
                              .dir("a/")
                              .file("a/layer.tar", layer)
                              .dir("b/")
                              .symlink("b/layer.tar", "../a/layer.tar")
                              .file("c.json", config)
                              .file("manifest.json", R"([{"Config":"c.json","RepoTags":["dup:1"],"Layers":["a/layer.tar","b/layer.tar"]}])")
                              .str();
    write_file(tmp.path() + "/dup.tar", archive);
    auto r = load_archive(*dst, tmp.path() + "/dup.tar", Platform::host());
    ASSERT_TRUE(r) << r.error().what();
    auto img = dst->find_image("dup:1");
    ASSERT_TRUE(img);
    EXPECT_EQ(img->layers.size(), 2u);
    EXPECT_EQ(img->id, sha256_of(config));
}
