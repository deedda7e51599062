// brig-recvtty: receives the pty master that `brig-oci create|run|exec --console-socket`
// sends, and connects it to this terminal (or to stdio when it is not one). For manual use
// and tests, like runc's contrib recvtty. Serves one container, then exits when the pty
// closes. Usage: brig-recvtty [--no-stdin] SOCKET_PATH
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "linux/fdpass.hpp"

namespace {

// The pty master; the payload (the terminal's name) is not needed.
int receive_fd(int conn) {
    char name[256];
    brig::UniqueFd fd;
    if (brig::linuxfs::recv_with_fd(conn, name, sizeof name, &fd) <= 0) return -1;
    return fd.release();
}

bool pump(int from, int to) {
    char buf[8192];
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0) return n < 0 && errno == EINTR;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
        if (w < 0 && errno != EINTR) return false;
        if (w > 0) off += w;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    bool use_stdin = true;
    std::string path;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--no-stdin") use_stdin = false;
        else if (a == "-h" || a == "--help") {
            std::printf("usage: brig-recvtty [--no-stdin] SOCKET_PATH\n");
            return 0;
        } else path = a;
    }
    if (path.empty()) {
        std::fprintf(stderr, "brig-recvtty: a socket path is required\n");
        return 2;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
        std::fprintf(stderr, "brig-recvtty: %s: path too long\n", path.c_str());
        return 2;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    int sock = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ::unlink(path.c_str());
    if (sock < 0 || ::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(sock, 1) < 0) {
        std::fprintf(stderr, "brig-recvtty: listen on %s: %s\n", path.c_str(), std::strerror(errno));
        return 1;
    }
    int conn = ::accept4(sock, nullptr, nullptr, SOCK_CLOEXEC);
    int master = conn < 0 ? -1 : receive_fd(conn);
    ::unlink(path.c_str());
    if (master < 0) {
        std::fprintf(stderr, "brig-recvtty: no terminal arrived on %s\n", path.c_str());
        return 1;
    }
    termios saved{};
    bool raw = use_stdin && ::isatty(0) && ::tcgetattr(0, &saved) == 0;
    if (raw) {
        termios t = saved;
        ::cfmakeraw(&t);
        ::tcsetattr(0, TCSANOW, &t);
    }
    bool in_open = use_stdin;
    for (;;) {
        pollfd fds[2] = {{master, POLLIN, 0}, {0, in_open ? short(POLLIN) : short(0), 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
            if (!pump(master, 1)) break;  // EIO: the container closed its side
        if (fds[1].revents & (POLLIN | POLLHUP)) in_open = pump(0, master);
    }
    if (raw) ::tcsetattr(0, TCSANOW, &saved);
    return 0;
}
