// docker build (the 20.10 CLI's classic builder: POST /build) and docker-compose build against
// `brig system service`: a build with a build-arg, a COPY and a label, run through the API and
// seen by brig; the second build cached; -q and --iidfile; a failing RUN and refused options
// reported as errors.
#include <fmt/core.h>

#include <fstream>

#include "docker_cli_fixture.hpp"

namespace brig::test {
namespace {

class DockerBuild : public DockerCli {
protected:
    void SetUp() override {
        DockerCli::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ctx_ = dir_ + "/ctx";
        fs::create_directories(ctx_);
        std::ofstream(ctx_ + "/greeting.txt") << "from the context\n";
        std::ofstream(ctx_ + "/secret.key") << "must not be sent\n";
        std::ofstream(ctx_ + "/.dockerignore") << "*.key\n";
    }
    void dockerfile(const std::string& text) { std::ofstream(ctx_ + "/Dockerfile") << text; }
    Proc build(std::vector<std::string> flags) {
        std::vector<std::string> args = {"build", "--cgroup-parent", cgroup_parent_};
        args.insert(args.end(), flags.begin(), flags.end());
        args.push_back(ctx_);
        return docker(args, 120s);
    }
    std::string ctx_;
};

constexpr const char* kDockerfile = R"(FROM busybox
ARG WHO=nobody
RUN echo "built for $WHO" > /built.txt
COPY greeting.txt /greeting.txt
LABEL org.example.kind=test
CMD ["cat", "/built.txt", "/greeting.txt"]
)";

TEST_F(DockerBuild, BuildsRunsAndCachesTheSecondBuild) {
    dockerfile(kDockerfile);
    auto p = build({"--build-arg", "WHO=brig", "-t", "built:1"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("Successfully built "), std::string::npos) << p;
    EXPECT_NE(p.out.find("Successfully tagged built:1"), std::string::npos) << p;
    auto r = docker({"run", "--rm", "--cgroup-parent", cgroup_parent_, "built:1"});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_EQ(r.out, "built for brig\nfrom the context\n");
    // The engine sees the image the API built, with its label; .dockerignore kept the key out.
    auto seen = brig({"image", "inspect", "built:1"});
    ASSERT_EQ(seen.code, 0) << seen;
    EXPECT_EQ(json::parse(seen.out)[0]["Config"]["Labels"]["org.example.kind"], "test") << seen;
    r = docker({"run", "--rm", "--cgroup-parent", cgroup_parent_, "built:1", "ls", "/secret.key"});
    EXPECT_NE(r.code, 0) << r;
    // Unchanged context and args: every step comes from the cache, and the same image results.
    auto again = build({"--build-arg", "WHO=brig", "-t", "built:2"});
    ASSERT_EQ(again.code, 0) << again;
    EXPECT_NE(again.out.find("CACHED"), std::string::npos) << again;
    EXPECT_EQ(docker({"image", "inspect", "-f", "{{.Id}}", "built:1"}).out, docker({"image", "inspect", "-f", "{{.Id}}", "built:2"}).out);
}

TEST_F(DockerBuild, QuietPrintsTheIdAndIidfileHoldsIt) {
    dockerfile("FROM busybox\nENV A=1\n");
    std::string iid = dir_ + "/iid";
    auto p = build({"-q", "--iidfile", iid});
    ASSERT_EQ(p.code, 0) << p;
    ASSERT_EQ(p.out.rfind("sha256:", 0), 0u) << p;
    EXPECT_EQ(p.out, slurp(iid));  // the 20.10 CLI writes -q's output, newline and all
    EXPECT_EQ(docker({"image", "inspect", "-f", "{{.Id}}", lines(p.out).at(0)}).out, p.out);
}

TEST_F(DockerBuild, AFailingRunAndRefusedOptionsAreErrors) {
    dockerfile("FROM busybox\nRUN echo about to fail && exit 3\n");
    auto p = build({"-t", "broken"});
    EXPECT_NE(p.code, 0) << p;
    EXPECT_NE((p.out + p.err).find("exit"), std::string::npos) << p;
    EXPECT_NE(docker({"image", "inspect", "broken"}).code, 0);
    // Options brig's builder does not honour are refused by name, not ignored.
    dockerfile("FROM busybox\n");
    p = build({"--memory", "64m"});
    EXPECT_NE(p.code, 0) << p;
    EXPECT_NE(p.err.find("memory"), std::string::npos) << p;
    p = build({"--network", "bridge"});
    EXPECT_NE(p.code, 0) << p;
    EXPECT_NE(p.err.find("networkmode"), std::string::npos) << p;
    // A Dockerfile error names the line.
    dockerfile("FROM busybox\nNOTANINSTRUCTION x\n");
    p = build({});
    EXPECT_NE(p.code, 0) << p;
    EXPECT_NE((p.out + p.err).find("NOTANINSTRUCTION"), std::string::npos) << p;
}

TEST_F(DockerBuild, ComposeBuildsTheServiceImage) {
    if (!fs::exists("/usr/bin/docker-compose")) GTEST_SKIP() << "needs /usr/bin/docker-compose";
    dockerfile("FROM busybox\nARG MSG\nENV MSG=$MSG\nCOPY greeting.txt /greeting.txt\n");
    std::ofstream(dir_ + "/docker-compose.yml") << fmt::format(R"(version: "3.8"
services:
  app:
    build:
      context: {0}
      args:
        MSG: composed
    image: proj_app:built
    cgroup_parent: {1}
    command: sh -c 'echo $$MSG; cat /greeting.txt'
)",
                                                               ctx_, cgroup_parent_);
    std::vector<std::string> compose = {"/usr/bin/env", "DOCKER_HOST=unix://" + sock_, "/usr/bin/docker-compose", "--no-ansi",
                                        "-p", "proj", "-f", dir_ + "/docker-compose.yml"};
    auto with = [&](std::vector<std::string> args) {
        std::vector<std::string> a = compose;
        a.insert(a.end(), args.begin(), args.end());
        auto p = run(a, 120s);
        if (p.code != 0) std::cerr << "service log:\n" << slurp(log_) << "\n";
        return p;
    };
    auto p = with({"build"});
    ASSERT_EQ(p.code, 0) << p;
    p = with({"run", "--rm", "-T", "app"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "composed\nfrom the context\n") << p;
    with({"down"});
}

}  // namespace
}  // namespace brig::test
