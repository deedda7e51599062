// The network and volume routes' pure parts: the request bodies as the docker CLI sends them,
// the list and prune filters, and the status codes of the engine's network and volume errors.
#include <gtest/gtest.h>

#include "api/errors.hpp"
#include "api/netvol_filters.hpp"
#include "api/netvol_request.hpp"
#include "common/time.hpp"

namespace brig::api {
namespace {

using nlohmann::json;

Filters filters(const char* text) {
    auto f = parse_filters(text);
    EXPECT_TRUE(f) << f.error().what();
    return f ? *f : Filters{};
}

network::NetworkInfo net(std::string name, std::string id, std::vector<std::pair<std::string, std::string>> labels = {},
                         bool with_container = false) {
    network::NetworkInfo n;
    n.name = std::move(name);
    n.id = std::move(id);
    n.labels = std::move(labels);
    if (with_container) n.endpoints.push_back(network::Endpoint{.container_id = "c1"});
    return n;
}

TEST(NetworkCreateRequest, DockerCliBody) {
    // docker 20.10's `network create --subnet 10.99.0.0/24 --gateway 10.99.0.254 --label a=b -o
    // com.docker.network.driver.mtu=1400 n`.
    auto body = json::parse(R"({"Name":"n","CheckDuplicate":true,"Driver":"bridge","Scope":"","EnableIPv6":false,
        "IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"10.99.0.0/24","Gateway":"10.99.0.254"}]},
        "Internal":true,"Attachable":false,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,
        "Options":{"com.docker.network.driver.mtu":"1400"},"Labels":{"a":"b"}})");
    auto o = network_create_from_json(body);
    ASSERT_TRUE(o) << o.error().what();
    EXPECT_EQ(o->name, "n");
    EXPECT_EQ(o->subnets, std::vector<std::string>{"10.99.0.0/24"});
    EXPECT_EQ(o->gateways, std::vector<std::string>{"10.99.0.254"});
    EXPECT_TRUE(o->internal);
    EXPECT_EQ(o->mtu, 1400);
    ASSERT_EQ(o->labels.size(), 1u);
    EXPECT_EQ(o->labels[0], (std::pair<std::string, std::string>{"a", "b"}));
    // The minimal body: a name; an empty driver is bridge.
    o = network_create_from_json(json{{"Name", "m"}});
    ASSERT_TRUE(o) << o.error().what();
    EXPECT_TRUE(o->subnets.empty());
    EXPECT_EQ(o->mtu, 0);
}

TEST(NetworkCreateRequest, Refusals) {
    auto bad = [](const char* text) {
        auto o = network_create_from_json(json::parse(text));
        EXPECT_FALSE(o) << text;
        return o ? std::string() : o.error().message;
    };
    EXPECT_NE(bad(R"({})").find("Name"), std::string::npos);
    EXPECT_NE(bad(R"({"Name":"n","Driver":"overlay"})").find("overlay"), std::string::npos);
    EXPECT_NE(bad(R"({"Name":"n","IPAM":{"Driver":"other"}})").find("IPAM.Driver"), std::string::npos);
    EXPECT_NE(bad(R"({"Name":"n","IPAM":{"Config":[{"Subnet":"10.1.0.0/16","IPRange":"10.1.2.0/24"}]}})").find("IPRange"),
              std::string::npos);
    EXPECT_NE(bad(R"({"Name":"n","Options":{"com.docker.network.bridge.enable_icc":"false"}})").find("unknown network option"),
              std::string::npos);
    EXPECT_NE(bad(R"({"Name":"n","Options":{"mtu":"big"}})").find("invalid MTU"), std::string::npos);
    EXPECT_NE(bad(R"({"Name":"n","Internal":"yes"})").find("Internal: expected a boolean"), std::string::npos);
    EXPECT_NE(bad(R"({"Name":"n","Ingress":true})").find("Ingress"), std::string::npos);
    EXPECT_NE(bad(R"([1])").find("JSON object"), std::string::npos);
}

TEST(NetworkConnectRequest, Bodies) {
    auto rq = network_connect_from_json(json::parse(R"({"Container":"web","EndpointConfig":{"IPAMConfig":
        {"IPv4Address":"10.99.0.9","IPv6Address":""},"Links":null,"Aliases":["www"]}})"), "n");
    ASSERT_TRUE(rq) << rq.error().what();
    EXPECT_EQ(rq->network, "n");
    EXPECT_EQ(rq->container, "web");
    EXPECT_EQ(rq->ipv4, "10.99.0.9");
    EXPECT_EQ(rq->ipv6, "");
    EXPECT_EQ(rq->aliases, std::vector<std::string>{"www"});
    EXPECT_FALSE(network_connect_from_json(json::object(), "n"));
    EXPECT_FALSE(network_connect_from_json(json::parse(R"({"Container":"c","EndpointConfig":{"Aliases":"x"}})"), "n"));

    auto d = network_disconnect_from_json(json::parse(R"({"Container":"web","Force":true})"));
    ASSERT_TRUE(d) << d.error().what();
    EXPECT_EQ(d->container, "web");
    EXPECT_TRUE(d->force);
    EXPECT_FALSE(network_disconnect_from_json(json::parse(R"({"Force":false})")));
}

TEST(VolumeCreateRequest, Bodies) {
    auto v = volume_create_from_json(json::parse(R"({"Driver":"local","DriverOpts":{"type":"tmpfs","device":"tmpfs"},
        "Labels":{"k":"v"},"Name":"data"})"));
    ASSERT_TRUE(v) << v.error().what();
    EXPECT_EQ(v->name, "data");
    EXPECT_EQ(v->options.at("type"), "tmpfs");
    EXPECT_EQ(v->labels.at("k"), "v");
    v = volume_create_from_json(json::object());  // a name of the engine's choice
    ASSERT_TRUE(v);
    EXPECT_EQ(v->name, "");
    EXPECT_FALSE(volume_create_from_json(json::parse(R"({"Driver":"nfs"})")));
    EXPECT_FALSE(volume_create_from_json(json::parse(R"({"Labels":["a"]})")));
}

TEST(NetworkFilter, Keys) {
    auto bridge = net("bridge", "b0b0"), web = net("web-net", "abc123", {{"app", "web"}, {"tier", "1"}}, true),
         idle = net("idle", "def456", {{"app", "db"}});
    auto match = [&](const char* text, const network::NetworkInfo& n) {
        auto f = NetworkFilter::parse(filters(text));
        EXPECT_TRUE(f) << text;
        return f && f->matches(n);
    };
    EXPECT_TRUE(match("", bridge));
    EXPECT_TRUE(match(R"({"name":["web"]})", web));
    EXPECT_FALSE(match(R"({"name":["web"]})", idle));
    EXPECT_TRUE(match(R"({"name":["nothing","idl"]})", idle));  // values of one key: alternatives
    EXPECT_TRUE(match(R"({"id":["abc"]})", web));
    EXPECT_FALSE(match(R"({"id":["bc"]})", web));
    EXPECT_TRUE(match(R"({"label":["app=web","tier"]})", web));  // labels: all of them
    EXPECT_FALSE(match(R"({"label":["app=web","tier=2"]})", web));
    EXPECT_FALSE(match(R"({"label":["app"]})", bridge));
    EXPECT_TRUE(match(R"({"driver":["bridge"],"scope":["local"]})", web));
    EXPECT_FALSE(match(R"({"scope":["swarm"]})", web));
    EXPECT_TRUE(match(R"({"type":["builtin"]})", bridge));
    EXPECT_FALSE(match(R"({"type":["custom"]})", bridge));
    EXPECT_TRUE(match(R"({"dangling":["true"]})", idle));
    EXPECT_FALSE(match(R"({"dangling":["1"]})", web));
    EXPECT_FALSE(match(R"({"dangling":["true"]})", bridge));  // predefined: never dangling
    EXPECT_TRUE(match(R"({"dangling":["false"]})", web));
    EXPECT_FALSE(NetworkFilter::parse(filters(R"({"color":["red"]})")));
    EXPECT_FALSE(NetworkFilter::parse(filters(R"({"dangling":["maybe"]})")));
    EXPECT_FALSE(NetworkFilter::parse(filters(R"({"type":["other"]})")));
}

TEST(VolumeFilter, Keys) {
    storage::Volume v{.name = "data-1", .labels = {{"k", "v"}}};
    auto f = VolumeFilter::parse(filters(R"({"name":["data"],"label":["k=v"],"driver":["local"]})"));
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->needs_users());
    EXPECT_TRUE(f->matches(v, true));
    f = VolumeFilter::parse(filters(R"({"dangling":["true"]})"));
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->needs_users());
    EXPECT_TRUE(f->matches(v, false));
    EXPECT_FALSE(f->matches(v, true));
    f = VolumeFilter::parse(filters(R"({"label":["k=w"]})"));
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->matches(v, false));
    EXPECT_FALSE(VolumeFilter::parse(filters(R"({"until":["1h"]})")));
    EXPECT_FALSE(VolumeFilter::parse(filters(R"({"dangling":["yes"]})")));
}

TEST(PruneFilter, LabelsUntilAndAll) {
    auto pf = PruneFilter::parse(filters(R"({"label":["keep"],"label!":["tmp=1"]})"), PruneKind::Containers);
    ASSERT_TRUE(pf) << pf.error().what();
    std::string created = now_rfc3339_nano();
    EXPECT_TRUE(pf->matches({{"keep", ""}}, created));
    EXPECT_FALSE(pf->matches({{"keep", ""}, {"tmp", "1"}}, created));
    EXPECT_TRUE(pf->matches({{"keep", ""}, {"tmp", "2"}}, created));
    EXPECT_FALSE(pf->matches({}, created));

    // until: created before it (a duration back from now, or a time).
    pf = PruneFilter::parse(filters(R"({"until":["1h"]})"), PruneKind::Networks);
    ASSERT_TRUE(pf) << pf.error().what();
    EXPECT_FALSE(pf->matches({}, created));
    EXPECT_TRUE(pf->matches({}, "2020-01-01T00:00:00Z"));
    EXPECT_FALSE(pf->matches({}, "garbage"));
    pf = PruneFilter::parse(filters(R"({"until":["2021-01-01T00:00:00Z"]})"), PruneKind::Containers);
    ASSERT_TRUE(pf);
    EXPECT_TRUE(pf->matches({}, "2020-06-01T00:00:00.5Z"));
    EXPECT_FALSE(pf->matches({}, "2021-06-01T00:00:00Z"));
    EXPECT_FALSE(PruneFilter::parse(filters(R"({"until":["soon"]})"), PruneKind::Containers));
    EXPECT_FALSE(PruneFilter::parse(filters(R"({"until":["1h"]})"), PruneKind::Volumes));  // not a volume filter
    EXPECT_FALSE(PruneFilter::parse(filters(R"({"all":["true"]})"), PruneKind::Networks));
    EXPECT_FALSE(PruneFilter::parse(filters(R"({"dangling":["true"]})"), PruneKind::Containers));

    // Volumes: named ones too for clients before API 1.42, or with all=true.
    pf = PruneFilter::parse(filters(""), PruneKind::Volumes);
    ASSERT_TRUE(pf);
    EXPECT_TRUE(prune_all_volumes(*pf, "1.41"));
    EXPECT_FALSE(prune_all_volumes(*pf, "1.42"));
    EXPECT_FALSE(prune_all_volumes(*pf, ""));
    pf = PruneFilter::parse(filters(R"({"all":["true"]})"), PruneKind::Volumes);
    ASSERT_TRUE(pf);
    EXPECT_TRUE(prune_all_volumes(*pf, "1.43"));
    EXPECT_FALSE(PruneFilter::parse(filters(R"({"all":["sure"]})"), PruneKind::Volumes));
}

TEST(Errors, NetworkAndVolumeStatusCodes) {
    EXPECT_EQ(status_for(Error{2, "network nope not found"}), 404);
    EXPECT_EQ(status_for(Error{0, "No such volume: v"}), 404);
    EXPECT_EQ(status_for(Error{0, "create network n: a network with that name exists"}), 409);
    EXPECT_EQ(status_for(Error{0, "create network bridge: bridge is a predefined network"}), 403);
    EXPECT_EQ(status_for(Error{0, "remove network bridge: the default network cannot be removed"}), 403);
    EXPECT_EQ(status_for(Error{0, "error while removing network: network n has active endpoints (container c uses it)"}), 409);
    EXPECT_EQ(status_for(Error{16, "remove network n: in use by container(s) c"}), 409);
    EXPECT_EQ(status_for(Error{0, "remove v: volume is in use - [abc]"}), 409);
    EXPECT_EQ(status_for(Error{0, "connect n: already connected"}), 409);
    EXPECT_EQ(status_for(Error{0, "container c is not connected to network n"}), 409);
    EXPECT_EQ(status_for(Error{0, "create network n: subnet 10.1.0.0/24 overlaps with network m"}), 400);
    EXPECT_EQ(status_for(Error{0, "create network n: gateway 10.2.0.1 matches no subnet"}), 400);
}

}  // namespace
}  // namespace brig::api
