#include "engine/attach_client.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "engine/monitor_proto.hpp"

namespace brig::engine {

namespace {

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, 1000);
                continue;
            }
            return;
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

void send_size(int sock) {
    winsize ws{};
    if (::ioctl(0, TIOCGWINSZ, &ws) < 0) return;
    send_resize(sock, ws.ws_row, ws.ws_col);
}

}  // namespace

void send_packet(int sock, uint8_t type, std::string_view payload) {
    std::string buf(1, static_cast<char>(type));
    buf.append(payload);
    (void)::send(sock, buf.data(), buf.size(), MSG_NOSIGNAL);
}

void send_resize(int sock, uint16_t rows, uint16_t cols) {
    uint16_t rc[2] = {rows, cols};
    send_packet(sock, proto::Resize, std::string_view(reinterpret_cast<char*>(rc), sizeof rc));
}

int attach_pump(int sock, const AttachOptions& opts) {
    termios saved{};
    bool raw = false;
    if (opts.tty && ::isatty(0) && ::tcgetattr(0, &saved) == 0) {
        termios t = saved;
        ::cfmakeraw(&t);
        t.c_oflag |= OPOST;  // keep output processing: the pty already produced \r\n
        t.c_oflag = saved.c_oflag;
        raw = ::tcsetattr(0, TCSANOW, &t) == 0;
    }
    sigset_t mask, old;
    sigemptyset(&mask);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH}) sigaddset(&mask, s);
    ::sigprocmask(SIG_BLOCK, &mask, &old);
    int sfd = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (opts.tty) send_size(sock);

    bool stdin_live = opts.stdin_open;
    int code = -1;
    while (true) {
        pollfd p[3] = {{sock, POLLIN, 0}, {sfd, POLLIN, 0}, {stdin_live ? 0 : -1, POLLIN, 0}};
        if (::poll(p, 3, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[1].revents & POLLIN) {
            signalfd_siginfo si{};
            while (::read(sfd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGWINCH) {
                    if (opts.tty) send_size(sock);
                } else if (opts.sig_proxy && !opts.tty) {
                    send_packet(sock, proto::Signal, std::to_string(si.ssi_signo));
                } else if (opts.tty && si.ssi_signo != SIGINT && si.ssi_signo != SIGQUIT) {
                    send_packet(sock, proto::Signal, std::to_string(si.ssi_signo));
                }
            }
        }
        if (p[2].revents & (POLLIN | POLLHUP)) {
            char buf[16384];
            ssize_t n = ::read(0, buf, sizeof buf);
            if (n > 0) {
                send_packet(sock, proto::Stdin, std::string_view(buf, static_cast<size_t>(n)));
            } else if (n == 0 || errno != EINTR) {
                stdin_live = false;
                send_packet(sock, proto::CloseStdin, "");
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[proto::kMaxPacket];
            ssize_t n = proto::recv_packet(sock, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            std::string_view payload(buf + 1, static_cast<size_t>(n) - 1);
            if (buf[0] == proto::Stdout) write_all(1, payload);
            else if (buf[0] == proto::Stderr) write_all(2, payload);
            else if (buf[0] == proto::Exit) {
                code = std::atoi(std::string(payload).c_str());
                if (opts.want_exit) break;
            } else if (buf[0] == proto::Status && payload.starts_with("exited ")) {
                code = std::atoi(payload.data() + 7);
                break;
            }
        }
    }
    if (raw) ::tcsetattr(0, TCSANOW, &saved);
    ::close(sfd);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return code;
}

}  // namespace brig::engine
