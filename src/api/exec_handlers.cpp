// The exec routes: create (the config kept in the ExecRegistry), start (detached, or hijacked:
// the process's output as stdcopy frames, raw with a TTY, the client's bytes as its stdin),
// inspect, the exec's and the container's terminal size. The process is the runtime's exec
// (engine/exec.hpp) on our pipes or a pty; a thread per exec reaps it and records its code.
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include <fmt/core.h>

#include "api/errors.hpp"
#include "api/service.hpp"
#include "engine/attach_client.hpp"
#include "engine/exec.hpp"

namespace brig::api {

namespace {

using namespace std::chrono_literals;
using State = ExecInstance::State;

Response no_such_exec(const std::string& id) { return error_response(404, fmt::format("No such exec instance: {}", id)); }

// The container of a create or start, running; else docker's 404 or 409.
Result<std::optional<Response>> check_container(Service& s, const std::string& ref, std::string* id) {
    auto e = s.engine();
    if (!e) return std::unexpected(e.error());
    auto rec = find_container(*e, ref);
    if (!rec) return std::unexpected(rec.error());
    *id = rec->id;
    if (auto refused = engine::exec_state_error(rec->id, e->store.live_state(*rec))) return error_response(409, *refused);
    return std::optional<Response>();
}

void set_size(int fd, ConsoleSize size) {
    winsize ws{};
    ws.ws_row = size.height;
    ws.ws_col = size.width;
    ::ioctl(fd, TIOCSWINSZ, &ws);
}

// Reaps the runtime in the background and records the code; `notify` (an eventfd, or -1) is
// written after that, so a stream ending on it has the code in place for the inspect.
void watch(std::shared_ptr<ExecInstance> inst, engine::ExecProcess p, int notify) {
    std::thread([inst = std::move(inst), p = std::move(p), notify]() mutable {
        auto code = engine::wait_exec(p);
        inst->finish(code ? *code : 125);
        if (notify >= 0) {
            uint64_t one = 1;
            (void)!::write(notify, &one, sizeof one);
            ::close(notify);
        }
    }).detach();
}

// Our ends of the process's streams: a pipe per attached stream, or the pty master.
struct ExecStreams {
    UniqueFd in, out, err;
    std::shared_ptr<UniqueFd> tty;
};

void set_nonblock(int fd) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Copies until the process exits (and its output is drained), the client goes away or it
// types the detach keys (TTY only, as docker).
void pump(Stream& st, ExecStreams& io, int exited, bool framed, DetachScanner* scanner) {
    int tty = io.tty ? io.tty->get() : -1;
    int in = tty >= 0 ? tty : io.in.get();
    bool client_in = in >= 0;
    std::string pending;  // the client's bytes not yet taken by the process
    auto take_client = [&](std::string_view bytes) {
        bool detached = false;
        pending += scanner != nullptr ? scanner->feed(bytes, detached) : std::string(bytes);
        return !detached;
    };
    auto client_done = [&] {
        client_in = false;
        if (scanner != nullptr) pending += scanner->flush();
        if (pending.empty() && tty < 0) io.in.reset();  // EOF for the process
    };
    if (std::string early = st.take_buffered(); client_in && !early.empty() && !take_client(early)) return;
    set_nonblock(in);
    int outs[2] = {tty >= 0 ? tty : io.out.get(), tty >= 0 ? -1 : io.err.get()};
    for (int fd : outs) set_nonblock(fd);
    // One read of an output: false once it is done (EOF; EIO from a pty whose process left).
    auto copy_out = [&](int i) {
        char buf[16384];
        ssize_t n = ::read(outs[i], buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
        if (n <= 0) {
            outs[i] = -1;
            return false;
        }
        std::string_view data(buf, static_cast<size_t>(n));
        return st.write(framed ? stdcopy_frame(i == 0 ? 1 : 2, data) : std::string(data));
    };
    while (true) {
        int in_fd = io.in ? io.in.get() : tty;
        bool want_client = client_in && pending.size() < (1u << 20);
        pollfd p[5] = {{exited, POLLIN, 0},
                       {st.fd(), static_cast<short>(want_client ? POLLIN : 0), 0},
                       {outs[0], POLLIN, 0},
                       {outs[1], POLLIN, 0},
                       {!pending.empty() ? in_fd : -1, POLLOUT, 0}};
        if (::poll(p, 5, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[16384];
            ssize_t n = want_client ? ::read(st.fd(), buf, sizeof buf) : 0;
            if (n > 0 && !take_client(std::string_view(buf, static_cast<size_t>(n)))) return;  // detached
            if (n == 0 && !want_client && (p[1].revents & POLLHUP)) return;                     // the client left
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) client_done();
        }
        if (p[4].revents & (POLLOUT | POLLERR | POLLHUP)) {
            ssize_t w = ::write(in_fd, pending.data(), pending.size());
            if (w > 0) pending.erase(0, static_cast<size_t>(w));
            else if (w < 0 && errno != EAGAIN && errno != EINTR) pending.clear();  // the process closed its stdin
            if (pending.empty() && !client_in && tty < 0) io.in.reset();
        }
        for (int i = 0; i < 2; ++i)
            if ((p[2 + i].revents & (POLLIN | POLLHUP | POLLERR)) && !copy_out(i) && outs[i] >= 0) return;  // client gone
        if (p[0].revents & POLLIN) {
            // Exited: what it wrote is in the pipes; take it (bounded: a child it left behind may go on).
            for (int i = 0; i < 2; ++i)
                for (int k = 0; k < 256 && outs[i] >= 0; ++k) {
                    pollfd q{outs[i], POLLIN, 0};
                    if (::poll(&q, 1, 0) <= 0 || !copy_out(i)) break;
                }
            return;
        }
    }
}

// The attached start, on the hijacked connection.
void run_attached(Service& s, const std::shared_ptr<ExecInstance>& inst, const ExecStart& start, Stream& st) {
    const ExecConfig& c = inst->config;
    auto e = s.engine();
    // As docker: the reason on the stream's stdout (what the runtime printed on our pipes is dropped).
    auto give_up = [&](int code, const std::string& msg) {
        st.write(start.tty ? msg + "\r\n" : stdcopy_frame(1, msg + "\r\n"));
        inst->finish(code);
    };
    if (!e) return give_up(125, e.error().what());
    ExecStreams io;
    engine::ExecStdio stdio;
    UniqueFd child_ends[3];
    if (c.tty) {
        stdio.take_console = true;
    } else {
        bool want[3] = {c.attach_stdin, c.attach_stdout, c.attach_stderr};
        UniqueFd* ours[3] = {&io.in, &io.out, &io.err};
        int* theirs[3] = {&stdio.in, &stdio.out, &stdio.err};
        for (int i = 0; i < 3; ++i) {
            int fds[2];
            if (!want[i]) continue;
            if (::pipe2(fds, O_CLOEXEC) < 0) return give_up(125, fmt::format("exec: pipe: {}", std::strerror(errno)));
            ours[i]->reset(fds[i == 0 ? 1 : 0]);
            child_ends[i].reset(fds[i == 0 ? 0 : 1]);
            *theirs[i] = child_ends[i].get();
        }
    }
    auto p = engine::start_exec(*e, to_exec_request(c, inst->container_id, start.console_size), stdio);
    for (auto& fd : child_ends) fd.reset();
    if (!p) return give_up(p.error().exit_code, p.error().message);
    UniqueFd exited(::eventfd(0, EFD_CLOEXEC));
    if (!exited) return give_up(125, fmt::format("exec: eventfd: {}", std::strerror(errno)));
    io.tty = inst->started(p->pid, std::move(p->console));
    watch(inst, std::move(*p), ::fcntl(exited.get(), F_DUPFD_CLOEXEC, 0));
    std::optional<DetachScanner> scanner;
    if (c.tty) scanner.emplace(parse_detach_keys(c.detach_keys).value_or(""));
    pump(st, io, exited.get(), !start.tty, scanner ? &*scanner : nullptr);
}

Result<Response> exec_create(Service& s, const Request& req) {
    std::string id;
    auto refused = check_container(s, req.params.at("id"), &id);
    if (!refused) return std::unexpected(refused.error());
    if (*refused) return std::move(**refused);
    auto c = parse_exec_config(req.body);
    if (!c) return error_response(400, c.error().message);
    auto inst = s.execs.create(id, std::move(*c));
    return Response::json(201, nlohmann::json{{"Id", inst->id}});
}

Result<Response> exec_start(Service& s, const Request& req) {
    auto inst = s.execs.find(req.params.at("id"));
    if (!inst) return no_such_exec(req.params.at("id"));
    auto start = parse_exec_start(req.body);
    if (!start) return error_response(400, start.error().message);
    std::string cid;
    auto refused = check_container(s, inst->container_id, &cid);
    if (!refused) return std::unexpected(refused.error());
    if (*refused) return std::move(**refused);
    {
        std::lock_guard l(inst->mu);
        if (inst->state == State::Exited) return error_response(409, fmt::format("Error: Exec command {} has already run", inst->id));
        if (inst->state == State::Running) return error_response(409, fmt::format("Error: Exec command {} is already running", inst->id));
        inst->state = State::Running;
    }
    if (!start->detach) {
        Response r;
        r.mode = BodyMode::Hijack;
        r.headers.emplace_back("Content-Type", stream_content_type(start->tty));
        r.stream = [&s, inst, st = *start](Stream& stream) { run_attached(s, inst, st, stream); };
        return r;
    }
    // Detached: no streams; answered once the process runs.
    auto e = s.engine();
    if (!e) {
        inst->finish(125);
        return std::unexpected(e.error());
    }
    engine::ExecStdio stdio;
    stdio.take_console = inst->config.tty;  // for resize
    auto p = engine::start_exec(*e, to_exec_request(inst->config, inst->container_id, start->console_size), stdio);
    if (!p) {
        inst->finish(p.error().exit_code);
        return error_response(p.error().exit_code == 125 ? 500 : 400, p.error().message);
    }
    if (auto tty = inst->started(p->pid, std::move(p->console))) {
        // No one reads its terminal: what it writes is dropped (else it would block on a full pty).
        std::thread([tty] {
            char buf[4096];
            while (true) {
                ssize_t n = ::read(tty->get(), buf, sizeof buf);
                if (n == 0 || (n < 0 && errno != EINTR)) break;  // EIO: the process and its children left
            }
        }).detach();
    }
    watch(inst, std::move(*p), -1);
    return Response::no_content(200);
}

Result<Response> exec_inspect(Service& s, const Request& req) {
    auto inst = s.execs.find(req.params.at("id"));
    if (!inst) return no_such_exec(req.params.at("id"));
    return Response::json(200, exec_inspect_json(inst->status()));
}

Result<Response> exec_resize(Service& s, const Request& req) {
    auto inst = s.execs.find(req.params.at("id"));
    if (!inst) return no_such_exec(req.params.at("id"));
    auto size = parse_console_size(req.q("h"), req.q("w"));
    if (!size) return error_response(400, size.error().message);
    // As docker: waits (10s at most) for a start to have made the terminal.
    std::unique_lock l(inst->mu);
    bool ready = inst->cv.wait_for(l, 10s, [&] {
        return inst->state == State::Exited || inst->console || (inst->state == State::Running && !inst->config.tty);
    });
    if (!ready) return error_response(500, "timeout waiting for exec session ready");
    if (inst->state == State::Exited) return error_response(409, fmt::format("Exec {} is not running", inst->id));
    if (inst->console) set_size(inst->console->get(), *size);
    return Response::no_content(200);
}

Result<Response> container_resize(Service& s, const Request& req) {
    auto size = parse_console_size(req.q("h"), req.q("w"));
    if (!size) return error_response(400, size.error().message);
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    if (!e.store.live_state(rec).running()) return error_response(409, fmt::format("Container {} is not running", rec.id));
    auto sock = engine::attach_container(e, rec.id);
    if (!sock) return std::unexpected(sock.error());
    // The monitor sets it on the container's pty (none without a TTY: nothing to size).
    engine::send_resize(sock->get(), size->height, size->width);
    return Response::no_content(200);
}

}  // namespace

void add_exec_routes(Router& r, Service& s) {
    r.add("POST", "/containers/{id}/exec", [&s](Request& q) { return exec_create(s, q); });
    r.add("POST", "/exec/{id}/start", [&s](Request& q) { return exec_start(s, q); });
    r.add("GET", "/exec/{id}/json", [&s](Request& q) { return exec_inspect(s, q); });
    r.add("POST", "/exec/{id}/resize", [&s](Request& q) { return exec_resize(s, q); });
    r.add("POST", "/containers/{id}/resize", [&s](Request& q) { return container_resize(s, q); });
}

}  // namespace brig::api
