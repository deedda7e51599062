// The fixture of the docker CLI tests: `brig system service` on a socket in the test's dir, in the
// test's own network namespace (tests/engine/fixture.hpp), and docker() to run the real docker
// CLI (docker.io 20.10, /usr/bin/docker) against it; docker_run() for `docker run` of busybox with
// the test's cgroup parent, http() for one raw request (curl) when the status code matters.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

#include "fixture.hpp"

namespace brig::test {

class DockerCli : public EngineFixture {
protected:
    void SetUp() override {
        EngineFixture::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        if (!fs::exists("/usr/bin/docker")) GTEST_SKIP() << "needs /usr/bin/docker (docker.io)";
        auto p = brig({"load", "-i", BRIG_ET_IMAGE});
        ASSERT_EQ(p.code, 0) << p;
        sock_ = dir_ + "/docker.sock";
        log_ = dir_ + "/service.log";
        auto argv = brig_argv({"system", "service", "--time", "0", "unix://" + sock_});
        service_ = fork();
        if (service_ == 0) {
            int devnull = open("/dev/null", O_RDONLY);
            int log = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(devnull, 0);
            dup2(log, 1);
            dup2(log, 2);
            std::vector<char*> a;
            for (auto& s : argv) a.push_back(s.data());
            a.push_back(nullptr);
            execv(a[0], a.data());
            _exit(127);
        }
        ASSERT_GT(service_, 0);
        ASSERT_TRUE(eventually([&] { return fs::exists(sock_); })) << slurp(log_);
    }

    void TearDown() override {
        if (service_ > 0) {
            kill(service_, SIGTERM);
            if (!eventually([&] { return waitpid(service_, nullptr, WNOHANG) == service_; }, 5s)) {
                kill(service_, SIGKILL);
                waitpid(service_, nullptr, 0);
            }
        }
        EngineFixture::TearDown();
    }

    Proc docker(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
        args.insert(args.begin(), {"/usr/bin/docker", "--config", dir_ + "/docker-config", "-H", "unix://" + sock_});
        auto p = run(args, timeout);
        if (p.code != 0) std::cerr << "service log:\n" << slurp(log_) << "\n";
        return p;
    }

    // docker run [flags] busybox cmd... with the test's cgroup parent.
    Proc docker_run(std::vector<std::string> flags, const std::vector<std::string>& cmd) {
        std::vector<std::string> args = {"run", "--cgroup-parent", cgroup_parent_};
        args.insert(args.end(), flags.begin(), flags.end());
        args.push_back("busybox");
        args.insert(args.end(), cmd.begin(), cmd.end());
        return docker(args);
    }
    // One raw request (curl on the service's socket, API 1.43): the status and the body.
    std::pair<int, json> http(const std::string& method, const std::string& path, const std::string& body = "") {
        std::vector<std::string> args = {"/usr/bin/curl", "-s", "-w", "\n%{http_code}", "--unix-socket", sock_, "-X", method};
        if (!body.empty()) args.insert(args.end(), {"-H", "Content-Type: application/json", "-d", body});
        args.push_back("http://brig/v1.43" + path);
        auto p = run(args);
        auto nl = p.out.rfind('\n');
        if (p.code != 0 || nl == std::string::npos) return {-1, json()};
        std::string text = p.out.substr(0, nl);
        return {std::atoi(p.out.c_str() + nl + 1), text.empty() ? json() : json::parse(text, nullptr, false)};
    }
    std::string sock_, log_;
    pid_t service_ = -1;
};

}  // namespace brig::test
