// The pure parts of the image transfer routes: X-Registry-Auth, references, prune filters, and
// docker's JSON progress messages from the registry code's lines.
#include <gtest/gtest.h>

#include <vector>

#include "api/image_request.hpp"
#include "api/progress_json.hpp"
#include "image/registry/challenge.hpp"

namespace brig::api {
namespace {

std::string b64url(std::string_view s) {
    std::string b = registry::base64_encode(s);
    for (char& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!b.empty() && b.back() == '=') b.pop_back();
    return b;
}

TEST(RegistryAuth, DecodesDockersHeader) {
    auto c = registry_auth(b64url(R"({"username":"u","password":"p?>","serveraddress":"r:5000"})"));
    ASSERT_TRUE(c && *c);
    EXPECT_EQ((*c)->username, "u");
    EXPECT_EQ((*c)->password, "p?>");
    EXPECT_EQ(*registry_auth(""), std::nullopt);
    EXPECT_EQ(*registry_auth(b64url("{}")), std::nullopt);
    EXPECT_FALSE(registry_auth("!!!"));
    EXPECT_FALSE(registry_auth(b64url("[1]")));
}

TEST(ImageReferences, TagsAndDigests) {
    EXPECT_EQ(tagged_reference("busybox", "")->str(), "docker.io/library/busybox:latest");
    EXPECT_EQ(tagged_reference("127.0.0.1:5000/bb", "1")->str(), "127.0.0.1:5000/bb:1");
    std::string d = "sha256:" + std::string(64, 'a');
    EXPECT_EQ(tagged_reference("busybox", d)->str(), "docker.io/library/busybox@" + d);
    EXPECT_FALSE(tagged_reference("", "1"));
    EXPECT_FALSE(tagged_reference("Busy", "1"));
    EXPECT_EQ(registry_of_server_address("https://index.docker.io/v1/"), "docker.io");
    EXPECT_EQ(registry_of_server_address(""), "docker.io");
    EXPECT_EQ(registry_of_server_address("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
    EXPECT_EQ(registry_of_server_address("quay.io"), "quay.io");
}

TEST(ImagePrune, DanglingFilter) {
    EXPECT_FALSE(*prune_all_images({}));
    EXPECT_FALSE(*prune_all_images({{"dangling", {"true"}}}));
    EXPECT_TRUE(*prune_all_images({{"dangling", {"false"}}}));
    EXPECT_FALSE(prune_all_images({{"dangling", {"maybe"}}}));
    EXPECT_FALSE(prune_all_images({{"until", {"24h"}}}));
}

TEST(ProgressJson, LinesBecomeDockerMessages) {
    EXPECT_EQ(status_json("3f4d90098f5b: Pull complete"),
              "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"3f4d90098f5b\"}\n");
    EXPECT_EQ(status_json("Digest: sha256:ab"), "{\"status\":\"Digest: sha256:ab\"}\n");
    EXPECT_EQ(stream_json("Loaded image: x\n"), "{\"stream\":\"Loaded image: x\\n\"}\n");
    EXPECT_EQ(error_json("boom"), "{\"errorDetail\":{\"message\":\"boom\"},\"error\":\"boom\"}\n");
}

TEST(ProgressJson, LineFileHandsOverWholeLines) {
    std::vector<std::string> got;
    {
        LineFile f([&](std::string_view l) { got.emplace_back(l); });
        std::fputs("one\ntw", f.get());
        std::fflush(f.get());
        std::fputs("o\nthree", f.get());
    }
    EXPECT_EQ(got, (std::vector<std::string>{"one", "two", "three"}));
}

}  // namespace
}  // namespace brig::api
