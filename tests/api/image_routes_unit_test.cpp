// POST /images/{name}/tag and DELETE /images/{name} on an empty store (no root needed): the
// parameter and no-such-image errors, with docker's status codes and a message naming the thing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "api/service.hpp"

namespace brig::api {
namespace {

struct Fixture : ::testing::Test {
    std::filesystem::path root;
    Service svc;
    void SetUp() override {
        char tmpl[] = "/tmp/brig-api-img-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        root = tmpl;
        svc.root = root.string();
    }
    void TearDown() override { std::filesystem::remove_all(root); }
    Response call(std::string method, std::string target, std::multimap<std::string, std::string> query = {}) {
        Router r = make_router(svc);
        Request q;
        q.method = std::move(method);
        q.target = std::move(target);
        q.query = std::move(query);
        return r.dispatch(q);
    }
};

TEST_F(Fixture, TagNeedsRepo) {
    auto resp = call("POST", "/v1.41/images/busybox/tag");
    EXPECT_EQ(resp.status, 400);
    EXPECT_NE(resp.body.find("repo"), std::string::npos) << resp.body;
}

TEST_F(Fixture, TagUnknownImageIs404) {
    auto resp = call("POST", "/images/nosuch/img/tag", {{"repo", "x"}, {"tag", "1"}});
    EXPECT_EQ(resp.status, 404);
    EXPECT_NE(resp.body.find("No such image: nosuch/img"), std::string::npos) << resp.body;
}

TEST_F(Fixture, RemoveUnknownImageIs404) {
    auto resp = call("DELETE", "/v1.43/images/nosuch:1");
    EXPECT_EQ(resp.status, 404);
    EXPECT_NE(resp.body.find("No such image: nosuch:1"), std::string::npos) << resp.body;
}

}  // namespace
}  // namespace brig::api
