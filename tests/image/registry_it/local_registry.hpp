// Debian's docker-registry on 127.0.0.1:<free port> for tests, with its storage and config in
// a directory of the test's; killed by pid when the object goes. Used by the registry tests
// and the build tests (a built image pushed and read back by skopeo).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace brig::test_registry {

inline int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

inline bool port_open(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

class LocalRegistry {
public:
    // `extra_yaml` follows the http section: more of it ("  tls: ...") or a top-level auth section.
    explicit LocalRegistry(const std::string& dir, const std::string& extra_yaml = {}) : dir_(dir) {
        port_ = free_port();
        std::filesystem::create_directories(dir_ + "/data");
        std::ofstream cfg(dir_ + "/config.yml");
        cfg << "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
            << "storage:\n  filesystem:\n    rootdirectory: " << dir_ << "/data\n  delete:\n    enabled: true\n"
            << "http:\n  addr: 127.0.0.1:" << port_ << "\n  secret: brig-test\n";
        cfg << extra_yaml;
        cfg.close();
        std::string config = dir_ + "/config.yml", err = dir_ + "/stderr";
        pid_ = ::fork();
        if (pid_ == 0) {
            int null = ::open("/dev/null", O_RDWR);
            int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(null, 0);
            ::dup2(null, 1);
            ::dup2(e, 2);
            ::execl("/usr/bin/docker-registry", "/usr/bin/docker-registry", "serve", config.c_str(), nullptr);
            ::_exit(127);
        }
        for (int i = 0; i < 600 && !port_open(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ~LocalRegistry() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    LocalRegistry(const LocalRegistry&) = delete;
    LocalRegistry& operator=(const LocalRegistry&) = delete;
    bool up() const { return port_open(port_); }
    std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
    std::string log() const {
        std::ifstream in(dir_ + "/stderr");
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

private:
    std::string dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace brig::test_registry
