// docker-compose 1.29 (Debian's, on its python3-docker SDK) against `brig system service`: a
// two-service project with a named volume on its own network, up -d, ps, logs, exec (the
// environment, and the other service by its name), then down -v leaving nothing behind.
#include <fmt/core.h>

#include <fstream>

#include "docker_cli_fixture.hpp"

namespace brig::test {
namespace {

class DockerCompose : public DockerCli {
protected:
    void SetUp() override {
        DockerCli::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        if (!fs::exists("/usr/bin/docker-compose")) GTEST_SKIP() << "needs /usr/bin/docker-compose";
        project_ = dir_ + "/proj";
        fs::create_directories(project_);
        std::ofstream(project_ + "/docker-compose.yml") << fmt::format(R"(version: "3.8"
services:
  web:
    image: busybox
    cgroup_parent: {0}
    stop_grace_period: 1s
    command: sh -c 'echo hello from web; echo served > /www/index.html; exec httpd -f -p 8080 -h /www'
    volumes:
      - data:/www
    labels:
      tier: front
  client:
    image: busybox
    cgroup_parent: {0}
    stop_grace_period: 1s
    depends_on: [web]
    command: sleep 300
    environment:
      GREETING: hi
volumes:
  data: {{}}
)",
                                                                       cgroup_parent_);
    }
    Proc compose(std::vector<std::string> args) {
        args.insert(args.begin(), {"/usr/bin/env", "DOCKER_HOST=unix://" + sock_, "/usr/bin/docker-compose", "--no-ansi",
                                   "-p", "proj", "-f", project_ + "/docker-compose.yml"});
        auto p = run(args, 120s);
        if (p.code != 0) std::cerr << "service log:\n" << slurp(log_) << "\n";
        return p;
    }
    std::string project_;
};

TEST_F(DockerCompose, UpPsLogsExecDown) {
    auto p = compose({"up", "-d"});
    ASSERT_EQ(p.code, 0) << p;
    p = compose({"ps"});
    EXPECT_NE(p.out.find("proj_web_1"), std::string::npos) << p;
    EXPECT_NE(p.out.find("proj_client_1"), std::string::npos) << p;
    // brig and the API see the same containers, with compose's labels (all-of label filters).
    EXPECT_EQ(lines(brig({"ps", "-q", "--filter", "label=com.docker.compose.project=proj"}).out).size(), 2u);
    EXPECT_EQ(docker({"ps", "-q", "--filter", "label=com.docker.compose.project=proj", "--filter", "label=tier=front"}).out.size(), 13u);
    EXPECT_TRUE(eventually([&] { return compose({"logs", "web"}).out.find("hello from web") != std::string::npos; }));
    p = compose({"exec", "-T", "client", "sh", "-c", "echo $GREETING; wget -q -O- http://web:8080/"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "hi\nserved\n") << p;
    p = compose({"down", "-v"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(brig({"ps", "-a", "-q"}).out, "");
    EXPECT_EQ(docker({"network", "ls", "-q", "--filter", "name=proj_default"}).out, "");
    EXPECT_EQ(docker({"volume", "ls", "-q", "--filter", "name=proj_data"}).out, "");
}

}  // namespace
}  // namespace brig::test
