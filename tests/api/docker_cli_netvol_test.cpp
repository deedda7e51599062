// The real docker CLI (docker.io 20.10) against `brig system service`: networks, volumes and
// container prune. What the API makes, brig's own CLI sees, and the other way round. Every
// container gets the fixture's cgroup parent (--cgroup-parent).

#include <algorithm>

#include "docker_cli_fixture.hpp"

namespace brig::test {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    auto ls = lines(text);
    return std::find(ls.begin(), ls.end(), line) != ls.end();
}

class DockerCliNetVol : public DockerCli {
protected:
    // The networks' names, as `docker network ls` lists them.
    std::string network_names(std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"network", "ls", "--format", "{{.Name}}"};
        args.insert(args.end(), extra.begin(), extra.end());
        return docker(args).out;
    }
};

TEST_F(DockerCliNetVol, NetworkCreateListInspectRemovePrune) {
    auto p = docker({"network", "create", "--subnet", "10.99.0.0/24", "--label", "team=a", "n1"});
    ASSERT_EQ(p.code, 0) << p;
    std::string id = lines(p.out).at(0);
    EXPECT_EQ(id.size(), 64u) << p;
    ASSERT_EQ(docker({"network", "create", "--label", "team=b", "n2"}).code, 0);
    p = docker({"network", "create", "n1"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("exists"), std::string::npos) << p;
    p = docker({"network", "create", "--subnet", "10.99.0.0/25", "n9"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("overlaps"), std::string::npos) << p;

    auto names = network_names();
    EXPECT_TRUE(has_line(names, "bridge") && has_line(names, "n1") && has_line(names, "n2")) << names;
    EXPECT_EQ(network_names({"--filter", "label=team=a"}), "n1\n");
    EXPECT_EQ(network_names({"--filter", "name=n2"}), "n2\n");
    EXPECT_EQ(network_names({"--filter", "type=builtin"}), "bridge\n");
    p = docker({"network", "ls", "-q", "--no-trunc", "--filter", "id=" + id.substr(0, 10)});
    EXPECT_EQ(p.out, id + "\n") << p;
    // brig's CLI sees the networks the API made.
    auto ours = brig({"network", "ls"});
    EXPECT_NE(ours.out.find("n1"), std::string::npos) << ours;

    p = docker({"network", "inspect", "--format",
                "{{.Id}} {{.Driver}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{index .Labels \"team\"}}", "n1"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, id + " bridge 10.99.0.0/24 10.99.0.1 a\n") << p;
    p = docker({"network", "inspect", "nope"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("No such network"), std::string::npos) << p;

    // A network brig's CLI made is the API's too.
    ASSERT_EQ(brig({"network", "create", "n3"}).code, 0);
    EXPECT_EQ(docker({"network", "inspect", "--format", "{{.Name}}", "n3"}).out, "n3\n");

    p = docker({"network", "rm", "n2"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "n2\n");
    EXPECT_EQ(brig({"network", "ls"}).out.find("n2"), std::string::npos);
    p = docker({"network", "rm", "n2"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("No such network"), std::string::npos) << p;
    p = docker({"network", "rm", "bridge"});
    EXPECT_NE(p.code, 0) << p;

    // prune with a label filter takes n1 only; then the rest (never bridge).
    p = docker({"network", "prune", "-f", "--filter", "label=team=a"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("n1"), std::string::npos) << p;
    EXPECT_EQ(p.out.find("n3"), std::string::npos) << p;
    names = network_names();
    EXPECT_TRUE(!has_line(names, "n1") && has_line(names, "n3")) << names;
    p = docker({"network", "prune", "-f"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("n3"), std::string::npos) << p;
    EXPECT_EQ(network_names(), "bridge\n");
    EXPECT_EQ(brig({"network", "ls", "-q"}).out.size(), 13u);  // bridge alone
}

TEST_F(DockerCliNetVol, ConnectDisconnectAndNamesOnAUserNetwork) {
    ASSERT_EQ(docker({"network", "create", "--subnet", "10.98.0.0/24", "app"}).code, 0);
    auto p = docker_run({"-d", "--name", "srv", "--network", "app"}, {"sleep", "300"});
    ASSERT_EQ(p.code, 0) << p;
    // Another container on the network reaches srv by its name (the network's DNS).
    p = docker_run({"--rm", "--network", "app"}, {"ping", "-c1", "-W5", "srv"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("10.98.0."), std::string::npos) << p;

    // A running container on the default network, connected to app with an address and an alias.
    ASSERT_EQ(docker_run({"-d", "--name", "other"}, {"sleep", "300"}).code, 0);
    p = docker({"network", "connect", "--ip", "10.98.0.77", "--alias", "oth", "app", "other"});
    ASSERT_EQ(p.code, 0) << p;
    p = docker({"network", "inspect", "--format", "{{len .Containers}}", "app"});
    EXPECT_EQ(p.out, "2\n") << p;
    auto ours = brig({"network", "inspect", "app"});
    EXPECT_NE(ours.out.find("10.98.0.77/24"), std::string::npos) << ours;
    // It has an interface on app now; srv reaches it by its alias.
    EXPECT_EQ(brig({"exec", "other", "ip", "addr"}).out.find("10.98.0.77") != std::string::npos, true);
    p = brig({"exec", "srv", "ping", "-c1", "-W5", "oth"});
    EXPECT_EQ(p.code, 0) << p;
    p = docker({"network", "connect", "app", "other"});
    EXPECT_NE(p.code, 0) << p;
    p = docker({"network", "connect", "app", "ghost"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("No such container"), std::string::npos) << p;

    // In use: not removed.
    p = docker({"network", "rm", "app"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("active endpoints"), std::string::npos) << p;

    p = docker({"network", "disconnect", "app", "other"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(docker({"network", "inspect", "--format", "{{len .Containers}}", "app"}).out, "1\n");
    EXPECT_EQ(brig({"exec", "other", "ip", "addr"}).out.find("10.98.0.77"), std::string::npos);
    p = docker({"network", "disconnect", "app", "other"});
    EXPECT_NE(p.code, 0) << p;

    ASSERT_EQ(docker({"rm", "-f", "srv", "other"}).code, 0);
    p = docker({"network", "rm", "app"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(brig({"network", "ls"}).out.find("app"), std::string::npos);
}

TEST_F(DockerCliNetVol, VolumeCreateListInspectUseRemove) {
    auto p = docker({"volume", "create", "--label", "k=v", "data"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "data\n");
    p = docker({"volume", "create", "data"});  // as docker: the existing volume
    EXPECT_EQ(p.code, 0) << p;
    p = docker({"volume", "create", "bad/name"});
    EXPECT_NE(p.code, 0) << p;
    ASSERT_EQ(brig({"volume", "create", "other"}).code, 0);

    p = docker({"volume", "ls", "--format", "{{.Driver}} {{.Name}}"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_TRUE(has_line(p.out, "local data") && has_line(p.out, "local other")) << p;
    EXPECT_EQ(docker({"volume", "ls", "-q", "--filter", "label=k=v"}).out, "data\n");
    EXPECT_EQ(docker({"volume", "ls", "-q", "--filter", "name=oth"}).out, "other\n");
    EXPECT_NE(brig({"volume", "ls"}).out.find("data"), std::string::npos);

    p = docker({"volume", "inspect", "--format", "{{.Name}} {{.Driver}} {{.Mountpoint}} {{index .Labels \"k\"}} {{.Scope}}", "data"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "data local " + root_ + "/volumes/data/_data v local\n") << p;
    p = docker({"volume", "inspect", "nope"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("No such volume"), std::string::npos) << p;

    // -v data:/data: what one container writes, the next one reads.
    p = docker_run({"--rm", "-v", "data:/data"}, {"sh", "-c", "echo hello > /data/f"});
    ASSERT_EQ(p.code, 0) << p;
    p = docker_run({"--rm", "-v", "data:/data"}, {"cat", "/data/f"});
    EXPECT_EQ(p.out, "hello\n") << p;
    EXPECT_EQ(slurp(root_ + "/volumes/data/_data/f"), "hello\n");

    // In use (a running container, then a stopped one): not removed.
    ASSERT_EQ(docker_run({"-d", "--name", "user", "-v", "data:/data"}, {"sleep", "300"}).code, 0);
    EXPECT_EQ(docker({"volume", "ls", "-q", "--filter", "dangling=true"}).out, "other\n");
    p = docker({"volume", "rm", "data"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("volume is in use"), std::string::npos) << p;
    ASSERT_EQ(docker({"stop", "-t", "1", "user"}).code, 0);
    EXPECT_NE(docker({"volume", "rm", "data"}).code, 0);
    ASSERT_EQ(docker({"rm", "user"}).code, 0);
    p = docker({"volume", "rm", "data"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "data\n");
    EXPECT_EQ(brig({"volume", "ls", "-q"}).out, "other\n");
    p = docker({"volume", "rm", "data"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("No such volume"), std::string::npos) << p;
    EXPECT_EQ(docker({"volume", "rm", "-f", "data"}).code, 0);
    EXPECT_EQ(docker({"volume", "rm", "other"}).code, 0);
}

TEST_F(DockerCliNetVol, VolumePrune) {
    // docker 20.10 speaks API 1.41: its prune takes named volumes too (not those in use).
    ASSERT_EQ(docker({"volume", "create", "--label", "p=1", "one"}).code, 0);
    ASSERT_EQ(docker({"volume", "create", "two"}).code, 0);
    ASSERT_EQ(docker({"volume", "create", "kept"}).code, 0);
    auto p = docker_run({"--rm", "-v", "one:/data"}, {"sh", "-c", "head -c 5000 /dev/zero > /data/f"});
    ASSERT_EQ(p.code, 0) << p;
    ASSERT_EQ(docker_run({"-d", "--name", "holder", "-v", "kept:/data"}, {"sleep", "300"}).code, 0);

    p = docker({"volume", "prune", "-f", "--filter", "label=p=1"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_TRUE(has_line(p.out, "one")) << p;
    EXPECT_FALSE(has_line(p.out, "two")) << p;
    EXPECT_NE(p.out.find("Total reclaimed space: 5kB"), std::string::npos) << p;

    p = docker({"volume", "prune", "-f"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_TRUE(has_line(p.out, "two")) << p;
    EXPECT_FALSE(has_line(p.out, "kept")) << p;
    EXPECT_EQ(brig({"volume", "ls", "-q"}).out, "kept\n");
    EXPECT_EQ(docker({"volume", "ls", "-q"}).out, "kept\n");
    p = docker({"volume", "prune", "-f", "--filter", "until=1h"});
    EXPECT_NE(p.code, 0) << p;
}

TEST_F(DockerCliNetVol, ContainerPrune) {
    auto p = docker_run({"--name", "done1", "--label", "x=1"}, {"true"});
    ASSERT_EQ(p.code, 0) << p;
    p = docker_run({"--name", "done2"}, {"sh", "-c", "head -c 4096 /dev/zero > /big"});
    ASSERT_EQ(p.code, 0) << p;
    ASSERT_EQ(docker_run({"-d", "--name", "live", "--label", "x=1"}, {"sleep", "300"}).code, 0);
    std::string id1 = docker({"inspect", "--format", "{{.Id}}", "done1"}).out;
    std::string id2 = docker({"inspect", "--format", "{{.Id}}", "done2"}).out;

    // label=x=1: done1 only (live runs).
    p = docker({"container", "prune", "-f", "--filter", "label=x=1"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find(id1), std::string::npos) << p;
    EXPECT_EQ(p.out.find(id2), std::string::npos) << p;
    // until in the past: nothing is that old.
    p = docker({"container", "prune", "-f", "--filter", "until=2001-01-01T00:00:00Z"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out.find(id2), std::string::npos) << p;

    p = docker({"container", "prune", "-f"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find(id2), std::string::npos) << p;
    EXPECT_NE(p.out.find("Total reclaimed space: 4.096kB"), std::string::npos) << p;
    EXPECT_EQ(docker({"ps", "-a", "--format", "{{.Names}}"}).out, "live\n");
    EXPECT_EQ(brig({"ps", "-a", "--format", "{{.Names}}"}).out, "live\n");
    p = docker({"container", "prune", "-f", "--filter", "dangling=true"});
    EXPECT_NE(p.code, 0) << p;
}

}  // namespace
}  // namespace brig::test
