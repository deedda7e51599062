// The engine's typed requests: docker's HostConfig JSON round trip, the record round trip and
// CreateRequest validation. No root needed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/create.hpp"
#include "engine/host_config.hpp"
#include "engine/netwire.hpp"
#include "engine/record.hpp"

using namespace brig::engine;
using nlohmann::json;

namespace {

// A HostConfig as the Docker API sends it, with every field brig reads.
const char* kDockerHostConfig = R"({
  "Binds": ["data:/data", "/srv:/srv:ro"],
  "NetworkMode": "mynet",
  "PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}], "53/udp": [{"HostIp": "", "HostPort": ""}]},
  "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3},
  "AutoRemove": false,
  "LogConfig": {"Type": "json-file", "Config": {"max-size": "1048576", "max-file": "3"}},
  "VolumesFrom": ["other:ro"],
  "Mounts": [{"Type": "tmpfs", "Source": "", "Target": "/scratch", "ReadOnly": false,
              "TmpfsOptions": {"SizeBytes": 1048576, "Mode": 448}},
             {"Type": "bind", "Source": "/etc", "Target": "/host-etc", "ReadOnly": true,
              "BindOptions": {"Propagation": "rslave"}}],
  "Tmpfs": {"/run": "size=64m"},
  "CapAdd": ["NET_ADMIN"],
  "CapDrop": ["MKNOD"],
  "Dns": ["10.0.0.1"],
  "DnsOptions": ["ndots:2"],
  "DnsSearch": ["example.com"],
  "ExtraHosts": ["db:10.0.0.5"],
  "OomScoreAdj": 100,
  "Privileged": false,
  "PublishAllPorts": true,
  "ReadonlyRootfs": true,
  "SecurityOpt": ["no-new-privileges"],
  "UsernsMode": "",
  "UidMaps": [],
  "GidMaps": [],
  "ShmSize": 134217728,
  "Runtime": "/usr/sbin/runc",
  "Init": true,
  "CgroupParent": "/brig-test",
  "Memory": 67108864,
  "MemorySwap": 134217728,
  "NanoCpus": 1500000000,
  "CpuShares": 512,
  "CpusetCpus": "0-1",
  "PidsLimit": 100,
  "Devices": [{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"}],
  "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 2048}]
})";

CreateRequest valid_request() {
    CreateRequest rq;
    rq.image = "busybox";
    rq.cmd = {"true"};
    return rq;
}

}  // namespace

TEST(EngineHostConfig, DockerJsonRoundTrip) {
    json in = json::parse(kDockerHostConfig);
    auto hc = host_config_from_json(in);
    ASSERT_TRUE(hc) << hc.error().what();
    EXPECT_EQ(hc->network_mode, "mynet");
    EXPECT_EQ(hc->port_bindings.at("80/tcp").at(0).host_port, "8080");
    EXPECT_EQ(hc->restart.name, "on-failure");
    EXPECT_EQ(hc->restart.max_retries, 3);
    EXPECT_EQ(hc->log.max_size, 1048576u);
    EXPECT_EQ(hc->log.max_file, 3);
    ASSERT_EQ(hc->mounts.size(), 2u);
    EXPECT_EQ(hc->mounts[0].tmpfs_opts, (std::vector<std::string>{"size=1048576", "mode=700"}));
    EXPECT_EQ(hc->mounts[1].propagation, "rslave");
    EXPECT_EQ(hc->ulimits.at(0).hard, 2048);
    EXPECT_EQ(hc->oom_score_adj, 100);
    EXPECT_TRUE(hc->init);
    // struct -> docker's JSON gives back what came in, field for field.
    json out = json::parse(to_json(*hc).dump());
    EXPECT_EQ(out, in) << "in:  " << in.dump() << "\nout: " << out.dump();
    auto again = host_config_from_json(out);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *hc);
}

TEST(EngineHostConfig, DefaultsAndEmptyJson) {
    auto hc = host_config_from_json(json::object());
    ASSERT_TRUE(hc);
    EXPECT_EQ(*hc, HostConfig{});
    auto j = to_json(HostConfig{});
    EXPECT_EQ(j["NetworkMode"], "bridge");
    EXPECT_EQ(j["RestartPolicy"]["Name"], "no");
    EXPECT_TRUE(j["PortBindings"].is_object());
    EXPECT_EQ(j["Memory"], 0);
    // docker's "" and "default" network modes are the default bridge.
    EXPECT_EQ(host_config_from_json(json{{"NetworkMode", "default"}})->network_mode, "bridge");
}

TEST(EngineHostConfig, WrongTypesNameTheField) {
    auto bad = host_config_from_json(json{{"Memory", "lots"}});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "HostConfig.Memory: expected a number");
    bad = host_config_from_json(json{{"RestartPolicy", {{"Name", 3}}}});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "HostConfig.RestartPolicy.Name: expected a string");
    bad = host_config_from_json(json{{"Binds", "a:/b"}});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "HostConfig.Binds: expected an array");
    bad = host_config_from_json(json{{"Mounts", {{{"Type", "nfs"}, {"Target", "/x"}}}}});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("invalid mount type"), std::string::npos);
    EXPECT_FALSE(host_config_from_json(json::array()));
}

TEST(EngineHostConfig, PublishFlagsBecomePortBindings) {
    auto p = parse_publish({"8080:80", "127.0.0.1::53/udp", "9000-9001:9000-9001"});
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_EQ(p->at("80/tcp"), (std::vector<PortBinding>{{"", "8080"}}));
    EXPECT_EQ(p->at("53/udp"), (std::vector<PortBinding>{{"127.0.0.1", ""}}));
    EXPECT_EQ(p->at("9001/tcp"), (std::vector<PortBinding>{{"", "9001"}}));
    // ... and back into the network library's mappings, unchanged.
    auto m = port_mappings(*p);
    ASSERT_TRUE(m) << m.error().what();
    EXPECT_EQ(m->size(), 4u);
    EXPECT_FALSE(parse_publish({"80:99999"}));
    EXPECT_FALSE(port_mappings({{"http/tcp", {}}}));
}

TEST(EngineRecord, TypedFieldsRoundTrip) {
    ContainerRecord r;
    r.id = std::string(64, 'c');
    r.name = "db";
    r.cmd = {"sleep", "1"};
    r.exposed_ports = {"5432/tcp"};
    r.host = *host_config_from_json(json::parse(kDockerHostConfig));
    r.endpoint = {"10.0.0.9", "fd00::9", "02:42:ac:11:00:09", {"db", "postgres"}};
    r.mounts = {{"volume", "data", "/v/data/_data", "/data", "local", "", "", true, true, {}},
                {"tmpfs", "", "", "/scratch", "", "", "", true, false, {"size=1m"}}};
    r.uid_mappings = {{0, 100000, 65536}};
    r.gid_mappings = {{0, 200000, 65536}};
    auto back = record_from_json(to_json(r));
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_EQ(back->host, r.host);
    EXPECT_EQ(back->endpoint, r.endpoint);
    EXPECT_EQ(back->mounts, r.mounts);
    EXPECT_EQ(back->uid_mappings, r.uid_mappings);
    EXPECT_EQ(back->gid_mappings, r.gid_mappings);
    EXPECT_EQ(back->exposed_ports, r.exposed_ports);
    EXPECT_FALSE(record_from_json(json{{"id", "x"}}));
}

TEST(EngineCreateRequest, Validation) {
    EXPECT_TRUE(validate(valid_request()));
    struct Case {
        const char* what;
        void (*change)(CreateRequest&);
        const char* error;  // a part of the message
    };
    const Case cases[] = {
        {"no image", [](CreateRequest& r) { r.image.clear(); }, "no image"},
        {"relative workdir", [](CreateRequest& r) { r.workdir = "tmp"; }, "must be absolute"},
        {"bad stop signal", [](CreateRequest& r) { r.stop_signal = "SIGNOPE"; }, "invalid stop signal"},
        {"env without a name", [](CreateRequest& r) { r.env = {"=x"}; }, "needs a name"},
        {"bad network mode", [](CreateRequest& r) { r.host.network_mode = "container:"; }, "invalid --network"},
        {"relative cgroup parent", [](CreateRequest& r) { r.host.cgroup_parent = "brig"; }, "absolute path"},
        {"bad restart policy", [](CreateRequest& r) { r.host.restart.name = "sometimes"; }, "invalid restart policy"},
        {"restart with --rm", [](CreateRequest& r) { r.host.auto_remove = true; r.host.restart.name = "always"; }, "--restart and --rm"},
        {"bad log driver", [](CreateRequest& r) { r.host.log.driver = "syslog"; }, "--log-driver"},
        {"tiny memory", [](CreateRequest& r) { r.host.memory = 1024; }, "minimum memory limit"},
        {"swap below memory", [](CreateRequest& r) { r.host.memory = 64 << 20; r.host.memory_swap = 32 << 20; }, "--memory-swap"},
        {"relative tmpfs", [](CreateRequest& r) { r.host.tmpfs = {{"run", ""}}; }, "--tmpfs"},
        {"relative device", [](CreateRequest& r) { r.host.devices = {{"dev/fuse", "/dev/fuse", "rwm"}}; }, "absolute"},
        {"userns with uidmap", [](CreateRequest& r) { r.host.userns_mode = "auto"; r.host.uid_maps = {"0:1000:1"}; }, "--uidmap"},
        {"bad uidmap", [](CreateRequest& r) { r.host.uid_maps = {"0:1000"}; }, "invalid id mapping"},
        {"bad port", [](CreateRequest& r) { r.host.port_bindings = {{"0/tcp", {}}}; }, "PortBindings"},
        {"zero health interval", [](CreateRequest& r) { r.health = Healthcheck{{"CMD", "true"}, 0, 1, 0, 3}; }, "health check"},
    };
    for (const auto& c : cases) {
        auto rq = valid_request();
        c.change(rq);
        auto r = validate(rq);
        ASSERT_FALSE(r) << c.what;
        EXPECT_NE(r.error().message.find(c.error), std::string::npos) << c.what << ": " << r.error().message;
    }
}
