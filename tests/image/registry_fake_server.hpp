// A tiny HTTP/1.1 server on 127.0.0.1 for registry client tests: one request per connection
// (Connection: close), a handler per request, and a way to cut a response's body half-way
// (a connection dropped mid-blob). Header-only, used by registry_*_test.cpp.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace brig::registry::testing {

struct FakeRequest {
    std::string method;
    std::string target;  // path?query
    std::string path;
    std::string query;
    std::map<std::string, std::string> headers;  // names lower-case
    std::string body;

    std::string header(const std::string& k) const {
        auto it = headers.find(k);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct FakeResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    size_t cut_after = std::string::npos;  // close the connection after this many body bytes
    size_t chunk = 0;                      // > 0: send the body in chunks of this size ...
    int chunk_delay_ms = 0;                // ... with this pause between them (a slow link)
};

class FakeHttpServer {
public:
    using Handler = std::function<FakeResponse(const FakeRequest&)>;

    explicit FakeHttpServer(Handler h) : handler_(std::move(h)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket");
        int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 64) != 0) {
            throw std::runtime_error("bind/listen");
        }
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { loop(); });
    }
    ~FakeHttpServer() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    FakeHttpServer(const FakeHttpServer&) = delete;
    FakeHttpServer& operator=(const FakeHttpServer&) = delete;

    int port() const { return port_; }
    std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
    std::string base() const { return "http://" + host(); }
    std::vector<FakeRequest> requests() {
        std::lock_guard lock(mu_);
        return log_;
    }

private:
    static std::string lower(std::string s) {
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
        return s;
    }
    static bool send_all(int fd, const char* p, size_t n) {
        while (n > 0) {
            ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
            if (w <= 0) return false;
            p += w;
            n -= size_t(w);
        }
        return true;
    }

    void loop() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            serve(c);
            ::close(c);
        }
    }

    void serve(int c) {
        std::string data;
        char buf[8192];
        size_t header_end = std::string::npos;
        while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
            pollfd p{c, POLLIN, 0};
            if (::poll(&p, 1, 5000) <= 0) return;
            ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) return;
            data.append(buf, size_t(n));
            if (data[0] == '\x16') return;  // a TLS ClientHello: plain http only (the client falls back)
        }
        FakeRequest req;
        std::string head = data.substr(0, header_end);
        size_t line_end = head.find("\r\n");
        std::string first = head.substr(0, line_end);
        size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
        req.method = first.substr(0, sp1);
        req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
        size_t q = req.target.find('?');
        req.path = req.target.substr(0, q);
        if (q != std::string::npos) req.query = req.target.substr(q + 1);
        size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
            size_t e = head.find("\r\n", pos);
            if (e == std::string::npos) e = head.size();
            std::string l = head.substr(pos, e - pos);
            size_t colon = l.find(':');
            if (colon != std::string::npos) {
                size_t v = l.find_first_not_of(' ', colon + 1);
                req.headers[lower(l.substr(0, colon))] = v == std::string::npos ? "" : l.substr(v);
            }
            pos = e + 2;
        }
        req.body = data.substr(header_end + 4);
        size_t want = req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
        while (req.body.size() < want) {
            pollfd p{c, POLLIN, 0};
            if (::poll(&p, 1, 5000) <= 0) return;
            ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) return;
            req.body.append(buf, size_t(n));
        }
        {
            std::lock_guard lock(mu_);
            log_.push_back(req);
        }
        FakeResponse resp = handler_(req);
        std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " X\r\n";
        bool has_len = false;
        for (const auto& [k, v] : resp.headers) {
            out += k + ": " + v + "\r\n";
            if (lower(k) == "content-length") has_len = true;
        }
        if (!has_len) out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n";
        out += "Connection: close\r\n\r\n";
        if (!send_all(c, out.data(), out.size())) return;
        if (req.method == "HEAD") return;
        size_t n = std::min(resp.cut_after, resp.body.size());
        size_t step = resp.chunk > 0 ? resp.chunk : n;
        for (size_t off = 0; off < n && !stop_; off += step) {
            if (!send_all(c, resp.body.data() + off, std::min(step, n - off))) return;
            if (resp.chunk_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(resp.chunk_delay_ms));
        }
    }

    Handler handler_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mu_;
    std::vector<FakeRequest> log_;
};

}  // namespace brig::registry::testing
