// The real docker CLI (docker.io 20.10, /usr/bin/docker) against `brig system service` on a
// socket in the test's dir, in the test's own network namespace (fixture.hpp). Every container
// gets the fixture's cgroup parent through --cgroup-parent (HostConfig.CgroupParent).

#include <fmt/core.h>

#include "docker_cli_fixture.hpp"

namespace brig::test {
namespace {

TEST_F(DockerCli, Version) {
    auto p = docker({"version", "--format", "{{.Server.Version}} {{.Server.APIVersion}} {{.Server.Os}}"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find(" 1.43 linux"), std::string::npos) << p;
}

TEST_F(DockerCli, RunRmEcho) {
    auto p = docker({"run", "--rm", "--cgroup-parent", cgroup_parent_, "busybox", "echo", "hi"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "hi\n");
    // --rm: gone, as `brig ps -a` sees it too.
    EXPECT_TRUE(eventually([&] { return brig({"ps", "-a", "-q"}).out.empty(); })) << brig({"ps", "-a"});
    // The exit code and stderr come through.
    p = docker({"run", "--rm", "--cgroup-parent", cgroup_parent_, "busybox", "sh", "-c", "echo oops >&2; exit 3"});
    EXPECT_EQ(p.code, 3) << p;
    EXPECT_EQ(p.err, "oops\n");
}

TEST_F(DockerCli, DetachedLifecycle) {
    auto p = docker({"run", "-d", "--name", "web", "--label", "app=t", "--cgroup-parent", cgroup_parent_, "busybox", "sh", "-c",
                     "echo started; echo warn >&2; sleep 300"});
    ASSERT_EQ(p.code, 0) << p;
    std::string id = lines(p.out).at(0);
    ASSERT_EQ(id.size(), 64u) << p;

    p = docker({"ps", "--format", "{{.ID}} {{.Names}} {{.Image}} {{.Status}}"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find(id.substr(0, 12) + " web busybox Up"), std::string::npos) << p;
    p = docker({"ps", "-q", "--filter", "label=app=t", "--filter", "status=running"});
    EXPECT_EQ(p.out, id.substr(0, 12) + "\n") << p;
    p = docker({"ps", "-q", "--filter", "name=nothing"});
    EXPECT_EQ(p.out, "") << p;
    // The same state through brig's own CLI.
    EXPECT_NE(brig({"ps"}).out.find("web"), std::string::npos);

    ASSERT_TRUE(eventually([&] { return docker({"logs", "web"}).out == "started\n"; })) << docker({"logs", "web"});
    p = docker({"logs", "web"});
    EXPECT_EQ(p.err, "warn\n") << p;

    p = docker({"inspect", "--format", "{{.Id}} {{.Name}} {{.State.Status}} {{.HostConfig.CgroupParent}}", "web"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, id + " /web running " + cgroup_parent_ + "\n") << p;

    p = docker({"stop", "-t", "1", "web"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "web\n");
    p = docker({"ps", "-a", "--format", "{{.Names}} {{.State}}"});
    EXPECT_EQ(p.out, "web exited\n") << p;
    p = docker({"rm", "web"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(docker({"ps", "-aq"}).out, "");
    p = docker({"rm", "web"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("No such container: web"), std::string::npos) << p;
}

TEST_F(DockerCli, StdinWaitKillRestart) {
    // -i: the client's stdin through the hijacked connection, then its half-close as EOF.
    std::vector<std::string> args = {"/usr/bin/docker", "--config", dir_ + "/docker-config", "-H", "unix://" + sock_,
                                     "run", "--rm", "-i", "--cgroup-parent", cgroup_parent_, "busybox", "sh", "-c", "cat; echo done"};
    auto p = run(args, 60s, "line1\nline2\n");
    ASSERT_EQ(p.code, 0) << p << slurp(log_);
    EXPECT_EQ(p.out, "line1\nline2\ndone\n");

    p = docker({"run", "-d", "--name", "k", "--cgroup-parent", cgroup_parent_, "busybox", "sleep", "300"});
    ASSERT_EQ(p.code, 0) << p;
    p = docker({"restart", "-t", "1", "k"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(docker({"inspect", "--format", "{{.State.Status}}", "k"}).out, "running\n");
    p = docker({"kill", "k"});
    EXPECT_EQ(p.code, 0) << p;
    p = docker({"wait", "k"});
    EXPECT_EQ(p.out, "137\n") << p;
    p = docker({"kill", "k"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("is not running"), std::string::npos) << p;
    EXPECT_EQ(docker({"rm", "k"}).code, 0);
}

TEST_F(DockerCli, Images) {
    auto p = docker({"images", "--format", "{{.Repository}}:{{.Tag}}"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("busybox:latest"), std::string::npos) << p;
    p = docker({"image", "inspect", "--format", "{{.Os}} {{len .RepoTags}}", "busybox"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "linux 1\n") << p;
    p = docker({"inspect", "--type", "image", "--format", "{{.Os}}", "busybox"});
    EXPECT_EQ(p.out, "linux\n") << p;
    // docker history reads GET /images/{name}/history; brig history prints the same rows.
    p = docker({"history", "--no-trunc", "--format", "{{.ID}}|{{.CreatedBy}}|{{.Size}}", "busybox"});
    ASSERT_EQ(p.code, 0) << p;
    auto ours = brig({"history", "--no-trunc", "--format", "{{.ID}}|{{.CreatedBy}}|{{.Size}}", "busybox"});
    ASSERT_EQ(ours.code, 0) << ours;
    EXPECT_FALSE(p.out.empty());
    EXPECT_EQ(p.out, ours.out);
    EXPECT_TRUE(p.out.starts_with("sha256:")) << p;
}

TEST_F(DockerCli, UpdateRenameDiffTopPauseTagAndRmi) {
    auto p = docker({"run", "-d", "--name", "u", "--memory", "64m", "--cgroup-parent", cgroup_parent_, "busybox", "sleep", "300"});
    ASSERT_EQ(p.code, 0) << p << slurp(log_);
    p = docker({"update", "--memory", "96m", "--memory-swap", "192m", "--pids-limit", "40", "--restart", "on-failure:3", "u"});
    ASSERT_EQ(p.code, 0) << p << slurp(log_);
    EXPECT_EQ(p.out, "u\n");
    p = docker({"inspect", "--format",
                "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}} "
                "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}", "u"});
    EXPECT_EQ(p.out, fmt::format("{} {} 40 on-failure 3\n", 96 << 20, 192 << 20)) << p;
    p = docker({"update", "--memory", "1m", "u"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("Minimum memory limit allowed is 6MB"), std::string::npos) << p;

    p = docker({"rename", "u", "u2"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(docker({"inspect", "--format", "{{.Name}}", "u2"}).out, "/u2\n");
    p = docker({"rename", "u2", "u2"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("same name"), std::string::npos) << p;

    // docker diff reads GET /containers/{id}/changes; brig diff lists the same.
    p = docker({"exec", "u2", "sh", "-c", "mkdir /made && echo x > /made/f && rm /bin/true"});
    ASSERT_EQ(p.code, 0) << p;
    p = docker({"diff", "u2"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("A /made/f\n"), std::string::npos) << p;
    EXPECT_NE(p.out.find("D /bin/true\n"), std::string::npos) << p;
    EXPECT_EQ(p.out, brig({"diff", "u2"}).out);

    p = docker({"top", "u2"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("PID"), std::string::npos) << p;
    EXPECT_NE(p.out.find("sleep 300"), std::string::npos) << p;

    EXPECT_EQ(docker({"pause", "u2"}).code, 0);
    EXPECT_EQ(docker({"inspect", "--format", "{{.State.Status}}", "u2"}).out, "paused\n");
    p = docker({"exec", "u2", "true"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("is paused, unpause the container before exec"), std::string::npos) << p;
    EXPECT_EQ(docker({"unpause", "u2"}).code, 0);
    EXPECT_EQ(docker({"inspect", "--format", "{{.State.Status}}", "u2"}).out, "running\n");
    EXPECT_EQ(docker({"rm", "-f", "u2"}).code, 0);

    p = docker({"tag", "busybox", "brig-test/bb:v1"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(docker({"images", "--format", "{{.Repository}}:{{.Tag}}"}).out.find("brig-test/bb:v1"), std::string::npos);
    p = docker({"rmi", "brig-test/bb:v1"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("Untagged: brig-test/bb:v1"), std::string::npos) << p;
    EXPECT_EQ(docker({"images", "--format", "{{.Repository}}:{{.Tag}}"}).out.find("brig-test/bb:v1"), std::string::npos);
}

}  // namespace
}  // namespace brig::test
