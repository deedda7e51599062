#include <gtest/gtest.h>

#include "api/errors.hpp"
#include "api/router.hpp"

namespace brig::api {
namespace {

Router sample() {
    Router r;
    r.add("GET", "/containers/json", [](Request&) -> Result<Response> { return Response::json(200, nlohmann::json::array()); });
    r.add("GET", "/containers/{id}/json", [](Request& q) -> Result<Response> { return Response::json(200, nlohmann::json{{"id", q.params.at("id")}}); });
    r.add("GET", "/images/{name*}/json", [](Request& q) -> Result<Response> { return Response::json(200, nlohmann::json{{"name", q.params.at("name")}}); });
    r.add("POST", "/containers/{id}/kill", [](Request&) -> Result<Response> { return fail("No such container: x"); });
    r.unimplemented("GET", "/events");
    return r;
}

Response get(const Router& r, std::string method, std::string target) {
    Request q;
    q.method = std::move(method);
    q.target = std::move(target);
    return r.dispatch(q);
}

TEST(Router, MatchesParams) {
    auto r = sample();
    auto m = r.match("GET", "/containers/abc/json");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->params.at("id"), "abc");
    EXPECT_EQ(m->pattern, "/containers/{id}/json");
    EXPECT_FALSE(r.match("GET", "/containers/abc/def/json"));
}

TEST(Router, GreedyParamKeepsTheLiteralTail) {
    auto r = sample();
    auto m = r.match("GET", "/images/docker.io/library/busybox:latest/json");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->params.at("name"), "docker.io/library/busybox:latest");
}

TEST(Router, VersionPrefix) {
    auto r = sample();
    auto res = get(r, "GET", "/v1.41/containers/x1/json");
    EXPECT_EQ(res.status, 200);
    EXPECT_NE(res.body.find("\"x1\""), std::string::npos);
    EXPECT_EQ(get(r, "GET", "/containers/json").status, 200);
    EXPECT_EQ(get(r, "GET", "/v1.43/containers/json?all=1").status, 200);
    EXPECT_EQ(get(r, "GET", "/v1.99/containers/json").status, 400);
    EXPECT_EQ(get(r, "GET", "/v1.12/containers/json").status, 400);
    EXPECT_EQ(get(r, "GET", "/vx/containers/json").status, 404);
}

TEST(Router, SplitVersion) {
    auto v = split_version("/v1.40/_ping");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->version, "1.40");
    EXPECT_EQ(v->path, "/_ping");
    v = split_version("/_ping");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->version, "");
    EXPECT_FALSE(split_version("/v1/_ping"));
}

TEST(Router, UnknownNotImplementedAndErrors) {
    auto r = sample();
    auto nf = get(r, "GET", "/nothing/here");
    EXPECT_EQ(nf.status, 404);
    EXPECT_NE(nf.body.find("\"message\""), std::string::npos);
    auto ni = get(r, "GET", "/v1.41/events");
    EXPECT_EQ(ni.status, 501);
    EXPECT_NE(ni.body.find("GET /events"), std::string::npos);
    EXPECT_EQ(get(r, "DELETE", "/containers/json").status, 405);
    auto e = get(r, "POST", "/containers/x/kill");
    EXPECT_EQ(e.status, 404);
    EXPECT_NE(e.body.find("No such container: x"), std::string::npos);
    EXPECT_EQ(get(r, "GET", "/containers/%zz/json").status, 400);
}

TEST(Errors, StatusCodes) {
    EXPECT_EQ(status_for(Error{0, "No such container: abc"}), 404);
    EXPECT_EQ(status_for(Error{0, "No such image: busybox"}), 404);
    EXPECT_EQ(status_for(Error{0, "Conflict. The container name \"/a\" is already in use by container \"b\"."}), 409);
    EXPECT_EQ(status_for(Error{0, "cannot remove container \"/a\": container is running: stop the container"}), 409);
    EXPECT_EQ(status_for(Error{0, "Cannot kill container: a: container b is not running"}), 409);
    EXPECT_EQ(status_for(Error{0, "invalid --network \"x y\": bad"}), 400);
    EXPECT_EQ(status_for(Error{0, "conflicting options: cannot specify both --restart and --rm"}), 400);
    EXPECT_EQ(status_for(Error{5, "write /x"}), 500);
    auto r = error_from(Error{0, "No such container: q"});
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(nlohmann::json::parse(r.body)["message"], "No such container: q");
}

}  // namespace
}  // namespace brig::api
