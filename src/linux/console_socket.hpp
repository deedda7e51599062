// The receiving end of an OCI runtime's --console-socket: a listening unix socket in a short
// private directory under /tmp (the path must fit sun_path), over which the runtime sends the
// pty master it made for the container's (or an exec's) terminal. Header-only, plain system
// calls: the monitor (which links no brig library) uses it as well as the engine's exec.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/fd.hpp"
#include "linux/fdpass.hpp"

namespace brig::linuxfs {

class ConsoleSocket {
public:
    ConsoleSocket() = default;
    ConsoleSocket(const ConsoleSocket&) = delete;
    ConsoleSocket& operator=(const ConsoleSocket&) = delete;
    ~ConsoleSocket() { close(); }

    // Makes the directory and listens. 0, or the errno of what failed.
    int open() {
        char tmpl[] = "/tmp/brig-console-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) return errno;
        dir_ = tmpl;
        path_ = dir_ + "/sock";
        listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!listen_) return errno;
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
        if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(listen_.get(), 1) < 0)
            return errno;
        return 0;
    }

    // What to pass as --console-socket.
    const std::string& path() const { return path_; }
    // To poll for the runtime's connection along with other things.
    int listen_fd() const { return listen_.get(); }

    // Waits up to timeout_ms for the runtime to connect, then takes the master it sends
    // (the payload, the terminal's name, is not needed). An empty fd when none came.
    UniqueFd receive(int timeout_ms) {
        UniqueFd master;
        pollfd p{listen_.get(), POLLIN, 0};
        int r;
        do r = ::poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        if (r <= 0) return master;
        UniqueFd conn(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn) return master;
        char name[256];
        (void)recv_with_fd(conn.get(), name, sizeof name, &master);
        return master;
    }

    // Stops listening and removes the socket and its directory (the destructor does it too).
    void close() {
        listen_.reset();
        if (dir_.empty()) return;
        ::unlink(path_.c_str());
        ::rmdir(dir_.c_str());
        dir_.clear();
    }

private:
    UniqueFd listen_;
    std::string dir_, path_;
};

}  // namespace brig::linuxfs
