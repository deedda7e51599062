#include "runtime/console.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "linux/fdpass.hpp"
#include "linux/fs.hpp"

namespace brig::runtime {

namespace {

// /dev/console is bound from the pty slave fd itself (a clone of its mount), onto an fd of
// a plain file we made: no path the container could have planted (a symlink to some other
// file, say) is followed. Whatever the image had at /dev/console is replaced.
Result<void> bind_dev_console(int slave) {
    UniqueFd dev(::open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dev) return sys_fail("open /dev in the container");
    struct stat st;
    if (::fstatat(dev.get(), "console", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode) &&
        ::unlinkat(dev.get(), "console", 0) < 0)
        return sys_fail("remove /dev/console of the image");
    int c = ::openat(dev.get(), "console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (c < 0) return sys_fail("create /dev/console");
    ::close(c);
    UniqueFd target(::openat(dev.get(), "console", O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!target || ::fstat(target.get(), &st) < 0 || !S_ISREG(st.st_mode))
        return fail("/dev/console: not the plain file just made");
    UniqueFd tree(::open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!tree) return sys_fail("clone the pty's mount for /dev/console");
    if (::move_mount(tree.get(), "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return sys_fail("bind the pty onto /dev/console");
    return {};
}

}  // namespace

Result<UniqueFd> setup_container_console(const oci::Process& p, bool bind_console) {
    UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) return sys_fail("open /dev/ptmx in the container");
    if (::unlockpt(master.get()) < 0) return sys_fail("unlockpt");
    // TIOCGPTPEER opens the slave from the master itself: no path the container could swap.
    UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY));
    if (!slave) return sys_fail("open the pty slave");
    if (p.consoleSize) {
        winsize ws{};
        ws.ws_row = static_cast<unsigned short>(p.consoleSize->height);
        ws.ws_col = static_cast<unsigned short>(p.consoleSize->width);
        if (::ioctl(slave.get(), TIOCSWINSZ, &ws) < 0) return sys_fail("set console size");
    }
    if (::fchown(slave.get(), p.user.uid, p.user.gid) < 0) return sys_fail("chown the pty slave");
    if (bind_console)
        if (auto r = bind_dev_console(slave.get()); !r) return std::unexpected(r.error());
    if (::ioctl(slave.get(), TIOCSCTTY, 0) < 0) return sys_fail("make the pty the controlling terminal");
    for (int fd = 0; fd < 3; ++fd)
        if (::dup2(slave.get(), fd) < 0) return sys_fail("dup the pty onto fd {}", fd);
    return master;
}

Result<void> send_console(const std::string& socket_path, int master) {
    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) return sys_fail("console socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof addr.sun_path) return fail("--console-socket {}: path too long", socket_path);
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        return sys_fail("connect to --console-socket {}", socket_path);
    // The payload names the terminal, as runc does; the fd rides along as SCM_RIGHTS.
    static constexpr char name[] = "/dev/ptmx";
    if (linuxfs::send_with_fd(sock.get(), name, sizeof name - 1, master) < 0) return sys_fail("send the pty to --console-socket {}", socket_path);
    return {};
}

namespace {

bool copy(int from, int to) {
    char buf[8192];
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0) return n < 0 && (errno == EINTR || errno == EAGAIN);
    for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        off += w;
    }
    return true;
}

void resize_from(int tty, int master) {
    winsize ws;
    if (::ioctl(tty, TIOCGWINSZ, &ws) == 0) ::ioctl(master, TIOCSWINSZ, &ws);
}

}  // namespace

Result<void> proxy_console(int master, int signal_fd, pid_t pid, int* status) {
    termios saved{};
    bool raw = ::isatty(0) && ::tcgetattr(0, &saved) == 0;
    if (raw) {
        termios t = saved;
        ::cfmakeraw(&t);
        ::tcsetattr(0, TCSANOW, &t);
        resize_from(0, master);
    }
    bool stdin_open = true, master_open = true, exited = false;
    while (!exited || master_open) {
        pollfd fds[3] = {{signal_fd, POLLIN, 0}, {master, master_open ? short(POLLIN) : short(0), 0},
                         {0, stdin_open ? short(POLLIN) : short(0), 0}};
        // Once init is gone, drain what is left on the master, then stop.
        if (::poll(fds, 3, exited ? 100 : -1) <= 0) {
            if (exited) break;
            continue;
        }
        if (fds[0].revents & POLLIN) {
            signalfd_siginfo si;
            if (::read(signal_fd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGCHLD) {
                    int st;
                    pid_t p;
                    while ((p = ::waitpid(-1, &st, WNOHANG)) > 0)
                        if (p == pid) *status = st, exited = true;
                } else if (si.ssi_signo == SIGWINCH) {
                    if (raw) resize_from(0, master);
                } else {
                    ::kill(pid, static_cast<int>(si.ssi_signo));
                }
            }
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) master_open = copy(master, 1);
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            stdin_open = copy(0, master);
            if (!stdin_open) {
                char eof = 4;  // forward end of input as the terminal's EOF character
                (void)!::write(master, &eof, 1);
            }
        }
    }
    if (raw) ::tcsetattr(0, TCSANOW, &saved);
    return {};
}

sigset_t forwarded_signals() {
    sigset_t set;
    ::sigfillset(&set);
    for (int s : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGPIPE, SIGTTIN, SIGTTOU})
        ::sigdelset(&set, s);
    return set;
}

int wait_forwarding(pid_t pid, int signal_fd, int console_master) {
    int status = 0;
    if (console_master >= 0) {
        (void)proxy_console(console_master, signal_fd, pid, &status);
    } else {
        for (bool done = false; !done;) {
            signalfd_siginfo si;
            if (::read(signal_fd, &si, sizeof si) != sizeof si) continue;
            if (si.ssi_signo != SIGCHLD) {
                ::kill(pid, static_cast<int>(si.ssi_signo));
                continue;
            }
            int st;
            pid_t p;
            while ((p = ::waitpid(-1, &st, WNOHANG)) > 0)
                if (p == pid) status = st, done = true;
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace brig::runtime
