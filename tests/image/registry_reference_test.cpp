// References as the registry side uses them (docker's normalization, what is sent to the API).
#include "image/reference.hpp"

#include <gtest/gtest.h>

namespace brig::image {
namespace {

struct Case {
    const char* in;
    const char* domain;
    const char* path;
    const char* tag;
    const char* digest;  // "" = none
    const char* host;    // what the API is reached at
};

TEST(RegistryReference, DockerAndPodmanForms) {
    const std::string d = "sha256:" + std::string(64, 'a');
    const Case cases[] = {
        {"busybox", "docker.io", "library/busybox", "latest", "", "registry-1.docker.io"},
        {"library/busybox:1.36", "docker.io", "library/busybox", "1.36", "", "registry-1.docker.io"},
        {"docker.io/busybox", "docker.io", "library/busybox", "latest", "", "registry-1.docker.io"},
        {"index.docker.io/library/busybox:1", "docker.io", "library/busybox", "1", "", "registry-1.docker.io"},
        {"someone/app:v2", "docker.io", "someone/app", "v2", "", "registry-1.docker.io"},
        {"localhost:5000/a/b:tag", "localhost:5000", "a/b", "tag", "", "localhost:5000"},
        {"localhost/a", "localhost", "a", "latest", "", "localhost"},
        {"127.0.0.1:5000/x", "127.0.0.1:5000", "x", "latest", "", "127.0.0.1:5000"},
        {"quay.io/org/deep/name:1.0-rc.1", "quay.io", "org/deep/name", "1.0-rc.1", "", "quay.io"},
    };
    for (const auto& c : cases) {
        auto r = parse_reference(c.in);
        ASSERT_TRUE(r) << c.in << ": " << r.error().what();
        EXPECT_EQ(r->domain, c.domain) << c.in;
        EXPECT_EQ(r->path, c.path) << c.in;
        EXPECT_EQ(r->tag, c.tag) << c.in;
        EXPECT_FALSE(r->digest) << c.in;
        EXPECT_EQ(r->registry_host(), c.host) << c.in;
    }
    auto byd = parse_reference("host.example/x@" + d);
    ASSERT_TRUE(byd) << byd.error().what();
    EXPECT_EQ(byd->domain, "host.example");
    EXPECT_EQ(byd->path, "x");
    EXPECT_TRUE(byd->tag.empty());
    ASSERT_TRUE(byd->digest);
    EXPECT_EQ(byd->digest->str(), d);
    EXPECT_EQ(byd->str(), "host.example/x@" + d);
    EXPECT_EQ(parse_reference("busybox")->str(), "docker.io/library/busybox:latest");
}

TEST(RegistryReference, BadReferencesAreRefusedClearly) {
    for (const char* bad : {"", "UPPER/case", "a//b", "a/b:", "a:tag with space", "a/b:-tag", "a/b@sha256:abc",
                            "a/b@md5:" "0123456789abcdef0123456789abcdef", ":tag", "a/b:" "x" "!"}) {
        auto r = parse_reference(bad);
        EXPECT_FALSE(r) << "accepted: \"" << bad << "\"";
    }
    auto upper = parse_reference("Busybox");
    ASSERT_FALSE(upper);
    EXPECT_NE(upper.error().what().find("lowercase"), std::string::npos) << upper.error().what();
    auto long_tag = parse_reference("a:" + std::string(129, 't'));
    EXPECT_FALSE(long_tag);
}

}  // namespace
}  // namespace brig::image
