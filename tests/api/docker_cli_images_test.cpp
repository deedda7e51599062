// Image transfer with the real docker CLI (docker.io 20.10) against `brig system service`:
// push to and pull from Debian's docker-registry on loopback, login, save and load, import,
// and image prune.
#include <fmt/core.h>

#include "../image/registry_it/local_registry.hpp"
#include "docker_cli_fixture.hpp"

namespace brig::test {
namespace {

class DockerCliImages : public DockerCli {
protected:
    void SetUp() override {
        DockerCli::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        if (!fs::exists("/usr/bin/docker-registry")) GTEST_SKIP() << "needs /usr/bin/docker-registry";
        registry_ = std::make_unique<test_registry::LocalRegistry>(dir_ + "/registry");
        ASSERT_TRUE(registry_->up()) << slurp(dir_ + "/registry/stderr");
    }
    void TearDown() override {
        registry_.reset();
        DockerCli::TearDown();
    }
    std::unique_ptr<test_registry::LocalRegistry> registry_;
};

TEST_F(DockerCliImages, PushThenPullThroughARegistry) {
    std::string name = registry_->host() + "/bb:1";
    ASSERT_EQ(docker({"tag", "busybox", name}).code, 0);
    auto p = docker({"push", name});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("1: digest: sha256:"), std::string::npos) << p;
    ASSERT_EQ(docker({"rmi", name}).code, 0);
    EXPECT_EQ(docker({"images", "-q", name}).out, "");

    p = docker({"pull", name});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("Status: Downloaded newer image for " + name), std::string::npos) << p;
    EXPECT_NE(p.out.find("Digest: sha256:"), std::string::npos) << p;
    EXPECT_EQ(docker({"images", "-q", name}).out, docker({"images", "-q", "busybox"}).out);
    p = docker({"pull", name});
    EXPECT_NE(p.out.find("Image is up to date for " + name), std::string::npos) << p;
    // The pulled image runs.
    p = docker({"run", "--rm", "--cgroup-parent", cgroup_parent_, name, "echo", "pulled"});
    EXPECT_EQ(p.out, "pulled\n") << p;

    p = docker({"pull", registry_->host() + "/nosuch:1"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("nosuch"), std::string::npos) << p;
    p = docker({"push", registry_->host() + "/notlocal:1"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("No such image"), std::string::npos) << p;

    p = docker({"login", "-u", "someone", "-p", "secret", registry_->host()});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("Login Succeeded"), std::string::npos) << p;
    p = docker({"login", "-u", "someone", "-p", "secret", "127.0.0.1:1"});
    EXPECT_NE(p.code, 0) << p;
}

TEST_F(DockerCliImages, SaveLoadImportAndPrune) {
    std::string tar = dir_ + "/bb.tar";
    auto p = docker({"save", "-o", tar, "busybox"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(run({"/bin/sh", "-c", "tar -tf \"$0\" | grep -c manifest.json", tar}).out, "1\n");
    EXPECT_NE(docker({"save", "-o", dir_ + "/none.tar", "nosuch"}).err.find("No such image: nosuch"), std::string::npos);
    ASSERT_EQ(docker({"rmi", "busybox"}).code, 0);
    p = docker({"load", "-i", tar});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("Loaded image: busybox:latest"), std::string::npos) << p;
    p = docker({"load", "-i", "/etc/hostname"});
    EXPECT_NE(p.code, 0);

    // An exported root imported untagged is dangling: prune removes it, and keeps busybox.
    ASSERT_EQ(docker({"create", "--name", "c", "busybox", "true"}).code, 0);
    ASSERT_EQ(docker({"export", "-o", dir_ + "/c.tar", "c"}).code, 0);
    p = run({"/bin/sh", "-c", fmt::format("/usr/bin/docker --config {0}/docker-config -H unix://{1} import - < {0}/c.tar", dir_, sock_)});
    ASSERT_EQ(p.code, 0) << p;
    std::string id = p.out.substr(0, p.out.find('\n'));
    ASSERT_TRUE(id.starts_with("sha256:")) << p;
    EXPECT_NE(docker({"images", "-q", "--no-trunc"}).out.find(id), std::string::npos);
    p = docker({"image", "prune", "-f"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("deleted: " + id), std::string::npos) << p;
    EXPECT_EQ(docker({"images", "-q", "--no-trunc"}).out.find(id), std::string::npos);
    EXPECT_NE(docker({"images", "-q", "busybox"}).out, "");
    EXPECT_EQ(docker({"rm", "c"}).code, 0);
}

}  // namespace
}  // namespace brig::test
