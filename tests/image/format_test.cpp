// Unit tests: digests, references, manifests, indexes, platform selection, image configs.
#include <gtest/gtest.h>

#include "image/digest.hpp"
#include "image/manifest.hpp"
#include "image/reference.hpp"

using namespace brig::image;

namespace {
const std::string kHexA(64, 'a');
const std::string kHexB(64, 'b');
const std::string kHexC(64, 'c');
}  // namespace

TEST(ImageDigest, ParseAndHash) {
    auto d = Digest::parse("sha256:" + kHexA);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->str(), "sha256:" + kHexA);
    EXPECT_FALSE(Digest::parse("sha256:" + std::string(63, 'a')));
    EXPECT_FALSE(Digest::parse("sha256:" + std::string(64, 'A')));
    EXPECT_FALSE(Digest::parse("md5:abc"));
    EXPECT_FALSE(Digest::parse(kHexA));
    EXPECT_EQ(sha256_of("").hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_of("abc").hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ImageReference, Normalizes) {
    auto r = parse_reference("busybox");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->str(), "docker.io/library/busybox:latest");
    EXPECT_EQ(r->familiar_repository(), "busybox");
    EXPECT_EQ(r->registry_host(), "registry-1.docker.io");
    r = parse_reference("localhost:5000/a/b:v1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->domain, "localhost:5000");
    EXPECT_EQ(r->path, "a/b");
    EXPECT_EQ(r->tag, "v1");
    r = parse_reference("user/app");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->str(), "docker.io/user/app:latest");
    r = parse_reference("quay.io/x/y@sha256:" + kHexA);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->tag.empty());
    EXPECT_EQ(r->str(), "quay.io/x/y@sha256:" + kHexA);
    r = parse_reference("localhost/img");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->domain, "localhost");
    auto bad = parse_reference("Busybox");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("lowercase"), std::string::npos);
    EXPECT_FALSE(parse_reference("a:b:c"));
    EXPECT_FALSE(parse_reference(""));
    EXPECT_FALSE(parse_reference("x@sha256:123"));
    EXPECT_TRUE(looks_like_id("abc123"));
    EXPECT_FALSE(looks_like_id("busybox"));
}

TEST(ImageManifest, ParsesOciAndDocker) {
    std::string oci = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
      "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:)" + kHexA + R"(","size":7},
      "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:)" + kHexB + R"(","size":99}],
      "annotations":{"k":"v"}})";
    auto m = parse_manifest(oci);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->config.digest.hex, kHexA);
    ASSERT_EQ(m->layers.size(), 1u);
    EXPECT_EQ(m->layers[0].size, 99);
    EXPECT_EQ(m->annotations.at("k"), "v");
    EXPECT_EQ(*document_media_type(oci), media::kOciManifest);
    // Round trip through the canonical writer.
    auto again = parse_manifest(manifest_to_json(*m));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->layers[0].digest, m->layers[0].digest);

    std::string docker = R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
      "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:)" + kHexA + R"(","size":7},
      "layers":[]})";
    ASSERT_TRUE(parse_manifest(docker));
    EXPECT_EQ(*document_media_type(docker), media::kDockerManifest);
}

TEST(ImageManifest, RejectsBadDocuments) {
    auto e = parse_manifest(R"({"schemaVersion":2,"config":{"digest":"sha256:zz","size":1},"layers":[]})");
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message.find("manifest.config.digest"), std::string::npos);
    e = parse_manifest(R"({"schemaVersion":2,"config":{"digest":"sha256:)" + kHexA + R"(","size":-1},"layers":[]})");
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message.find("size"), std::string::npos);
    EXPECT_FALSE(parse_manifest("not json"));
    EXPECT_FALSE(parse_manifest(R"({"schemaVersion":1})"));
    auto s1 = document_media_type(R"({"schemaVersion":1,"fsLayers":[]})");
    ASSERT_FALSE(s1);
    EXPECT_NE(s1.error().message.find("schema 1"), std::string::npos);
    EXPECT_FALSE(parse_index(R"({"schemaVersion":2,"manifests":{}})"));
}

TEST(ImagePlatform, ParseAndMatch) {
    auto p = Platform::parse("linux/arm64/v8");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->architecture, "arm64");
    EXPECT_EQ(p->variant, "v8");
    EXPECT_EQ(Platform::parse("linux/x86_64")->architecture, "amd64");
    EXPECT_EQ(Platform::parse("aarch64")->architecture, "arm64");
    EXPECT_FALSE(Platform::parse("linux//v7"));
    EXPECT_FALSE(Platform::parse("a/b/c/d"));
    Platform want = *Platform::parse("linux/arm64/v8");
    EXPECT_TRUE(want.matches(Platform{"linux", "arm64", "", {}}));  // arm64 without variant is v8
    EXPECT_FALSE(want.matches(Platform{"linux", "amd64", "", {}}));
    Platform arm = *Platform::parse("linux/arm");
    EXPECT_TRUE(arm.matches(Platform{"linux", "arm", "v7", {}}));  // no variant wanted: any
    EXPECT_FALSE(Platform::parse("linux/arm/v6")->matches(Platform{"linux", "arm", "v7", {}}));
}

TEST(ImagePlatform, SelectsFromIndex) {
    std::string idx = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" + kHexA + R"(","size":1,"platform":{"os":"linux","architecture":"amd64"}},
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" + kHexB + R"(","size":1,"platform":{"os":"linux","architecture":"arm","variant":"v7"}},
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" + kHexC + R"(","size":1,"platform":{"os":"unknown","architecture":"unknown"}}]})";
    auto index = parse_index(idx);
    ASSERT_TRUE(index) << index.error().message;
    EXPECT_EQ(select_platform(*index, *Platform::parse("linux/amd64"))->digest.hex, kHexA);
    EXPECT_EQ(select_platform(*index, *Platform::parse("linux/arm/v7"))->digest.hex, kHexB);
    auto none = select_platform(*index, *Platform::parse("linux/s390x"));
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("linux/amd64, linux/arm/v7"), std::string::npos) << none.error().message;
    EXPECT_EQ(none.error().message.find("unknown"), std::string::npos);
}

TEST(ImageConfig, Parses) {
    auto c = parse_image_config(R"({"architecture":"amd64","os":"linux","config":{"User":"app:staff","Env":["A=1"],
      "Entrypoint":["/bin/tini","--"],"Cmd":null,"WorkingDir":"/srv","ExposedPorts":{"80/tcp":{}},"Volumes":{"/data":{}},
      "StopSignal":"SIGQUIT","Labels":{"l":"v"}},"rootfs":{"type":"layers","diff_ids":["sha256:)" + kHexA + R"("]}})");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->user, "app:staff");
    ASSERT_TRUE(c->entrypoint);
    EXPECT_EQ(c->entrypoint->size(), 2u);
    EXPECT_FALSE(c->cmd);
    EXPECT_EQ(c->exposed_ports, std::vector<std::string>{"80/tcp"});
    EXPECT_EQ(c->volumes, std::vector<std::string>{"/data"});
    EXPECT_EQ(c->stop_signal, "SIGQUIT");
    EXPECT_EQ(c->diff_ids.size(), 1u);
    EXPECT_FALSE(parse_image_config(R"({"rootfs":{"type":"layers","diff_ids":["nope"]}})"));
    EXPECT_FALSE(parse_image_config(R"({"os":"linux"})"));
}
