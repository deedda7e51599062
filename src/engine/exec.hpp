// exec: a new process in a running container, through the runtime's `exec` (docker exec).
// start_exec runs it in the background with the streams the caller gives (the API service's
// pipes, or a pty whose master comes back through the runtime's --console-socket);
// exec_container is `brig exec`: the same start with our own stdio, then the wait.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "engine/engine.hpp"
#include "linux/spawn.hpp"

namespace brig::engine {

struct ExecRequest {
    std::string id;                 // the container's full id
    std::vector<std::string> cmd;   // the command and its arguments
    std::vector<std::string> env;   // KEY=VALUE over the container's
    std::string user, workdir;      // "" = the container's
    bool tty = false;
    bool interactive = false;       // exec_container: stdin is the caller's (else /dev/null)
    bool detach = false;            // the runtime returns once the process started (its code is not known)
    bool privileged = false;        // every capability brig can grant
    // tty with take_console: the pty's size, set as soon as the master arrives (the runtime's
    // exec has no way to be given it; a process that asks at once may still see 0x0).
    uint16_t rows = 0, cols = 0;
};

// An exec that could not start: docker's exit code for it (125: the container's state, 126:
// the command cannot be run as asked, e.g. an unknown user, 127: the command was not found)
// and the message. `shown`: the runtime already printed it on the exec's stderr.
struct ExecError {
    int exit_code = 125;
    std::string message;
    bool shown = false;
};

// The streams of a started exec: fds of the caller's (dup'd into the runtime, which passes
// them to the process), spawn::kDevNull or spawn::kInherit. With a tty and take_console the
// process's terminal is a pty whose master is returned (ExecProcess::console) and these are
// the runtime's own; with a tty and no take_console the runtime copies between the pty and
// these itself.
struct ExecStdio {
    int in = spawn::kDevNull, out = spawn::kDevNull, err = spawn::kDevNull;
    bool take_console = false;
};

struct ExecProcess {
    pid_t runtime_pid = -1;         // our child: the runtime's exec, which exits with the process's code
    pid_t pid = 0;                  // the process, as the host sees it (0 if the runtime did not say)
    UniqueFd console;               // tty with take_console: the pty master
    std::optional<int> exit_code;   // known already: the runtime returned during the start
};

// Why no exec can run in the container now, in docker's words ("Container <id> is not
// running", paused, restarting), or nullopt when it is running.
std::optional<std::string> exec_state_error(const std::string& id, const LiveState& live);

// Checks the container (exec_state_error), starts the runtime's exec and returns once the
// process runs (its pid is written) or could not be started. Safe in a threaded process.
std::expected<ExecProcess, ExecError> start_exec(Engine& e, const ExecRequest& rq, const ExecStdio& io);

// Waits for a started exec: the process's exit code (128+N for signal N).
Result<int> wait_exec(ExecProcess& p);

// `brig exec`: runs the process with the caller's stdio and returns its exit code.
// SIGINT and SIGTERM are ignored meanwhile: the runtime forwards them to the process.
std::expected<int, ExecError> exec_container(Engine& e, const ExecRequest& rq);

}  // namespace brig::engine
