#include <gtest/gtest.h>

#include "api/create_request.hpp"

namespace brig::api {
namespace {

using nlohmann::json;

TEST(CreateRequest, DockerCliBody) {
    // What `docker run --name n -e A=1 -l k=v --cgroup-parent /p -t -i --rm busybox sh -c 'echo hi'` sends (trimmed).
    json body = json::parse(R"({
      "Hostname": "", "User": "1:2", "AttachStdin": true, "Tty": true, "OpenStdin": true, "StdinOnce": true,
      "Env": ["A=1"], "Cmd": ["sh", "-c", "echo hi"], "Image": "busybox", "WorkingDir": "/w",
      "Entrypoint": null, "Labels": {"k": "v"}, "StopSignal": "SIGINT", "StopTimeout": 3,
      "ExposedPorts": {"80/tcp": {}, "53/udp": {}},
      "Healthcheck": {"Test": ["CMD-SHELL", "true"], "Interval": 2000000000, "Retries": 4},
      "HostConfig": {"CgroupParent": "/p", "AutoRemove": true, "NetworkMode": "default", "Memory": 67108864,
                     "PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}},
      "NetworkingConfig": {"EndpointsConfig": {"net1": {"Aliases": ["a1"], "IPAMConfig": {"IPv4Address": "10.9.0.5"}}}}
    })");
    auto rq = create_request_from_json(body, "n");
    ASSERT_TRUE(rq) << rq.error().message;
    EXPECT_EQ(rq->name, "n");
    EXPECT_EQ(rq->image, "busybox");
    EXPECT_EQ(rq->cmd, (std::vector<std::string>{"sh", "-c", "echo hi"}));
    EXPECT_FALSE(rq->entrypoint);
    EXPECT_EQ(rq->env, (std::vector<std::string>{"A=1"}));
    EXPECT_EQ(rq->user, "1:2");
    EXPECT_EQ(rq->workdir, "/w");
    EXPECT_EQ(rq->labels.at("k"), "v");
    EXPECT_EQ(rq->stop_signal, "SIGINT");
    EXPECT_EQ(rq->stop_timeout.value(), 3);
    EXPECT_TRUE(rq->tty);
    EXPECT_TRUE(rq->open_stdin);
    EXPECT_EQ(rq->exposed_ports.size(), 2u);
    ASSERT_TRUE(rq->health);
    EXPECT_EQ(rq->health->interval_ns, 2000000000);
    EXPECT_EQ(rq->health->retries, 4);
    EXPECT_EQ(rq->host.cgroup_parent, "/p");
    EXPECT_TRUE(rq->host.auto_remove);
    EXPECT_EQ(rq->host.memory, 64 << 20);
    EXPECT_EQ(rq->host.port_bindings.at("80/tcp").at(0).host_port, "8080");
    // "default" with a single endpoint: the container goes on that network.
    EXPECT_EQ(rq->host.network_mode, "net1");
    EXPECT_EQ(rq->endpoint.aliases, (std::vector<std::string>{"a1"}));
    EXPECT_EQ(rq->endpoint.ipv4_address, "10.9.0.5");
}

TEST(CreateRequest, EntrypointForms) {
    auto rq = create_request_from_json(json{{"Image", "i"}, {"Entrypoint", json::array({""})}}, "");
    ASSERT_TRUE(rq);
    ASSERT_TRUE(rq->entrypoint);
    EXPECT_TRUE(rq->entrypoint->empty());
    rq = create_request_from_json(json{{"Image", "i"}, {"Entrypoint", "/bin/sh"}, {"Cmd", "ls"}}, "");
    ASSERT_TRUE(rq);
    EXPECT_EQ(*rq->entrypoint, (std::vector<std::string>{"/bin/sh"}));
    EXPECT_EQ(rq->cmd, (std::vector<std::string>{"ls"}));
    EXPECT_EQ(rq->host.network_mode, "bridge");
}

TEST(CreateRequest, ErrorsNameTheField) {
    auto r = create_request_from_json(json{{"Image", "i"}, {"Env", "A=1"}}, "");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("Env"), std::string::npos);
    r = create_request_from_json(json{{"Image", "i"}, {"HostConfig", {{"Memory", "lots"}}}}, "");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("Memory"), std::string::npos);
    r = create_request_from_json(json{{"Image", "i"}, {"Cmd", {1, 2}}}, "");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("Cmd"), std::string::npos);
    r = create_request_from_json(json{{"Cmd", {"ls"}}}, "");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("Image"), std::string::npos);
    EXPECT_FALSE(create_request_from_json(json::array(), ""));
}

}  // namespace
}  // namespace brig::api
