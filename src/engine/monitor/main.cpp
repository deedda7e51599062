// brig-monitor: one per container, detached from brig (brig double-forks it into its own
// session). It runs the OCI runtime's CLI (create, start, delete) with the container's stdio
// on its own pipes or pty, so it is the container's parent (child subreaper) and sees its
// exit status; writes the log; answers attach (monitor_proto.hpp); records the state in
// state.json; runs health checks; and applies the restart policy with back-off.
//
// Deliberately small: no JSON library, no brig library; libc, libstdc++, fmt and the few
// plain-syscall helpers it compiles in (common/time, linux/proc, linux/spawn, linux/fdpass,
// linux/console_socket).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/fd.hpp"
#include "common/time.hpp"
#include "engine/monitor/log_writer.hpp"
#include "engine/monitor_proto.hpp"
#include "linux/console_socket.hpp"
#include "linux/proc.hpp"
#include "linux/spawn.hpp"

namespace {

using namespace brig::monitor;
using brig::now_rfc3339_nano;
namespace proc = brig::proc;
namespace proto = brig::engine::proto;
namespace spawn = brig::spawn;
using Clock = std::chrono::steady_clock;

struct Options {
    std::string id, dir, runtime, runtime_root, bundle;
    bool tty = false, stdin_open = false;
    std::string log_driver = "json-file";
    uint64_t log_max_size = 0;
    int log_max_file = 1;
    std::string restart = "no";
    int restart_max = 0;
    int sync_fd = -1;
    std::string rm_brig, rm_root;  // --rm: run `<brig> --root <root> rm -f <id>` at the end
    bool rm_by_client = false;     // --rm-by-client: ...unless the starting client is still attached
    std::vector<std::string> health_args;
    std::vector<std::string> cgroup_dirs;  // --cgroup-dir: the container's cgroup (one per hierarchy), for OOM kills
    int64_t health_interval_ns = 30'000'000'000, health_timeout_ns = 30'000'000'000, health_start_ns = 0;
    int health_retries = 3;
};

struct Client {
    int fd = -1;
    bool sync = false;
};

struct Monitor {
    Options opt;
    int dirfd = -1;
    int listen_fd = -1;
    int sig_fd = -1;
    int out_r = -1, out_w = -1, err_r = -1, err_w = -1, in_r = -1, in_w = -1;
    int pty = -1;
    std::string stdin_buf;
    std::vector<Client> clients;
    LogWriter log;

    // State as written to state.json.
    std::string status = "created";
    pid_t pid = 0;
    uint64_t pid_start = 0;
    uint64_t self_start = 0;
    int exit_code = 0;
    std::string started_at, finished_at, error;
    int restart_count = 0;
    bool oom_killed = false;
    std::string health;
    int failing_streak = 0;

    // Health checks.
    pid_t health_pid = 0;
    int health_out = -1;
    std::string health_output;
    Clock::time_point health_next{}, health_deadline{}, started_clock{};

    // The restart policy's timer: back-off 100 ms doubling, up to a minute.
    struct {
        int backoff_ms = 100;
        bool pending = false;
        Clock::time_point at{};
    } restart;
    bool done = false;  // the loop ends: the container exited for good
};

// The kernel's count of OOM kills in the container's cgroup: "oom_kill N" in memory.events
// (v2) or memory.oom_control (v1, kernel 4.13+). Read before the runtime deletes the cgroup.
uint64_t oom_kills(const Monitor& m) {
    uint64_t total = 0;
    for (const auto& d : m.opt.cgroup_dirs) {
        for (const char* file : {"/memory.events", "/memory.oom_control"}) {
            int fd = ::open((d + file).c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            char buf[1024];
            ssize_t n = ::read(fd, buf, sizeof buf - 1);
            ::close(fd);
            if (n <= 0) continue;
            buf[n] = '\0';
            for (const char* p = buf; (p = std::strstr(p, "oom_kill ")) != nullptr; p += 9)
                if (p == buf || p[-1] == '\n') total += std::strtoull(p + 9, nullptr, 10);
        }
    }
    return total;
}

std::string at(const Monitor& m, const char* name) { return fmt::format("/proc/self/fd/{}/{}", m.dirfd, name); }

void write_state(Monitor& m) {
    std::string j = fmt::format(
        "{{\"status\":\"{}\",\"pid\":{},\"pid_start\":{},\"monitor_pid\":{},\"monitor_start\":{},"
        "\"exit_code\":{},\"started_at\":\"{}\",\"finished_at\":\"{}\",\"restart_count\":{},\"error\":{},"
        "\"oom_killed\":{},\"health\":\"{}\",\"failing_streak\":{}}}\n",
        m.status, m.pid, m.pid_start, ::getpid(), m.self_start, m.exit_code, m.started_at, m.finished_at,
        m.restart_count, json_quote(m.error), m.oom_killed ? "true" : "false", m.health, m.failing_streak);
    std::string tmp = at(m, "state.json.tmp");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    ssize_t n = ::write(fd, j.data(), j.size());
    ::close(fd);
    if (n == static_cast<ssize_t>(j.size())) ::rename(tmp.c_str(), at(m, "state.json").c_str());
}

void send_packet(int fd, uint8_t type, std::string_view payload) {
    std::string buf(1, static_cast<char>(type));
    buf.append(payload.substr(0, proto::kMaxPacket - 1));
    // Never block on a slow client: a full socket drops output for it (the log has it all).
    (void)::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void broadcast(Monitor& m, uint8_t type, std::string_view payload) {
    for (auto& c : m.clients) {
        for (size_t off = 0; off < payload.size() || (off == 0 && payload.empty()); off += proto::kMaxPacket - 1) {
            send_packet(c.fd, type, payload.substr(off, proto::kMaxPacket - 1));
            if (payload.empty()) break;
        }
    }
}

// A child of ours (the runtime, a health check): all signals unblocked, stdio from
// in/out/err (-1: /dev/null). It exits 127 when it cannot be exec'd.
spawn::Options child_options(std::vector<std::string> argv, int in, int out, int err) {
    spawn::Options o;
    o.argv = std::move(argv);
    o.in = in >= 0 ? in : spawn::kDevNull;
    o.out = out >= 0 ? out : spawn::kDevNull;
    o.err = err >= 0 ? err : spawn::kDevNull;
    o.clear_signal_mask = true;
    return o;
}

// Runs argv with the given stdio (-1: /dev/null) and waits for it. Returns the exit status
// (-1 if it could not run) and, with err_text, what it wrote on stderr.
int run_wait(const std::vector<std::string>& argv, int in, int out, int err, std::string* err_text) {
    int cap[2] = {-1, -1};
    if (err_text != nullptr && ::pipe2(cap, O_CLOEXEC) < 0) return -1;
    auto child = spawn::spawn(child_options(argv, in, out, err_text != nullptr ? cap[1] : err));
    if (err_text != nullptr) {
        ::close(cap[1]);
        err_text->clear();
        char buf[4096];
        ssize_t n;
        while (child && ((n = ::read(cap[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
            if (n > 0) err_text->append(buf, static_cast<size_t>(n));
        ::close(cap[0]);
    }
    if (!child) return -1;
    auto code = spawn::wait_exit(*child);
    return code ? *code : -1;
}

std::vector<std::string> runtime_cmd(const Monitor& m, std::initializer_list<std::string> rest) {
    std::vector<std::string> v = {m.opt.runtime, "--root", m.opt.runtime_root};
    v.insert(v.end(), rest);
    return v;
}

std::string clean_error(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    // Keep the last line: runtimes print the final error last.
    if (auto nl = text.rfind('\n'); nl != std::string::npos) text = text.substr(nl + 1);
    return text;
}

// create + start. On failure returns the error text.
std::optional<std::string> start_container(Monitor& m) {
    // A leftover of an earlier run (a restart, or a monitor killed before its cleanup).
    std::string ignored;
    if (::faccessat(AT_FDCWD, (m.opt.runtime_root + "/" + m.opt.id).c_str(), F_OK, 0) == 0)
        run_wait(runtime_cmd(m, {"delete", "--force", m.opt.id}), -1, -1, -1, &ignored);

    std::vector<std::string> create = runtime_cmd(
        m, {"create", "--bundle", m.opt.bundle, "--pid-file", m.opt.dir + "/pidfile", m.opt.id});
    brig::linuxfs::ConsoleSocket console;
    if (m.opt.tty) {
        if (int err = console.open(); err != 0) return fmt::format("console socket: {}", std::strerror(err));
        create.insert(create.end() - 1, {"--console-socket", console.path()});
    }
    std::string create_err;
    // The runtime's stderr is captured (its errors); the container's own stdio are our pipes,
    // passed through the runtime to the init. With a terminal they are /dev/null.
    int rc;
    {
        // The runtime's own errors: --log would be runtime-specific; a fd 3 is not. We
        // read them from the container's stderr pipe before start instead (nothing else
        // can write there until the process is started).
        rc = run_wait(create, m.opt.tty ? -1 : m.in_r, m.opt.tty ? -1 : m.out_w, m.opt.tty ? -1 : m.err_w, nullptr);
        // Whatever the runtime printed went to the container's stderr (or stdout) pipe.
        char buf[8192];
        for (int fd : {m.err_r, m.out_r}) {
            if (fd < 0) continue;
            ssize_t n;
            while ((n = ::read(fd, buf, sizeof buf)) > 0) create_err.append(buf, static_cast<size_t>(n));
        }
    }
    if (m.opt.tty) {
        if (rc == 0) m.pty = console.receive(5000).release();
        console.close();
        if (rc == 0 && m.pty < 0) rc = -1, create_err = "no terminal received from the runtime";
    }
    if (rc != 0) {
        std::string e = clean_error(create_err);
        if (e.empty()) e = fmt::format("{} create exited with status {}", m.opt.runtime, rc);
        run_wait(runtime_cmd(m, {"delete", "--force", m.opt.id}), -1, -1, -1, &ignored);
        return e;
    }
    if (m.pty >= 0) ::fcntl(m.pty, F_SETFL, ::fcntl(m.pty, F_GETFL) | O_NONBLOCK);
    // The init's pid.
    char buf[64] = {};
    int pf = ::open(at(m, "pidfile").c_str(), O_RDONLY | O_CLOEXEC);
    if (pf >= 0) {
        ssize_t n = ::read(pf, buf, sizeof buf - 1);
        (void)n;
        ::close(pf);
    }
    m.pid = static_cast<pid_t>(std::atoi(buf));
    if (m.pid <= 0) return "the runtime wrote no pid file";
    m.pid_start = proc::start_time(m.pid);

    std::string start_err;
    rc = run_wait(runtime_cmd(m, {"start", m.opt.id}), -1, -1, -1, &start_err);
    if (rc != 0) {
        std::string e = clean_error(start_err);
        run_wait(runtime_cmd(m, {"delete", "--force", m.opt.id}), -1, -1, -1, &ignored);
        return e.empty() ? fmt::format("{} start exited with status {}", m.opt.runtime, rc) : e;
    }
    m.status = "running";
    m.started_at = now_rfc3339_nano();
    m.started_clock = Clock::now();
    m.error.clear();
    m.oom_killed = false;
    if (!m.opt.health_args.empty()) {
        m.health = "starting";
        m.failing_streak = 0;
        m.health_next = Clock::now() + std::chrono::nanoseconds(m.opt.health_interval_ns);
    }
    write_state(m);
    return std::nullopt;
}

void pump_output(Monitor& m, int fd, const char* stream, uint8_t type) {
    char buf[32768];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return;
        std::string_view data(buf, static_cast<size_t>(n));
        m.log.write(stream, data);
        broadcast(m, type, data);
    }
}

void drain_all(Monitor& m) {
    if (m.pty >= 0) pump_output(m, m.pty, "stdout", proto::Stdout);
    if (m.out_r >= 0) pump_output(m, m.out_r, "stdout", proto::Stdout);
    if (m.err_r >= 0) pump_output(m, m.err_r, "stderr", proto::Stderr);
    m.log.flush();
}

bool stop_requested(const Monitor& m) {
    return ::faccessat(m.dirfd, "stop-requested", F_OK, 0) == 0;
}

bool should_restart(const Monitor& m) {
    if (stop_requested(m)) return false;
    const auto& p = m.opt.restart;
    if (p == "always" || p == "unless-stopped") return true;
    if (p == "on-failure") return m.exit_code != 0 && (m.opt.restart_max == 0 || m.restart_count < m.opt.restart_max);
    return false;
}

void handle_client_packet(Monitor& m, Client& c, const char* data, size_t n) {
    if (n == 0) return;
    uint8_t type = static_cast<uint8_t>(data[0]);
    std::string_view payload(data + 1, n - 1);
    switch (type) {
        case proto::Stdin:
            if (m.pty >= 0 || m.in_w >= 0) m.stdin_buf.append(payload);
            break;
        case proto::CloseStdin:
            if (m.in_w >= 0 && m.stdin_buf.empty()) {
                ::close(m.in_w);
                m.in_w = -1;
            }
            break;
        case proto::Resize:
            if (m.pty >= 0 && payload.size() >= 4) {
                uint16_t rc[2];
                std::memcpy(rc, payload.data(), 4);
                winsize ws{};
                ws.ws_row = rc[0];
                ws.ws_col = rc[1];
                ::ioctl(m.pty, TIOCSWINSZ, &ws);
            }
            break;
        case proto::Signal:
            if (m.status == "running" && m.pid > 0 && proc::is_running(m.pid, m.pid_start))
                ::kill(m.pid, std::atoi(std::string(payload).c_str()));
            break;
        default: break;
    }
    (void)c;
}

void start_health_check(Monitor& m) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return;
    auto argv = runtime_cmd(m, {"exec", m.opt.id});
    argv.insert(argv.end(), m.opt.health_args.begin(), m.opt.health_args.end());
    auto child = spawn::spawn(child_options(std::move(argv), -1, p[1], p[1]));
    ::close(p[1]);
    if (!child) {
        ::close(p[0]);
        return;
    }
    ::fcntl(p[0], F_SETFL, O_NONBLOCK);
    m.health_pid = *child;
    m.health_out = p[0];
    m.health_output.clear();
    m.health_deadline = Clock::now() + std::chrono::nanoseconds(m.opt.health_timeout_ns);
}

void finish_health_check(Monitor& m, int status) {
    if (m.health_out >= 0) {
        char buf[4096];
        ssize_t n;
        while ((n = ::read(m.health_out, buf, sizeof buf)) > 0) m.health_output.append(buf, static_cast<size_t>(n));
        ::close(m.health_out);
        m.health_out = -1;
    }
    m.health_pid = 0;
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    bool in_start_period =
        Clock::now() - m.started_clock < std::chrono::nanoseconds(m.opt.health_start_ns);
    if (ok) {
        m.health = "healthy";
        m.failing_streak = 0;
    } else if (!in_start_period) {
        ++m.failing_streak;
        if (m.failing_streak >= m.opt.health_retries) m.health = "unhealthy";
    }
    // The last results, one JSON line each (inspect shows the last five).
    std::string entry = fmt::format("{{\"End\":\"{}\",\"ExitCode\":{},\"Output\":{}}}\n", now_rfc3339_nano(), code,
                                    json_quote(m.health_output.substr(0, 4096)));
    int fd = ::openat(m.dirfd, "health.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        (void)::write(fd, entry.data(), entry.size());
        ::close(fd);
    }
    m.health_next = Clock::now() + std::chrono::nanoseconds(m.opt.health_interval_ns);
    write_state(m);
}

int parse_options(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "brig-monitor: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--id") o.id = next();
        else if (a == "--dir") o.dir = next();
        else if (a == "--runtime") o.runtime = next();
        else if (a == "--runtime-root") o.runtime_root = next();
        else if (a == "--bundle") o.bundle = next();
        else if (a == "--tty") o.tty = true;
        else if (a == "--stdin") o.stdin_open = true;
        else if (a == "--log-driver") o.log_driver = next();
        else if (a == "--log-max-size") o.log_max_size = std::strtoull(next().c_str(), nullptr, 10);
        else if (a == "--log-max-file") o.log_max_file = std::atoi(next().c_str());
        else if (a == "--restart") o.restart = next();
        else if (a == "--restart-max") o.restart_max = std::atoi(next().c_str());
        else if (a == "--sync-fd") o.sync_fd = std::atoi(next().c_str());
        else if (a == "--rm") {
            o.rm_brig = next();
            o.rm_root = next();
        } else if (a == "--rm-by-client") o.rm_by_client = true;
        else if (a == "--health-arg") o.health_args.push_back(next());
        else if (a == "--health-interval") o.health_interval_ns = std::strtoll(next().c_str(), nullptr, 10);
        else if (a == "--health-timeout") o.health_timeout_ns = std::strtoll(next().c_str(), nullptr, 10);
        else if (a == "--health-start-period") o.health_start_ns = std::strtoll(next().c_str(), nullptr, 10);
        else if (a == "--health-retries") o.health_retries = std::atoi(next().c_str());
        else if (a == "--cgroup-dir") o.cgroup_dirs.push_back(next());
        else {
            std::fprintf(stderr, "brig-monitor: unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if (o.id.empty() || o.dir.empty() || o.runtime.empty() || o.runtime_root.empty() || o.bundle.empty()) {
        std::fprintf(stderr, "brig-monitor: --id, --dir, --runtime, --runtime-root and --bundle are required\n");
        return 2;
    }
    return 0;
}

// Setup failed, or the container could not be created: recorded as exit 125, and told to
// the clients. Returns main's exit status.
int fatal(Monitor& m, const std::string& msg) {
    m.status = "exited";
    m.exit_code = 125;
    m.error = msg;
    m.finished_at = now_rfc3339_nano();
    write_state(m);
    broadcast(m, proto::Error, msg);
    return 1;
}

// Subreaper of the container's processes; the signals we handle arrive on a signalfd
// (m.sig_fd). SIGPIPE is ignored: a client may go away while we write to it. Returns the
// blocked set.
sigset_t take_signals(Monitor& m) {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&mask, s);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    m.sig_fd = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    return mask;
}

// The log, the attach socket and the container's stdio: pipes kept for the monitor's
// lifetime (a restarted container gets the same ones), or with a terminal a pty received
// from the runtime later. An error message when one cannot be made.
std::optional<std::string> open_channels(Monitor& m) {
    if (m.opt.log_driver == "json-file") {
        if (!m.log.open(m.opt.dir + "/container.log", m.opt.log_max_size, m.opt.log_max_file))
            return fmt::format("open the log: {}", std::strerror(errno));
    }
    m.listen_fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = at(m, "attach.sock");
    ::unlink(path.c_str());
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (::bind(m.listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(m.listen_fd, 16) < 0)
        return fmt::format("attach socket: {}", std::strerror(errno));
    if (m.opt.tty) return std::nullopt;
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return "pipe";
    m.out_r = p[0], m.out_w = p[1];
    if (::pipe2(p, O_CLOEXEC) < 0) return "pipe";
    m.err_r = p[0], m.err_w = p[1];
    ::fcntl(m.out_r, F_SETFL, O_NONBLOCK);
    ::fcntl(m.err_r, F_SETFL, O_NONBLOCK);
    if (m.opt.stdin_open) {
        if (::pipe2(p, O_CLOEXEC) < 0) return "pipe";
        m.in_r = p[0], m.in_w = p[1];
        ::fcntl(m.in_w, F_SETFL, O_NONBLOCK);
    }
    return std::nullopt;
}

// What one round of the loop polls: [0] signals, [1] the attach socket, then the
// container's I/O and the health check's output, then from client_base one per client.
struct PollSet {
    std::vector<pollfd> fds;
    size_t io_base = 0, client_base = 0;
};

PollSet poll_set(const Monitor& m) {
    PollSet ps;
    auto& fds = ps.fds;
    fds.push_back({m.sig_fd, POLLIN, 0});
    fds.push_back({m.listen_fd, POLLIN, 0});
    ps.io_base = fds.size();
    if (m.pty >= 0) fds.push_back({m.pty, static_cast<short>(POLLIN | (m.stdin_buf.empty() ? 0 : POLLOUT)), 0});
    if (m.out_r >= 0) fds.push_back({m.out_r, POLLIN, 0});
    if (m.err_r >= 0) fds.push_back({m.err_r, POLLIN, 0});
    if (m.in_w >= 0 && !m.stdin_buf.empty()) fds.push_back({m.in_w, POLLOUT, 0});
    if (m.health_out >= 0) fds.push_back({m.health_out, POLLIN, 0});
    ps.client_base = fds.size();
    for (const auto& c : m.clients) fds.push_back({c.fd, POLLIN, 0});
    return ps;
}

// Milliseconds until the next timer (a pending restart, a health check to start or to time
// out), rounded up; -1 when there is none.
int poll_timeout(const Monitor& m) {
    int timeout = -1;
    auto now = Clock::now();
    auto until = [&](Clock::time_point t) {
        int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(t - now).count()) + 1;
        if (ms < 0) ms = 0;
        if (timeout < 0 || ms < timeout) timeout = ms;
    };
    if (m.restart.pending) until(m.restart.at);
    if (m.status == "running" && !m.opt.health_args.empty()) until(m.health_pid > 0 ? m.health_deadline : m.health_next);
    return timeout;
}

// The container's output to the log and the clients, buffered stdin to it, and the health
// check's output.
void handle_io(Monitor& m, const pollfd& p) {
    int fd = p.fd;
    if (fd == m.pty && (p.revents & POLLOUT)) {
        ssize_t w = ::write(m.pty, m.stdin_buf.data(), m.stdin_buf.size());
        if (w > 0) m.stdin_buf.erase(0, static_cast<size_t>(w));
    }
    if (fd == m.pty && (p.revents & (POLLIN | POLLHUP))) pump_output(m, m.pty, "stdout", proto::Stdout);
    else if (fd == m.out_r) pump_output(m, fd, "stdout", proto::Stdout);
    else if (fd == m.err_r) pump_output(m, fd, "stderr", proto::Stderr);
    else if (fd == m.in_w) {
        ssize_t w = ::write(m.in_w, m.stdin_buf.data(), m.stdin_buf.size());
        if (w > 0) m.stdin_buf.erase(0, static_cast<size_t>(w));
        if (w < 0 && errno == EPIPE) m.stdin_buf.clear();
    } else if (fd == m.health_out) {
        char buf[4096];
        ssize_t r;
        while ((r = ::read(fd, buf, sizeof buf)) > 0) m.health_output.append(buf, static_cast<size_t>(r));
    }
}

// A packet from each client that sent one; clients that hung up are dropped.
void serve_clients(Monitor& m, const PollSet& ps) {
    for (size_t i = ps.client_base; i < ps.fds.size(); ++i) {
        if (ps.fds[i].revents == 0) continue;
        auto& c = m.clients[i - ps.client_base];
        char buf[proto::kMaxPacket];
        ssize_t r = proto::recv_packet(c.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r > 0) {
            handle_client_packet(m, c, buf, static_cast<size_t>(r));
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            ::close(c.fd);
            c.fd = -1;
        }
    }
    std::erase_if(m.clients, [](const Client& c) { return c.fd < 0; });
}

// New attach/wait connections: each first gets the current status, so that an exit in
// between is never missed.
void accept_clients(Monitor& m) {
    int c;
    while ((c = ::accept4(m.listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
        m.clients.push_back({c, false});
        std::string st = m.status == "running" ? fmt::format("running {}", m.pid) : fmt::format("exited {}", m.exit_code);
        send_packet(c, proto::Status, st);
    }
}

// Drains the signalfd: SIGTERM goes on to the container. True when a child changed state.
bool read_signals(Monitor& m) {
    signalfd_siginfo si{};
    bool reap = false;
    while (::read(m.sig_fd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGCHLD) reap = true;
        else if (si.ssi_signo == SIGTERM && m.status == "running") ::kill(m.pid, SIGTERM);
    }
    return reap;
}

// The container's init exited with `status`: record it, clean up the runtime's state, tell
// the clients, and either arm the restart timer or end the loop.
void container_exited(Monitor& m, int status) {
    m.exit_code = spawn::exit_code(status);
    drain_all(m);
    m.finished_at = now_rfc3339_nano();
    if (m.health_pid > 0) ::kill(m.health_pid, SIGKILL);
    // OOM: the kernel's kill shows as SIGKILL; the cgroup's oom_kill counter says whether
    // the OOM killer did it (read now: delete removes the cgroup).
    m.oom_killed = oom_kills(m) > 0;
    std::string ignored;
    run_wait(runtime_cmd(m, {"delete", "--force", m.opt.id}), -1, -1, -1, &ignored);
    if (m.pty >= 0) {
        ::close(m.pty);
        m.pty = -1;
    }
    m.pid = 0;
    m.status = "exited";
    bool again = should_restart(m);
    if (again) m.status = "restarting";
    write_state(m);
    // A foreground `brig run --rm` that is still attached removes the container itself once
    // it has the exit code; only if it went away does the monitor.
    if (m.opt.rm_by_client &&
        std::any_of(m.clients.begin(), m.clients.end(), [](const Client& c) { return c.sync && c.fd >= 0; }))
        m.opt.rm_brig.clear();
    broadcast(m, proto::Exit, std::to_string(m.exit_code));
    if (!again) {
        m.done = true;
        return;
    }
    // Back-off: 100 ms doubling, reset after a run of 10 s or more.
    auto& r = m.restart;
    if (!m.started_at.empty() && Clock::now() - m.started_clock >= std::chrono::seconds(10)) r.backoff_ms = 100;
    r.at = Clock::now() + std::chrono::milliseconds(r.backoff_ms);
    r.pending = true;
    r.backoff_ms = std::min(r.backoff_ms * 2, 60000);
}

// Every child that exited: a health check, the container's init, or an orphan of the
// container reparented to us (reaped and forgotten).
void reap_children(Monitor& m) {
    int status = 0;
    pid_t w;
    while ((w = ::waitpid(-1, &status, WNOHANG)) > 0) {
        if (w == m.health_pid) finish_health_check(m, status);
        else if (w == m.pid && m.status == "running") container_exited(m, status);
    }
}

// Starts the container again once the back-off has passed, unless a stop came meanwhile.
void restart_if_due(Monitor& m) {
    if (!m.restart.pending || Clock::now() < m.restart.at) return;
    m.restart.pending = false;
    if (stop_requested(m)) {
        m.status = "exited";
        write_state(m);
        m.done = true;
        return;
    }
    ++m.restart_count;
    if (auto err = start_container(m)) {
        m.status = "exited";
        m.error = *err;
        write_state(m);
        m.done = true;
        return;
    }
    broadcast(m, proto::Started, std::to_string(m.pid));
}

// Kills a health check past its timeout, or starts the next one when it is due.
void tick_health(Monitor& m) {
    if (m.status != "running" || m.opt.health_args.empty()) return;
    if (m.health_pid > 0 && Clock::now() >= m.health_deadline) ::kill(m.health_pid, SIGKILL);
    else if (m.health_pid == 0 && Clock::now() >= m.health_next) start_health_check(m);
}

// One round of the event loop: wait for I/O, a signal or a timer, then handle what came.
// False when poll itself failed.
bool serve_once(Monitor& m) {
    PollSet ps = poll_set(m);
    if (::poll(ps.fds.data(), ps.fds.size(), poll_timeout(m)) < 0 && errno != EINTR) return false;
    for (size_t i = ps.io_base; i < ps.client_base; ++i)
        if (ps.fds[i].revents != 0) handle_io(m, ps.fds[i]);
    serve_clients(m, ps);
    if (ps.fds[1].revents & POLLIN) accept_clients(m);
    if (read_signals(m)) reap_children(m);
    restart_if_due(m);
    tick_health(m);
    return true;
}

// The end: clients are let go, the attach socket removed; with --rm (-d) the monitor
// becomes `brig rm -f <id>`, which removes the container. Returns if that exec fails.
void shut_down(Monitor& m, const sigset_t& blocked) {
    for (auto& c : m.clients) ::close(c.fd);
    ::unlinkat(m.dirfd, "attach.sock", 0);
    // `brig rm -f` in progress (it marks the container first): the remover finishes it.
    if (m.opt.rm_brig.empty() || ::faccessat(m.dirfd, "removing", F_OK, 0) == 0) return;
    std::vector<std::string> argv = {m.opt.rm_brig, "--root", m.opt.rm_root, "rm", "-f", m.opt.id};
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    sigprocmask(SIG_UNBLOCK, &blocked, nullptr);
    ::execv(args[0], args.data());
}

}  // namespace

int main(int argc, char** argv) {
    Monitor m;
    if (int rc = parse_options(argc, argv, m.opt); rc != 0) return rc;
    m.self_start = proc::start_time(::getpid());
    sigset_t blocked = take_signals(m);
    m.dirfd = ::open(m.opt.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (m.dirfd < 0) {
        std::fprintf(stderr, "brig-monitor: open %s: %s\n", m.opt.dir.c_str(), std::strerror(errno));
        return 1;
    }
    if (m.opt.sync_fd >= 0) {
        ::fcntl(m.opt.sync_fd, F_SETFD, FD_CLOEXEC);
        m.clients.push_back({m.opt.sync_fd, true});
    }
    if (auto err = open_channels(m)) return fatal(m, *err);
    write_state(m);
    if (auto err = start_container(m)) {
        // Nothing started: a restart policy does not retry a container that cannot be created.
        fatal(m, *err);
        m.done = true;
    } else {
        broadcast(m, proto::Started, std::to_string(m.pid));
    }
    while (!m.done && serve_once(m)) {
    }
    shut_down(m, blocked);
    return 0;
}
