// Docker's status codes and response shapes of the network, volume and container prune routes,
// request by request (curl on the service's socket; the docker CLI hides the codes).

#include <tuple>

#include "docker_cli_fixture.hpp"

namespace brig::test {
namespace {

// Docker's status codes and response shapes, request by request.
TEST_F(DockerCli, NetworkVolumePruneStatusCodesAndShapes) {
    if (!fs::exists("/usr/bin/curl")) GTEST_SKIP() << "needs /usr/bin/curl";
    auto [st, j] = http("POST", "/networks/create", R"({"Name":"codes","Labels":{"a":"b"}})");
    ASSERT_EQ(st, 201) << j;
    EXPECT_EQ(j["Id"].get<std::string>().size(), 64u);
    EXPECT_EQ(j["Warning"], "");
    std::tie(st, j) = http("POST", "/networks/create", R"({"Name":"codes"})");
    EXPECT_EQ(st, 409) << j;
    std::tie(st, j) = http("POST", "/networks/create", R"({"Name":"bridge"})");
    EXPECT_EQ(st, 403) << j;
    std::tie(st, j) = http("POST", "/networks/create", R"({"Driver":"bridge"})");
    EXPECT_EQ(st, 400) << j;
    std::tie(st, j) = http("POST", "/networks/create", "{not json");
    EXPECT_EQ(st, 400) << j;
    std::tie(st, j) = http("GET", "/networks/codes");
    ASSERT_EQ(st, 200) << j;
    EXPECT_EQ(j["Name"], "codes");
    EXPECT_EQ(j["Labels"]["a"], "b");
    EXPECT_EQ(j["Scope"], "local");
    EXPECT_TRUE(j["Containers"].is_object());
    std::tie(st, j) = http("GET", "/networks/nope");
    EXPECT_EQ(st, 404) << j;
    EXPECT_EQ(j["message"], "No such network: nope");
    std::tie(st, j) = http("GET", "/networks?filters=" + std::string("%7B%22color%22%3A%5B%22red%22%5D%7D"));
    EXPECT_EQ(st, 400) << j;
    std::tie(st, j) = http("POST", "/networks/codes/connect", R"({"Container":"ghost"})");
    EXPECT_EQ(st, 404) << j;
    std::tie(st, j) = http("POST", "/networks/codes/connect", R"({})");
    EXPECT_EQ(st, 400) << j;
    std::tie(st, j) = http("DELETE", "/networks/bridge");
    EXPECT_EQ(st, 403) << j;
    std::tie(st, j) = http("DELETE", "/networks/codes");
    EXPECT_EQ(st, 204) << j;
    std::tie(st, j) = http("DELETE", "/networks/codes");
    EXPECT_EQ(st, 404) << j;
    std::tie(st, j) = http("POST", "/networks/prune");
    ASSERT_EQ(st, 200) << j;
    EXPECT_TRUE(j["NetworksDeleted"].is_array()) << j;

    std::tie(st, j) = http("POST", "/volumes/create", R"({"Name":"v1","Labels":{"k":"v"}})");
    ASSERT_EQ(st, 201) << j;
    EXPECT_EQ(j["Name"], "v1");
    EXPECT_EQ(j["Driver"], "local");
    EXPECT_EQ(j["Mountpoint"], root_ + "/volumes/v1/_data");
    std::tie(st, j) = http("POST", "/volumes/create", R"({"Name":"v1"})");  // as docker: the existing one
    EXPECT_EQ(st, 201) << j;
    EXPECT_EQ(j["Labels"]["k"], "v");
    std::tie(st, j) = http("POST", "/volumes/create", R"({"Driver":"nfs"})");
    EXPECT_EQ(st, 400) << j;
    std::tie(st, j) = http("POST", "/volumes/create", R"({"Name":"a/b"})");
    EXPECT_EQ(st, 400) << j;
    std::tie(st, j) = http("GET", "/volumes");
    ASSERT_EQ(st, 200) << j;
    ASSERT_EQ(j["Volumes"].size(), 1u) << j;
    EXPECT_EQ(j["Volumes"][0]["Name"], "v1");
    EXPECT_TRUE(j["Warnings"].is_array());
    std::tie(st, j) = http("GET", "/volumes/v1");
    EXPECT_EQ(st, 200) << j;
    std::tie(st, j) = http("GET", "/volumes/nope");
    EXPECT_EQ(st, 404) << j;
    EXPECT_EQ(j["message"], "No such volume: nope");
    ASSERT_EQ(docker_run({"-d", "--name", "holder", "-v", "v1:/data"}, {"sleep", "300"}).code, 0);
    std::tie(st, j) = http("DELETE", "/volumes/v1");
    EXPECT_EQ(st, 409) << j;
    std::tie(st, j) = http("DELETE", "/volumes/v1?force=1");  // force does not take a volume in use
    EXPECT_EQ(st, 409) << j;
    // API 1.43: prune takes anonymous volumes only unless all=true; v1 is in use anyway.
    ASSERT_EQ(http("POST", "/volumes/create", R"({"Name":"v2"})").first, 201);
    std::tie(st, j) = http("POST", "/volumes/prune");
    ASSERT_EQ(st, 200) << j;
    EXPECT_TRUE(j["VolumesDeleted"].empty()) << j;
    EXPECT_EQ(j["SpaceReclaimed"], 0);
    std::tie(st, j) = http("POST", "/volumes/prune?filters=%7B%22all%22%3A%5B%22true%22%5D%7D");
    ASSERT_EQ(st, 200) << j;
    EXPECT_EQ(j["VolumesDeleted"], json::array({"v2"})) << j;
    ASSERT_EQ(docker({"rm", "-f", "holder"}).code, 0);
    std::tie(st, j) = http("DELETE", "/volumes/v1");
    EXPECT_EQ(st, 204) << j;
    std::tie(st, j) = http("DELETE", "/volumes/v1");
    EXPECT_EQ(st, 404) << j;
    std::tie(st, j) = http("DELETE", "/volumes/v1?force=1");
    EXPECT_EQ(st, 204) << j;

    std::tie(st, j) = http("POST", "/containers/prune");
    ASSERT_EQ(st, 200) << j;
    EXPECT_TRUE(j["ContainersDeleted"].is_array()) << j;
    EXPECT_TRUE(j["SpaceReclaimed"].is_number()) << j;
    std::tie(st, j) = http("POST", "/containers/prune?filters=%7B%22until%22%3A%5B%22soon%22%5D%7D");
    EXPECT_EQ(st, 400) << j;
}

}  // namespace
}  // namespace brig::test
