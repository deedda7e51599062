// The container lifecycle as a library: create, start, run, kill, delete, state, list.
// brig-oci is a thin command line over these.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "linux/signals.hpp"
#include "runtime/state.hpp"

namespace brig::runtime {

struct CreateOptions {
    std::string id;
    std::string bundle;           // directory holding config.json; default: cwd
    std::string pid_file;
    std::string console_socket;
    bool no_pivot = false;
    int preserve_fds = 0;
    int listen_fds = 0;          // socket activation: fds 3.. passed on with LISTEN_FDS/LISTEN_PID
    std::string notify_socket;   // the caller's NOTIFY_SOCKET, forwarded from the container
    bool systemd_cgroup = false;
};

// `exec`: a new process in a running container. Either a process.json (process_file,
// "-" for stdin) or args plus the overrides, on top of the container's own process.
struct ExecRequest {
    std::string id;
    std::string process_file;
    std::vector<std::string> args;
    bool tty = false;
    std::string cwd;
    std::vector<std::string> env;          // NAME=VALUE, added or replacing
    std::string user;                      // uid[:gid]
    std::vector<uint32_t> additional_gids;
    std::vector<std::string> caps;         // added to the bounding, effective, permitted and ambient sets
    bool no_new_privs = false;
    std::string apparmor, process_label;
    int preserve_fds = 0;
    bool detach = false;
    std::string pid_file, console_socket;
    bool ignore_paused = false;
    std::string sub_cgroup;                // --cgroup: a sub-cgroup of the container's
};

// The spec's view of a container (`state`, `list`).
struct StateView {
    StateRecord rec;
    Status status = Status::Stopped;
    std::string json(bool pretty) const;  // runtime-spec state JSON
};

class Runtime {
public:
    explicit Runtime(std::string root) : store_(std::move(root)) {}

    // Create the container and leave its init waiting at the start gate.
    Result<void> create(const CreateOptions& opts);
    // Release a created container's init to exec the user process.
    Result<void> start(const std::string& id);
    // create + start + wait; returns the exit status (128+signal if killed).
    // With detach, returns 0 once started.
    Result<int> run(const CreateOptions& opts, bool detach, bool keep);
    // Returns the process's exit status, or 0 once started with detach.
    Result<int> exec(const ExecRequest& req);
    Result<void> kill(const std::string& id, int sig, bool all);
    Result<void> remove(const std::string& id, bool force);
    Result<StateView> state(const std::string& id) const;
    Result<std::vector<StateView>> list() const;

    const StateStore& store() const { return store_; }

private:
    // create, keeping the init as our child when `keep_child` (for run); returns its pid.
    struct Created {
        pid_t pid = -1;
        UniqueFd console;  // pty master, when the process has a terminal and no --console-socket
    };
    Result<Created> create_impl(const CreateOptions& opts, const sigset_t& restore_mask, bool foreground);
    Result<void> destroy(const StateRecord& rec);

    StateStore store_;
};

}  // namespace brig::runtime
