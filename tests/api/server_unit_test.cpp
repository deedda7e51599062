// The server on a real unix socket (no root): a client's half-close is its stdin's end on a
// hijacked stream, which still gets written to, and the client leaving on a chunked one.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "api/router.hpp"
#include "api/server.hpp"

using namespace std::chrono_literals;
namespace api = brig::api;

namespace {

class ServerHalfClose : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/brig-server-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        path_ = dir_ + "/s.sock";
        // Each stream waits until the client has half-closed, then reports what it sees.
        auto after_half_close = [this](api::Stream& st) {
            while (!client_shut_) std::this_thread::sleep_for(5ms);
            std::this_thread::sleep_for(50ms);
            gone_ = st.peer_gone();
            st.write("still-here");
        };
        router_.add("POST", "/hijack", [after_half_close](api::Request&) -> brig::Result<api::Response> {
            api::Response r;
            r.mode = api::BodyMode::Hijack;
            r.stream = after_half_close;
            return r;
        });
        router_.add("GET", "/chunked", [after_half_close](api::Request&) -> brig::Result<api::Response> {
            api::Response r;
            r.mode = api::BodyMode::Chunked;
            r.stream = after_half_close;
            return r;
        });
        auto fd = api::listen_unix(path_, 0600);
        ASSERT_TRUE(fd.has_value()) << fd.error().message;
        server_ = std::thread([this, fd = *fd] { (void)api::serve(router_, {fd}, {.idle = 1s}); });
    }
    void TearDown() override {
        if (server_.joinable()) server_.join();  // the server ends 1 s after the last connection
        ::unlink(path_.c_str());
        ::rmdir(dir_.c_str());
    }

    // Sends `request`, reads the head, shuts the write side, then reads to the end.
    std::string exchange(const std::string& request) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd);
            return "connect failed";
        }
        (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
        std::string got;
        char buf[4096];
        while (got.find("\r\n\r\n") == std::string::npos) {
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            got.append(buf, static_cast<size_t>(n));
        }
        ::shutdown(fd, SHUT_WR);
        client_shut_ = true;
        while (true) {
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            got.append(buf, static_cast<size_t>(n));
        }
        ::close(fd);
        return got;
    }

    std::string dir_, path_;
    api::Router router_;
    std::thread server_;
    std::atomic<bool> client_shut_{false}, gone_{false};
};

TEST_F(ServerHalfClose, OnAHijackedStreamIsTheEndOfStdinNotTheClientLeaving) {
    std::string got = exchange("POST /hijack HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
    EXPECT_TRUE(got.starts_with("HTTP/1.1 101")) << got;
    EXPECT_FALSE(gone_);
    EXPECT_TRUE(got.ends_with("still-here")) << got;
}

TEST_F(ServerHalfClose, OnAChunkedResponseIsTheClientLeaving) {
    std::string got = exchange("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(got.starts_with("HTTP/1.1 200")) << got;
    EXPECT_TRUE(gone_);
}

}  // namespace
