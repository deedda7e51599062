// `docker exec` (docker.io 20.10) against `brig system service`: the exec routes (create, start
// hijacked or detached, inspect for the exit code, resize) with real runtime execs in a
// container started by docker run. curl speaks to the socket where the CLI has no command
// (exec inspect, container resize).

#include <fmt/core.h>

#include "docker_cli_fixture.hpp"

namespace brig::test {
namespace {

class DockerExec : public DockerCli {
protected:
    void SetUp() override {
        DockerCli::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        auto p = docker({"run", "-d", "--name", "c", "--cgroup-parent", cgroup_parent_, "busybox", "sleep", "300"});
        ASSERT_EQ(p.code, 0) << p;
        id_c_ = lines(p.out).at(0);
    }

    // The docker CLI with stdin from `input`.
    Proc docker_in(std::vector<std::string> args, const std::string& input) {
        args.insert(args.begin(), {"/usr/bin/docker", "--config", dir_ + "/docker-config", "-H", "unix://" + sock_});
        return run(args, 60s, input);
    }

    // An API call through curl: the body, and the status code on the last line.
    Proc api(const std::string& method, const std::string& path, const std::string& body = "") {
        std::vector<std::string> args = {"/usr/bin/curl", "-s", "--unix-socket", sock_, "-X", method,
                                         "-w", "\n%{http_code}", "http://localhost/v1.43" + path};
        if (!body.empty()) args.insert(args.end(), {"-H", "Content-Type: application/json", "-d", body});
        return run(args);
    }
    static int status_of(const Proc& p) { return std::atoi(lines(p.out).back().c_str()); }
    static json body_of(const Proc& p) { return json::parse(p.out.substr(0, p.out.rfind('\n')), nullptr, false); }

    std::string id_c_;
};

TEST_F(DockerExec, StreamsAndExitCodes) {
    auto p = docker({"exec", "c", "echo", "hi"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "hi\n");
    EXPECT_EQ(p.err, "");
    // stdout and stderr stay apart (stdcopy frames).
    p = docker({"exec", "c", "sh", "-c", "echo out; echo err >&2; echo out2"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "out\nout2\n");
    EXPECT_EQ(p.err, "err\n");
    // The process's exit code is docker's.
    p = docker({"exec", "c", "sh", "-c", "exit 7"});
    EXPECT_EQ(p.code, 7) << p;
    p = docker({"exec", "c", "sh", "-c", "kill -9 $$"});
    EXPECT_EQ(p.code, 137) << p;
    // A command that is not there: docker's 126/127, and a message.
    p = docker({"exec", "c", "/no/such/command"});
    EXPECT_TRUE(p.code == 126 || p.code == 127) << p;
    EXPECT_FALSE(p.out.empty() && p.err.empty()) << p;
    // An unknown user cannot run either.
    p = docker({"exec", "-u", "nosuchuser", "c", "id"});
    EXPECT_EQ(p.code, 126) << p;
    // The container is still fine.
    EXPECT_EQ(docker({"exec", "c", "echo", "ok"}).out, "ok\n");
}

TEST_F(DockerExec, EnvUserWorkdir) {
    auto p = docker({"exec", "-e", "FOO=bar baz", "-e", "HOME=/elsewhere", "c", "sh", "-c", "echo \"$FOO|$HOME\""});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "bar baz|/elsewhere\n");
    p = docker({"exec", "-u", "1000:1001", "c", "sh", "-c", "echo $(id -u) $(id -g)"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "1000 1001\n");
    p = docker({"exec", "-u", "nobody", "c", "id", "-un"});
    EXPECT_EQ(p.out, "nobody\n") << p;
    p = docker({"exec", "-w", "/tmp", "c", "pwd"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "/tmp\n");
    // --privileged: every capability (CapEff all ones up to the last cap).
    p = docker({"exec", "c", "grep", "CapEff", "/proc/self/status"});
    std::string plain = p.out;
    p = docker({"exec", "--privileged", "c", "grep", "CapEff", "/proc/self/status"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out, plain) << p;
}

TEST_F(DockerExec, InteractiveStdin) {
    // -i: the client's stdin through the hijacked connection; its half-close is the EOF.
    auto p = docker_in({"exec", "-i", "c", "sh", "-c", "cat; echo done"}, "line1\nline2\n");
    ASSERT_EQ(p.code, 0) << p << slurp(log_);
    EXPECT_EQ(p.out, "line1\nline2\ndone\n");
    // Without -i the process's stdin is empty.
    p = docker_in({"exec", "c", "sh", "-c", "cat; echo done"}, "ignored\n");
    EXPECT_EQ(p.out, "done\n") << p;
    // A larger input than any pipe holds, while the output flows back.
    std::string big;
    for (int i = 0; i < 20000; ++i) big += fmt::format("line {}\n", i);
    p = docker_in({"exec", "-i", "c", "cat"}, big);
    EXPECT_EQ(p.code, 0) << p.err;
    EXPECT_EQ(p.out.size(), big.size());
    EXPECT_TRUE(p.out == big);
}

TEST_F(DockerExec, DetachedAndInspect) {
    auto p = docker({"exec", "-d", "c", "sh", "-c", "sleep 0.2; echo made > /tmp/flag"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "");
    EXPECT_TRUE(eventually([&] { return docker({"exec", "c", "cat", "/tmp/flag"}).out == "made\n"; }));

    // The routes themselves: create, inspect before and after a detached start, 404s.
    auto r = api("POST", "/containers/c/exec", R"({"Cmd":["sh","-c","sleep 1; exit 3"],"User":"nobody"})");
    ASSERT_EQ(status_of(r), 201) << r;
    std::string exec_id = body_of(r)["Id"];
    ASSERT_EQ(exec_id.size(), 64u) << r;
    json j = body_of(api("GET", "/exec/" + exec_id + "/json"));
    EXPECT_EQ(j["Running"], false) << j;
    EXPECT_TRUE(j["ExitCode"].is_null()) << j;
    EXPECT_EQ(j["ContainerID"], id_c_);
    EXPECT_EQ(j["ProcessConfig"]["entrypoint"], "sh");
    EXPECT_EQ(j["ProcessConfig"]["user"], "nobody");
    r = api("POST", "/exec/" + exec_id + "/start", R"({"Detach":true,"Tty":false})");
    EXPECT_EQ(status_of(r), 200) << r;
    j = body_of(api("GET", "/exec/" + exec_id + "/json"));
    EXPECT_EQ(j["Running"], true) << j;
    EXPECT_GT(j["Pid"].get<int>(), 0) << j;
    EXPECT_TRUE(eventually([&] { return body_of(api("GET", "/exec/" + exec_id + "/json"))["Running"] == false; }));
    j = body_of(api("GET", "/exec/" + exec_id + "/json"));
    EXPECT_EQ(j["ExitCode"], 3) << j;
    r = api("POST", "/exec/" + exec_id + "/start", R"({"Detach":true})");
    EXPECT_EQ(status_of(r), 409) << r;  // it has run
    r = api("GET", "/exec/nosuch/json");
    EXPECT_EQ(status_of(r), 404) << r;
    EXPECT_EQ(body_of(r)["message"], "No such exec instance: nosuch");
    EXPECT_EQ(status_of(api("POST", "/containers/c/exec", R"({"Cmd":[]})")), 400);
    EXPECT_EQ(status_of(api("POST", "/containers/nosuch/exec", R"({"Cmd":["true"]})")), 404);
}

TEST_F(DockerExec, StoppedContainerRefuses) {
    auto r = api("POST", "/containers/c/exec", R"({"Cmd":["true"]})");
    ASSERT_EQ(status_of(r), 201) << r;
    std::string exec_id = body_of(r)["Id"];
    ASSERT_EQ(docker({"stop", "-t", "1", "c"}).code, 0);
    auto p = docker({"exec", "c", "echo", "hi"});
    EXPECT_NE(p.code, 0) << p;
    EXPECT_NE(p.err.find("Container " + id_c_ + " is not running"), std::string::npos) << p;
    // An exec made while it ran cannot start now either.
    r = api("POST", "/exec/" + exec_id + "/start", R"({"Detach":true})");
    EXPECT_EQ(status_of(r), 409) << r;
    EXPECT_EQ(status_of(api("POST", "/containers/c/resize?h=10&w=10")), 409);
}

TEST_F(DockerExec, Tty) {
    // -t without a terminal of ours: the pty's raw stream (\r\n), one stream.
    auto p = docker({"exec", "-t", "c", "sh", "-c", "test -t 0 && test -t 1 && echo tty; echo err >&2"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "tty\r\nerr\r\n");
    p = docker({"exec", "-t", "c", "sh", "-c", "exit 5"});
    EXPECT_EQ(p.code, 5) << p;
    // The size given by the docker CLI from its terminal (a pty from script(1)), through
    // /exec/{id}/resize. docker 20.10 sends it once the stream is up (API 1.42's ConsoleSize came
    // later): a process asking at once could still see 0 0, as with dockerd.
    if (!fs::exists("/usr/bin/script")) GTEST_SKIP() << "needs util-linux script for a terminal";
    std::string cmd = fmt::format("stty rows 33 cols 77; /usr/bin/docker --config {}/docker-config -H unix://{} exec -it c sh -c 'sleep 0.5; stty size'",
                                  dir_, sock_);
    p = run({"/usr/bin/script", "-qec", cmd, "/dev/null"}, 60s);
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("33 77"), std::string::npos) << p;
    // The detach keys end the session and leave the process running (ctrl-p,ctrl-q cannot pass
    // script's own terminal: ^Q is its flow control).
    cmd = fmt::format("/usr/bin/docker --config {}/docker-config -H unix://{} exec -it --detach-keys ctrl-a,b c sh -c 'sleep 30'",
                      dir_, sock_);
    auto t0 = std::chrono::steady_clock::now();
    p = run({"/bin/sh", "-c", "(sleep 1; printf 'x\\001b') | /usr/bin/script -qec \"$0\" /dev/null", cmd}, 60s);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s) << p;
    EXPECT_NE(p.out.find("read escape sequence"), std::string::npos) << p;
    EXPECT_NE(docker({"exec", "c", "ps"}).out.find("sleep 30"), std::string::npos);
}

TEST_F(DockerExec, ExecResizeAndContainerResize) {
    // An exec's pty, sized by the API while it runs.
    auto r = api("POST", "/containers/c/exec", R"({"Cmd":["sh","-c","sleep 1; stty size > /tmp/size"],"Tty":true})");
    ASSERT_EQ(status_of(r), 201) << r;
    std::string exec_id = body_of(r)["Id"];
    EXPECT_EQ(status_of(api("POST", "/exec/" + exec_id + "/start", R"({"Detach":true,"Tty":true})")), 200);
    r = api("POST", "/exec/" + exec_id + "/resize?h=21&w=61");
    EXPECT_EQ(status_of(r), 200) << r;
    EXPECT_EQ(status_of(api("POST", "/exec/" + exec_id + "/resize?h=x&w=61")), 400);
    EXPECT_TRUE(eventually([&] { return docker({"exec", "c", "cat", "/tmp/size"}).out == "21 61\n"; }))
        << docker({"exec", "c", "cat", "/tmp/size"});

    // ConsoleSize: the pty's first size (set once the runtime hands the pty over: a moment later).
    r = api("POST", "/containers/c/exec", R"({"Cmd":["sh","-c","sleep 0.5; stty size > /tmp/first"],"Tty":true,"ConsoleSize":[12,34]})");
    ASSERT_EQ(status_of(r), 201) << r;
    EXPECT_EQ(status_of(api("POST", "/exec/" + body_of(r)["Id"].get<std::string>() + "/start", R"({"Detach":true,"Tty":true})")), 200);
    EXPECT_TRUE(eventually([&] { return docker({"exec", "c", "cat", "/tmp/first"}).out == "12 34\n"; }))
        << docker({"exec", "c", "cat", "/tmp/first"});

    // A container with a TTY: its console, through the monitor.
    auto p = docker({"run", "-d", "-t", "--name", "t", "--cgroup-parent", cgroup_parent_, "busybox", "sleep", "300"});
    ASSERT_EQ(p.code, 0) << p;
    r = api("POST", "/containers/t/resize?h=17&w=43");
    EXPECT_EQ(status_of(r), 200) << r;
    EXPECT_TRUE(eventually([&] { return docker({"exec", "t", "stty", "-F", "/dev/console", "size"}).out == "17 43\n"; }))
        << docker({"exec", "t", "stty", "-F", "/dev/console", "size"});
    EXPECT_EQ(status_of(api("POST", "/containers/t/resize?w=43")), 400);
    EXPECT_EQ(status_of(api("POST", "/containers/nosuch/resize?h=1&w=1")), 404);
}

}  // namespace
}  // namespace brig::test
