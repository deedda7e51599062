// Terminals: the container's pty is made inside the container (its own devpts), the
// slave becomes the init's controlling terminal and /dev/console, and the master goes
// to whoever asked for it: a --console-socket listener, or `run`'s own I/O proxy.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "oci/spec.hpp"

namespace brig::runtime {

// In the container (after pivot_root, or after joining its mount namespace): open a pty
// from /dev/ptmx, size it, bind the slave over /dev/console (the init only), make it the
// controlling terminal and stdio. Returns the master.
Result<UniqueFd> setup_container_console(const oci::Process& p, bool bind_console = true);

// The signals a foreground run/exec forwards to the container (all but the synchronous
// ones, SIGKILL/SIGSTOP and terminal job control), plus SIGCHLD.
sigset_t forwarded_signals();

// Wait for `pid` (our child) to exit, forwarding every signal read from signal_fd to it
// and reaping any other child (we are a subreaper); with a pty master, proxy it to our
// stdio meanwhile. Returns the exit code: the status, or 128 + the signal number.
int wait_forwarding(pid_t pid, int signal_fd, int console_master);

// In the runtime: hand the master to the --console-socket listener (SCM_RIGHTS).
Result<void> send_console(const std::string& socket_path, int master);

// `run` in the foreground with a terminal: copy stdin -> master and master -> stdout,
// with the caller's terminal in raw mode, until the master hangs up or the signal fd
// delivers SIGCHLD for init. Other signals go to `pid`; SIGWINCH resizes the pty.
// Returns when init has exited; *status receives its wait status.
Result<void> proxy_console(int master, int signal_fd, pid_t pid, int* status);

}  // namespace brig::runtime
