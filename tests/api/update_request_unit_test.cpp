// POST /containers/{id}/update bodies as the docker CLI sends them -> engine::UpdateRequest.
#include <gtest/gtest.h>

#include "api/update_request.hpp"

namespace brig::api {
namespace {

using nlohmann::json;

TEST(UpdateRequest, ZeroFieldsAreUnchanged) {
    // docker 20.10's `update --memory 96m`: every field, the unset ones zero.
    auto body = json::parse(R"({"BlkioWeight":0,"CpuPeriod":0,"CpuQuota":0,"CpuShares":0,"CpusetCpus":"","Memory":100663296,
        "MemorySwap":0,"NanoCpus":0,"PidsLimit":null,"RestartPolicy":{"Name":"","MaximumRetryCount":0}})");
    auto rq = update_request_from_json(body, "abc");
    ASSERT_TRUE(rq) << rq.error().what();
    EXPECT_EQ(rq->id, "abc");
    EXPECT_EQ(rq->memory, 96 << 20);
    EXPECT_FALSE(rq->memory_swap || rq->nano_cpus || rq->cpu_shares || rq->cpuset_cpus || rq->pids_limit || rq->restart);
}

TEST(UpdateRequest, EveryField) {
    auto body = json::parse(R"({"Memory":134217728,"MemorySwap":-1,"NanoCpus":1500000000,"CpuShares":512,"CpusetCpus":"0",
        "PidsLimit":0,"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}})");
    auto rq = update_request_from_json(body, "abc");
    ASSERT_TRUE(rq) << rq.error().what();
    EXPECT_EQ(rq->memory_swap, -1);
    EXPECT_EQ(rq->nano_cpus, 1500000000);
    EXPECT_EQ(rq->cpu_shares, 512);
    EXPECT_EQ(rq->cpuset_cpus, "0");
    EXPECT_EQ(rq->pids_limit, 0);  // given: unlimited
    ASSERT_TRUE(rq->restart);
    EXPECT_EQ(rq->restart->name, "on-failure");
    EXPECT_EQ(rq->restart->max_retries, 3);
}

TEST(UpdateRequest, ErrorsNameTheField) {
    auto rq = update_request_from_json(json::parse(R"({"Memory":"lots"})"), "abc");
    ASSERT_FALSE(rq);
    EXPECT_NE(rq.error().message.find("UpdateConfig.Memory"), std::string::npos) << rq.error().message;
    rq = update_request_from_json(json::parse(R"({"RestartPolicy":{"Name":"sometimes"}})"), "abc");
    ASSERT_FALSE(rq);
    EXPECT_NE(rq.error().message.find("RestartPolicy"), std::string::npos) << rq.error().message;
    EXPECT_FALSE(update_request_from_json(json::array(), "abc"));
}

}  // namespace
}  // namespace brig::api
