// exec: a new process in a running container, through the runtime's `exec` (docker exec).
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"
#include "engine/engine.hpp"

namespace brig::engine {

struct ExecRequest {
    std::string id;                 // the container's full id
    std::vector<std::string> cmd;   // the command and its arguments
    std::vector<std::string> env;   // KEY=VALUE over the container's
    std::string user, workdir;      // "" = the container's
    bool tty = false;
    bool interactive = false;       // stdin is the caller's (else /dev/null)
    bool detach = false;            // do not wait: stdio to /dev/null, returns 0 once started
};

// An exec that could not start: docker's exit code for it (125: the container's state, 126:
// the command cannot be run as asked, e.g. an unknown user) and the message.
struct ExecError {
    int exit_code = 125;
    std::string message;
};

// Runs the process with the caller's stdio and returns its exit code (128+N for signal N).
// SIGINT and SIGTERM are ignored meanwhile: the runtime forwards them to the process.
std::expected<int, ExecError> exec_container(Engine& e, const ExecRequest& rq);

}  // namespace brig::engine
