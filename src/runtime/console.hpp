// Terminals: the container's pty is made inside the container (its own devpts), the
// slave becomes the init's controlling terminal and /dev/console, and the master goes
// to whoever asked for it: a --console-socket listener, or `run`'s own I/O proxy.
#pragma once

#include <string>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "oci/spec.hpp"

namespace brig::runtime {

// In the container's init, after pivot_root: open a pty from /dev/ptmx, size it, bind the
// slave over /dev/console, make it the controlling terminal and stdio. Returns the master.
Result<UniqueFd> setup_container_console(const oci::Process& p);

// In the runtime: hand the master to the --console-socket listener (SCM_RIGHTS).
Result<void> send_console(const std::string& socket_path, int master);

// `run` in the foreground with a terminal: copy stdin -> master and master -> stdout,
// with the caller's terminal in raw mode, until the master hangs up or the signal fd
// delivers SIGCHLD for init. Other signals go to `pid`; SIGWINCH resizes the pty.
// Returns when init has exited; *status receives its wait status.
Result<void> proxy_console(int master, int signal_fd, pid_t pid, int* status);

}  // namespace brig::runtime
