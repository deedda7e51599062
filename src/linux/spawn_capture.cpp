// spawn::run_capture: a child's stdout and stderr collected through pipes, its stdin fed
// from a string, all in one poll loop (so neither side can block the other).
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <optional>
#include <tuple>

#include "common/fd.hpp"
#include "linux/spawn.hpp"

namespace brig::spawn {
namespace {

Result<std::pair<UniqueFd, UniqueFd>> make_pipe() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return sys_fail("pipe");
    return std::pair{UniqueFd(p[0]), UniqueFd(p[1])};
}

// While alive, a write to a pipe whose reader is gone fails with EPIPE instead of raising
// SIGPIPE in this thread; a SIGPIPE it caused is consumed before the mask is restored.
class SigpipeBlock {
public:
    SigpipeBlock() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    }
    ~SigpipeBlock() {
        timespec zero{};
        while (::sigtimedwait(&pipe_, nullptr, &zero) > 0) {
        }
        ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    SigpipeBlock(const SigpipeBlock&) = delete;
    SigpipeBlock& operator=(const SigpipeBlock&) = delete;

private:
    sigset_t pipe_, old_;
};

// Feeds `input` to `in` and reads `out` and `err` (either may be closed) until both are at EOF.
void pump(UniqueFd& in, std::string_view input, UniqueFd& out, UniqueFd& err, Captured& got, size_t max) {
    size_t off = 0;
    if (in) ::fcntl(in.get(), F_SETFL, O_NONBLOCK);
    if (in && input.empty()) in.reset();
    while (out || err || in) {
        pollfd p[3] = {{out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}, {in.get(), POLLOUT, 0}};
        if (::poll(p, 3, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (in && p[2].revents != 0) {
            ssize_t n = ::write(in.get(), input.data() + off, input.size() - off);
            if (n > 0) off += static_cast<size_t>(n);
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || off == input.size()) in.reset();
        }
        UniqueFd* fds[2] = {&out, &err};
        std::string* to[2] = {&got.out, &got.err};
        for (int i = 0; i < 2; ++i) {
            if (!*fds[i] || p[i].revents == 0) continue;
            char buf[8192];
            ssize_t n = ::read(fds[i]->get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                fds[i]->reset();
                continue;
            }
            size_t keep = std::min(static_cast<size_t>(n), max - std::min(max, to[i]->size()));
            to[i]->append(buf, keep);
        }
    }
}

}  // namespace

Result<Captured> run_capture(Options o, const Capture& c) {
    UniqueFd in_r, in_w, out_r, out_w, err_r, err_w;
    if (c.input) {
        auto p = make_pipe();
        if (!p) return std::unexpected(p.error());
        std::tie(in_r, in_w) = std::move(*p);
        o.in = in_r.get();
    }
    auto po = make_pipe();
    if (!po) return std::unexpected(po.error());
    std::tie(out_r, out_w) = std::move(*po);
    o.out = out_w.get();
    if (c.err == Capture::Err::merged) o.err = out_w.get();
    if (c.err == Capture::Err::separate) {
        auto pe = make_pipe();
        if (!pe) return std::unexpected(pe.error());
        std::tie(err_r, err_w) = std::move(*pe);
        o.err = err_w.get();
    }
    auto pid = spawn(o);
    if (!pid) return std::unexpected(pid.error());
    in_r.reset();
    out_w.reset();
    err_w.reset();
    Captured got;
    {
        std::optional<SigpipeBlock> block;
        if (in_w) block.emplace();
        pump(in_w, c.input ? std::string_view(*c.input) : std::string_view(), out_r, err_r, got, c.max_bytes);
    }
    auto code = wait_exit(*pid);
    if (!code) return std::unexpected(code.error());
    got.status = *code;
    return got;
}

}  // namespace brig::spawn
