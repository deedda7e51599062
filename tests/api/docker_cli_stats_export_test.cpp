// `docker stats` and `docker export` (docker.io 20.10) against `brig system service`: the CLI
// computes its columns from the stats JSON of a real container (the memory limit it was given,
// its pids), and the exported tar holds the file the container wrote.
#include <sys/mount.h>

#include <fstream>

#include <fmt/core.h>

#include "docker_cli_fixture.hpp"

namespace brig::test {
namespace {

std::vector<std::string> split_bars(const std::string& line) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t bar; (bar = line.find('|', start)) != std::string::npos; start = bar + 1) out.push_back(line.substr(start, bar - start));
    out.push_back(line.substr(start));
    return out;
}

TEST_F(DockerCli, StatsNoStreamShowsTheContainersLimitAndPids) {
    auto p = docker_run({"-d", "--name", "s", "-m", "64m"}, {"sh", "-c", "sleep 300 & sleep 300 & wait"});
    ASSERT_EQ(p.code, 0) << p;
    p = docker({"stats", "--no-stream", "--format", "{{.Name}}|{{.MemUsage}}|{{.PIDs}}|{{.CPUPerc}}", "s"});
    ASSERT_EQ(p.code, 0) << p;
    auto f = split_bars(lines(p.out).at(0));
    ASSERT_EQ(f.size(), 4u) << p;
    EXPECT_EQ(f[0], "s");
    EXPECT_TRUE(f[1].ends_with("/ 64MiB")) << p;
    EXPECT_EQ(f[2], "3") << p;  // sh and its two sleeps
    EXPECT_TRUE(f[3].ends_with("%")) << p;
    // The stream: the first objects as docker's API sends them, one a second.
    auto [code, body] = http("GET", "/containers/s/stats?stream=false&one-shot=true");
    EXPECT_EQ(code, 200);
    EXPECT_EQ(body["name"], "/s");
    EXPECT_EQ(body["memory_stats"]["limit"], 64 << 20);
    EXPECT_EQ(http("GET", "/containers/s/stats?stream=true&one-shot=true").first, 400);
    // Streamed: an object a second until the client leaves (curl gives up after 2.5 s).
    auto streamed = run({"/usr/bin/curl", "-s", "-m", "2.5", "--unix-socket", sock_, "http://d/v1.43/containers/s/stats"});
    auto objects = lines(streamed.out);
    ASSERT_GE(objects.size(), 2u) << streamed;
    EXPECT_EQ(json::parse(objects[1])["precpu_stats"]["cpu_usage"]["total_usage"],
              json::parse(objects[0])["cpu_stats"]["cpu_usage"]["total_usage"]);
    EXPECT_EQ(http("GET", "/containers/nothing/stats?stream=false").first, 404);
    EXPECT_EQ(docker({"rm", "-f", "s"}).code, 0);
}

TEST_F(DockerCli, ExportWritesTheContainersFileSystem) {
    auto p = docker_run({"--name", "x"}, {"sh", "-c", "echo exported > /marker"});
    ASSERT_EQ(p.code, 0) << p;
    std::string tar = dir_ + "/x.tar";
    p = docker({"export", "-o", tar, "x"});
    ASSERT_EQ(p.code, 0) << p;
    p = run({"/bin/tar", "-xOf", tar, "marker"});
    EXPECT_EQ(p.out, "exported\n") << p;
    p = run({"/bin/tar", "-tf", tar});
    EXPECT_NE(p.out.find("bin/busybox"), std::string::npos);
    p = docker({"export", "-o", tar, "nothing"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("No such container"), std::string::npos) << p;
    EXPECT_EQ(docker({"rm", "x"}).code, 0);
}

TEST_F(DockerCli, ExportOfARootThatCannotBeMountedIsAnErrorNotAnEmptyTar) {
    auto p = docker({"create", "--name", "y", "busybox", "true"});
    ASSERT_EQ(p.code, 0) << p;
    std::string id = p.out.substr(0, p.out.find('\n'));
    // Break its storage: the overlay is gone and its record of layers is unreadable.
    std::string meta;
    for (const auto& e : fs::recursive_directory_iterator(root_))
        if (e.path().filename() == "meta.json" && e.path().parent_path().filename() == id) meta = e.path();
    ASSERT_FALSE(meta.empty());
    std::string merged = fs::path(meta).parent_path() / "merged";
    ::umount2(merged.c_str(), MNT_DETACH);
    std::ofstream(meta) << "{}";
    auto [code, body] = http("GET", "/containers/y/export");
    EXPECT_EQ(code, 500) << body;
    EXPECT_NE(body.value("message", "").find("meta.json: corrupt"), std::string::npos) << body;
    EXPECT_EQ(docker({"rm", "y"}).code, 0);
}

}  // namespace
}  // namespace brig::test
