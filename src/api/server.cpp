#include "api/server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <fmt/core.h>

namespace brig::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using local = asio::local::stream_protocol;

namespace {

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

class ConnStream : public Stream {
public:
    ConnStream(int fd, bool chunked, std::string buffered) : fd_(fd), chunked_(chunked), buffered_(std::move(buffered)) {}
    bool write(std::string_view data) override {
        if (!ok_) return false;
        if (data.empty()) return true;
        if (chunked_) ok_ = send_all(fd_, fmt::format("{:x}\r\n", data.size())) && send_all(fd_, data) && send_all(fd_, "\r\n");
        else ok_ = send_all(fd_, data);
        return ok_;
    }
    int fd() const override { return fd_; }
    std::string take_buffered() override { return std::exchange(buffered_, {}); }
    // On a chunked response a half-close is the client leaving. On a hijacked or raw stream it
    // is only the end of the client's stdin (docker's CLI shuts its write side at once when it
    // sends none) and the client still reads: gone is a full close or an error. (Over TCP a
    // full close looks like a half-close until a write fails.)
    bool peer_gone() const override {
        pollfd p{fd_, POLLRDHUP, 0};
        short gone = chunked_ ? (POLLRDHUP | POLLHUP | POLLERR) : (POLLHUP | POLLERR);
        return !ok_ || (::poll(&p, 1, 0) > 0 && (p.revents & gone) != 0);
    }
    bool ok() const { return ok_; }

private:
    int fd_;
    bool chunked_;
    std::string buffered_;
    bool ok_ = true;
};

std::string head(const Response& r, int status, bool keep_alive, bool head_only) {
    std::string h = fmt::format("HTTP/1.1 {} {}\r\n", status, reason_phrase(status));
    bool has_type = false;
    for (const auto& [k, v] : r.headers) {
        h += fmt::format("{}: {}\r\n", k, v);
        if (strcasecmp(k.c_str(), "content-type") == 0) has_type = true;
    }
    h += "Server: brig/" BRIG_VERSION "\r\nApi-Version: 1.43\r\nDocker-Experimental: false\r\nOstype: linux\r\n";
    switch (r.mode) {
        case BodyMode::Full:
            if (!(head_only && r.body.empty()) && status != 204 && status != 304)
                h += fmt::format("Content-Length: {}\r\n", r.body.size());
            if (!has_type && !r.body.empty()) h += "Content-Type: text/plain; charset=utf-8\r\n";
            h += keep_alive ? "" : "Connection: close\r\n";
            break;
        case BodyMode::Chunked:
            h += "Transfer-Encoding: chunked\r\n";
            h += keep_alive ? "" : "Connection: close\r\n";
            break;
        case BodyMode::Hijack: h += "Connection: Upgrade\r\nUpgrade: tcp\r\n"; break;
        case BodyMode::Raw: h += "Connection: close\r\n"; break;
    }
    return h + "\r\n";
}

struct Counters {
    std::atomic<int> active{0};
    std::atomic<int64_t> last_activity{0};
};

int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void serve_connection(const Router& router, int fd, const ServerOptions& opts, Counters& counters) {
    asio::io_context io;
    local::socket sock(io);
    boost::system::error_code ec;
    sock.assign(local(), fd, ec);
    if (ec) {
        ::close(fd);
        return;
    }
    boost::beast::flat_buffer buf;
    bool open = true;
    while (open) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(opts.max_header));
        parser.body_limit(opts.max_body);
        http::read(sock, buf, parser, ec);
        counters.last_activity = now_s();
        if (ec) {
            if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset) break;
            int status = ec == http::error::body_limit ? 413 : ec == http::error::header_limit ? 431 : 400;
            Response err = error_response(status, fmt::format("malformed HTTP request: {}", ec.message()));
            send_all(fd, head(err, status, false, false) + err.body);
            break;
        }
        auto& msg = parser.get();
        Request req;
        req.method = std::string(msg.method_string());
        req.target = std::string(msg.target());
        for (const auto& f : msg) {
            std::string name(f.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            req.headers[name] = std::string(f.value());
        }
        req.body = std::move(msg.body());
        bool keep_alive = msg.keep_alive();
        Response res;
        if (auto qpos = req.target.find('?'); qpos != std::string::npos) {
            auto q = parse_query(std::string_view(req.target).substr(qpos + 1));
            if (!q) res = error_response(400, fmt::format("malformed query: {}", q.error().message));
            else req.query = std::move(*q);
            if (q) res = router.dispatch(req);
        } else {
            res = router.dispatch(req);
        }
        bool head_only = req.method == "HEAD";
        if (res.mode == BodyMode::Hijack && req.header("upgrade").empty()) res.mode = BodyMode::Raw;
        int status = res.mode == BodyMode::Hijack ? 101 : res.status;
        if (res.mode == BodyMode::Hijack || res.mode == BodyMode::Raw) keep_alive = false;
        if (!send_all(fd, head(res, status, keep_alive, head_only))) break;
        if (res.mode == BodyMode::Full) {
            if (!head_only && !send_all(fd, res.body)) break;
        } else {
            std::string rest(static_cast<const char*>(buf.data().data()), buf.size());
            buf.consume(buf.size());
            ConnStream s(fd, res.mode == BodyMode::Chunked, std::move(rest));
            if (res.stream) res.stream(s);
            if (res.mode == BodyMode::Chunked && (!s.ok() || !send_all(fd, "0\r\n\r\n"))) break;
        }
        counters.last_activity = now_s();
        open = keep_alive;
    }
    sock.close(ec);
}

}  // namespace

Result<int> listen_unix(const std::string& path, unsigned mode) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return fail("socket path {:?} is too long", path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return sys_fail("socket");
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        auto e = sys_fail("bind {}", path);
        ::close(fd);
        return e;
    }
    if (::chmod(path.c_str(), mode) < 0 || ::listen(fd, 256) < 0) {
        auto e = sys_fail("listen on {}", path);
        ::close(fd);
        return e;
    }
    return fd;
}

std::vector<int> systemd_listen_fds() {
    std::vector<int> out;
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    if (pid == nullptr || fds == nullptr || std::atoi(pid) != ::getpid()) return out;
    int n = std::atoi(fds);
    for (int i = 0; i < n; ++i) {
        int fd = 3 + i;
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        out.push_back(fd);
    }
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    return out;
}

Result<void> serve(const Router& router, std::vector<int> listen_fds, const ServerOptions& opts) {
    if (listen_fds.empty()) return fail("nothing to listen on");
    Counters counters;
    counters.last_activity = now_s();
    std::vector<pollfd> pfds;
    for (int fd : listen_fds) pfds.push_back({fd, POLLIN, 0});
    while (true) {
        int r = ::poll(pfds.data(), pfds.size(), 500);
        if (r < 0 && errno != EINTR) return sys_fail("poll");
        for (auto& p : pfds) {
            if (!(p.revents & POLLIN)) continue;
            int c = ::accept4(p.fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            ++counters.active;
            counters.last_activity = now_s();
            std::thread([&router, c, &opts, &counters] {
                serve_connection(router, c, opts, counters);
                counters.last_activity = now_s();
                --counters.active;
            }).detach();
        }
        if (opts.idle.count() > 0 && counters.active == 0 && now_s() - counters.last_activity >= opts.idle.count()) break;
    }
    for (int fd : listen_fds) ::close(fd);
    return {};
}

}  // namespace brig::api
