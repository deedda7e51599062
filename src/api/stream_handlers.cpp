// The streaming container routes: wait (the head at once, the body when the condition holds),
// logs (chunked, docker's stdcopy frames without a TTY), attach (hijacked after 101
// UPGRADED, full duplex: the client's bytes become the container's stdin) and stats (one
// JSON object a second, or one only).
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include <fmt/core.h>

#include "api/errors.hpp"
#include "api/service.hpp"
#include "api/stats_json.hpp"
#include "engine/attach_client.hpp"
#include "engine/logs.hpp"
#include "engine/monitor_proto.hpp"
#include "engine/stats.hpp"
#include "linux/fs.hpp"

namespace brig::api {


namespace {

using namespace std::chrono_literals;

Result<Response> wait(Service& s, const Request& req) {
    std::string cond = req.q("condition").value_or("not-running");
    if (cond.empty()) cond = "not-running";
    if (cond != "not-running" && cond != "next-exit" && cond != "removed")
        return error_response(400, fmt::format("invalid condition {:?}: use not-running, next-exit or removed", cond));
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    std::string finished0 = e.store.live_state(rec).finished_at;
    Response r;
    r.mode = BodyMode::Chunked;
    r.headers.emplace_back("Content-Type", "application/json");
    r.stream = [e = e, rec = rec, cond, finished0](Stream& st) {
        int code = 0;
        while (true) {
            if (st.peer_gone()) return;
            if (!linuxfs::exists(e.store.dir(rec.id) + "/container.json")) break;  // removed
            auto live = e.store.live_state(rec);
            code = live.exit_code;
            if (cond == "not-running" && !live.running()) break;
            if (cond == "next-exit" && !live.running() && live.finished_at != finished0) break;
            std::this_thread::sleep_for(50ms);
        }
        st.write(fmt::format("{{\"StatusCode\":{},\"Error\":null}}\n", code));
    };
    return r;
}

Result<Response> logs(Service& s, const Request& req) {
    bool out = req.q_bool("stdout"), err = req.q_bool("stderr");
    if (!out && !err) return error_response(400, "Bad parameters: you must choose at least one stream");
    engine::LogsOptions o;
    o.follow = req.q_bool("follow");
    o.timestamps = req.q_bool("timestamps");
    o.since = req.q("since").value_or("");
    o.until = req.q("until").value_or("");
    if (o.since == "0") o.since.clear();
    if (o.until == "0") o.until.clear();
    for (const auto* t : {&o.since, &o.until})
        if (auto p = engine::parse_time_filter(*t); !p) return error_response(400, p.error().message);
    std::string tail = req.q("tail").value_or("all");
    if (tail != "all" && !tail.empty()) {
        auto n = req.q_int("tail");
        if (!n || !*n || **n < 0) return error_response(400, fmt::format("invalid value for \"tail\": {:?}", tail));
        o.tail = static_cast<size_t>(**n);
    }
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    if (rec.host.log.driver == "none")
        return error_response(501, "configured logging driver does not support reading");
    Response r;
    r.mode = BodyMode::Chunked;
    r.headers.emplace_back("Content-Type", stream_content_type(rec.tty));
    r.stream = [e = e, rec = rec, o, out, err](Stream& st) mutable {
        o.sink = [&](bool is_err, std::string_view text) {
            if (text.empty()) return !st.peer_gone();
            if (is_err ? !err : !out) return true;
            return st.write(rec.tty ? std::string(text) : stdcopy_frame(is_err ? 2 : 1, text));
        };
        (void)engine::print_logs(e, rec, o);
    };
    return r;
}

struct PumpOptions {
    bool tty = false, in = false, out = true, err = true;
};

// Copies between the monitor's attach socket and the hijacked connection until the container
// exits or the client goes away. Returns the exit code, -1 when none was seen.
int pump(Stream& st, int sock, const PumpOptions& po) {
    bool client_in = po.in;
    if (std::string early = st.take_buffered(); client_in && !early.empty()) engine::send_packet(sock, engine::proto::Stdin, early);
    int code = -1;
    while (true) {
        pollfd p[2] = {{sock, POLLIN, 0}, {client_in ? st.fd() : -1, POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[16384];
            ssize_t n = ::read(st.fd(), buf, sizeof buf);
            if (n > 0) {
                engine::send_packet(sock, engine::proto::Stdin, std::string_view(buf, static_cast<size_t>(n)));
            } else if (n == 0 || errno != EINTR) {
                client_in = false;  // half-closed: the output still flows
                engine::send_packet(sock, engine::proto::CloseStdin, "");
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[engine::proto::kMaxPacket];
            ssize_t n = engine::proto::recv_packet(sock, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            std::string_view payload(buf + 1, static_cast<size_t>(n) - 1);
            bool is_out = buf[0] == engine::proto::Stdout, is_err = buf[0] == engine::proto::Stderr;
            if ((is_out && po.out) || (is_err && po.err)) {
                if (!st.write(po.tty ? std::string(payload) : stdcopy_frame(is_err ? 2 : 1, payload))) break;
            } else if (buf[0] == engine::proto::Exit) {
                code = std::atoi(std::string(payload).c_str());
                break;
            } else if (buf[0] == engine::proto::Status && payload.starts_with("exited ")) {
                code = std::atoi(std::string(payload.substr(7)).c_str());
                break;
            }
        }
    }
    return code;
}

// The started container's socket for an attach that came first; nullopt (and the broker's slot
// freed) when the start failed, the client went away or nothing started for 10 minutes.
std::optional<UniqueFd> await_start(AttachBroker& b, Stream& st, const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + 10min;
    while (true) {
        if (auto fd = b.await(id, 200ms)) return fd;
        if (!b.pending(id)) return std::nullopt;
        if (st.peer_gone() || std::chrono::steady_clock::now() > deadline) {
            b.cancel(id);
            return std::nullopt;
        }
    }
}

Result<Response> attach(Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    PumpOptions po{rec.tty, req.q_bool("stdin"), req.q_bool("stdout"), req.q_bool("stderr")};
    auto live = e.store.live_state(rec);
    std::shared_ptr<UniqueFd> sock;
    bool by_start = false;  // the socket comes from our start handler (AttachBroker)
    if (live.running()) {
        auto fd = engine::attach_container(e, rec.id);
        if (!fd) return std::unexpected(fd.error());
        sock = std::make_shared<UniqueFd>(std::move(*fd));
    } else if (live.status == "created") {
        s.broker.expect(rec.id);
        by_start = true;
    } else {
        return error_response(409, "You cannot attach to a stopped container, start it first");
    }
    Response r;
    r.mode = BodyMode::Hijack;
    r.headers.emplace_back("Content-Type", stream_content_type(rec.tty));
    r.stream = [&s, e = e, rec = rec, po, sock, by_start](Stream& st) mutable {
        if (by_start) {
            // Waits in slices so that a client gone before the start frees its slot.
            auto fd = await_start(s.broker, st, rec.id);
            if (!fd) return;
            sock = std::make_shared<UniqueFd>(std::move(*fd));
        }
        int code = pump(st, sock->get(), po);
        sock.reset();
        // Started with our attach, an --rm container is ours to remove (the monitor leaves it).
        if (by_start && rec.host.auto_remove) {
            if (code < 0) (void)engine::wait_container(e, rec.id);
            (void)engine::remove_container(e, {.id = rec.id, .force = true});
        }
    };
    return r;
}

// stream=true (the default): a sample a second until the client leaves or the container is
// removed; stream=false: one object with precpu_stats a second earlier (docker stats
// --no-stream); one-shot=true with stream=false: one sample at once, precpu_stats empty.
Result<Response> stats(Service& s, const Request& req) {
    bool stream = req.q_bool("stream", true), one_shot = req.q_bool("one-shot");
    if (stream && one_shot) return error_response(400, "cannot have stream=true and one-shot=true");
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    struct Sample {
        engine::StatsSample c;
        HostCpu h;
        bool running = false;
    };
    auto take = [e = e, rec = rec] {
        auto live = e.store.live_state(rec);
        Sample x;
        x.running = live.running();
        x.c = engine::sample_stats(rec, x.running ? live.pid : 0);
        x.h = sample_host_cpu();
        return x;
    };
    if (!stream) {
        Sample pre;
        if (!one_shot) {
            pre = take();
            std::this_thread::sleep_for(1s);
        }
        Sample cur = take();
        return Response::json(200, stats_json(rec, pre.c, pre.h, cur.c, cur.h, cur.running));
    }
    Response r;
    r.mode = BodyMode::Chunked;
    r.headers.emplace_back("Content-Type", "application/json");
    r.stream = [e = e, rec = rec, take](Stream& st) {
        Sample pre;
        while (linuxfs::exists(e.store.dir(rec.id) + "/container.json")) {
            Sample cur = take();
            if (!st.write(stats_json(rec, pre.c, pre.h, cur.c, cur.h, cur.running).dump() + "\n")) return;
            pre = cur;
            for (int i = 0; i < 10 && !st.peer_gone(); ++i) std::this_thread::sleep_for(100ms);
            if (st.peer_gone()) return;
        }
    };
    return r;
}

}  // namespace

void add_stream_routes(Router& r, Service& s) {
    r.add("POST", "/containers/{id}/wait", [&s](Request& q) { return wait(s, q); });
    r.add("GET", "/containers/{id}/logs", [&s](Request& q) { return logs(s, q); });
    r.add("POST", "/containers/{id}/attach", [&s](Request& q) { return attach(s, q); });
    r.add("GET", "/containers/{id}/stats", [&s](Request& q) { return stats(s, q); });
}

}  // namespace brig::api
