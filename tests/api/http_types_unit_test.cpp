#include <gtest/gtest.h>

#include "api/container_list.hpp"
#include "api/http_types.hpp"

namespace brig::api {
namespace {

TEST(Query, Parses) {
    auto q = parse_query("all=1&filters=%7B%22status%22%3A%5B%22running%22%5D%7D&name=a+b&flag&=x");
    ASSERT_TRUE(q);
    Request r;
    r.query = *q;
    EXPECT_TRUE(r.q_bool("all"));
    EXPECT_EQ(r.q("filters").value(), R"({"status":["running"]})");
    EXPECT_EQ(r.q("name").value(), "a b");
    EXPECT_EQ(r.q("flag").value(), "");
    EXPECT_FALSE(r.q_bool("flag", true));
    EXPECT_TRUE(r.q_bool("missing", true));
    EXPECT_FALSE(parse_query("a=%4"));
    EXPECT_FALSE(parse_query("a=%g0"));
}

TEST(Query, Bools) {
    Request r;
    for (const char* v : {"0", "false", "no", "none", ""}) {
        r.query = {{"x", v}};
        EXPECT_FALSE(r.q_bool("x", true)) << v;
    }
    for (const char* v : {"1", "true", "True", "yes"}) {
        r.query = {{"x", v}};
        EXPECT_TRUE(r.q_bool("x")) << v;
    }
}

TEST(Query, Ints) {
    Request r;
    r.query = {{"t", "12"}, {"bad", "1x"}};
    EXPECT_EQ(r.q_int("t").value().value(), 12);
    EXPECT_FALSE(r.q_int("missing").value().has_value());
    auto bad = r.q_int("bad");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("bad"), std::string::npos);
}

TEST(Filters, BothForms) {
    auto f = parse_filters(R"({"status":["running","exited"],"label":{"a=b":true,"c":false}})");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->at("status"), (std::vector<std::string>{"running", "exited"}));
    EXPECT_EQ(f->at("label"), (std::vector<std::string>{"a=b"}));
    EXPECT_TRUE(parse_filters("")->empty());
    EXPECT_FALSE(parse_filters("[1]"));
    EXPECT_FALSE(parse_filters("{\"a\":3}"));
    EXPECT_FALSE(parse_filters("{not json"));
}

TEST(Frames, Stdcopy) {
    auto f = stdcopy_frame(2, "hi\n");
    ASSERT_EQ(f.size(), 11u);
    EXPECT_EQ(f[0], 2);
    EXPECT_EQ(f.substr(1, 6), std::string("\0\0\0\0\0\0", 6));
    EXPECT_EQ(f[7], 3);
    EXPECT_EQ(f.substr(8), "hi\n");
    auto big = stdcopy_frame(1, std::string(0x10203, 'x'));
    EXPECT_EQ(static_cast<unsigned char>(big[5]), 0x01);
    EXPECT_EQ(static_cast<unsigned char>(big[6]), 0x02);
    EXPECT_EQ(static_cast<unsigned char>(big[7]), 0x03);
}

TEST(ContainerFilters, Match) {
    engine::ContainerRecord rec;
    rec.id = "abcdef0123";
    rec.name = "web-1";
    rec.labels = {{"app", "web"}, {"tier", ""}};
    rec.image = "busybox";
    engine::LiveState live;
    live.status = "running";
    auto m = [&](const char* text) { return container_matches(*parse_filters(text), rec, live); };
    EXPECT_TRUE(*m(R"({"status":["running"]})"));
    EXPECT_FALSE(*m(R"({"status":["exited"]})"));
    EXPECT_TRUE(*m(R"({"status":["exited","running"]})"));
    EXPECT_TRUE(*m(R"({"name":["web"]})"));
    EXPECT_TRUE(*m(R"({"name":["/web-1"]})"));
    EXPECT_FALSE(*m(R"({"name":["db"]})"));
    EXPECT_TRUE(*m(R"({"id":["abcd"]})"));
    EXPECT_TRUE(*m(R"({"label":["app=web"],"status":["running"]})"));
    EXPECT_TRUE(*m(R"({"label":["tier"]})"));
    EXPECT_FALSE(*m(R"({"label":["app=db"]})"));
    // Labels are all-of (compose lists a project's containers by project and service labels).
    EXPECT_TRUE(*m(R"({"label":["app=web","tier"]})"));
    EXPECT_FALSE(*m(R"({"label":["app=web","tier=back"]})"));
    EXPECT_TRUE(*m(R"({"ancestor":["busybox"]})"));
    EXPECT_FALSE(m(R"({"status":["sleeping"]})"));
    EXPECT_FALSE(m(R"({"colour":["red"]})"));
}

TEST(ContainerSummary, DockerFields) {
    engine::ContainerRecord rec;
    rec.id = std::string(64, 'a');
    rec.name = "x";
    rec.cmd = {"echo", "hi"};
    rec.created = "2026-01-01T00:00:00.000000000Z";
    engine::LiveState live;
    auto j = container_summary(rec, live);
    EXPECT_EQ(j["Names"][0], "/x");
    EXPECT_EQ(j["Command"], "echo hi");
    EXPECT_TRUE(j["Created"].is_number_integer());
    EXPECT_EQ(j["State"], "created");
    EXPECT_EQ(j["Status"], "Created");
}

}  // namespace
}  // namespace brig::api
