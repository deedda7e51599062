// The container operations of the brig engine, daemonless: each command works on the files
// under the engine root (store.hpp) and starts one monitor per running container
// (monitor/main.cpp), which drives the OCI runtime's command line.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "engine/record.hpp"
#include "engine/store.hpp"

namespace brig::engine {

struct Engine {
    Store store;
    std::string runtime;  // OCI runtime binary (brig-oci by default)
    std::string brig_exe, monitor_exe, init_exe;

    // root: the engine root; runtime: --runtime or "" for brig-oci next to brig.
    static Result<Engine> open(const std::string& root, const std::string& runtime);
};

// Docker's exit codes for a container that could not start: 127 (command not found),
// 126 (not executable), 125 (anything else).
int start_error_exit_code(std::string_view message);

// Runs the OCI runtime with `args` after its --root; stdout in `out` when given. Errors carry
// the runtime's stderr.
// The container's own runtime (rec.host.runtime) is used when given: `--runtime` only chooses the
// runtime of new containers.
Result<void> run_runtime(const Engine& e, const std::vector<std::string>& args, std::string* out = nullptr,
                         const std::string& runtime = "");

// Starts the container through a new monitor, after making its netns file and attaching it to
// its network (netwire.hpp; released again when the start fails). With `attach`, returns the connected attach
// socket (stdout/stderr/exit packets follow); otherwise returns an empty fd once started.
// The error message of a failed start says why (start_error_exit_code maps it).
// One request per operation (ids resolved: Store::resolve); create and exec have theirs in
// create.hpp and exec.hpp, update in update.hpp, logs in logs.hpp, cp in cp.hpp.
struct StartRequest {
    std::string id;
    bool attach = false;
};
Result<UniqueFd> start_container(Engine& e, const StartRequest& rq);

// Stop: the stop signal, then SIGKILL after `timeout` seconds (record's default when nullopt).
// A stopped container's addresses, ports and netns file are released (as docker); rm does it too.
struct StopRequest {
    std::string id;
    std::optional<int> timeout;
};
Result<void> stop_container(Engine& e, const StopRequest& rq);
struct KillRequest {
    std::string id;
    std::string signal = "KILL";  // a name (KILL, SIGTERM) or a number
};
Result<void> kill_container(Engine& e, const KillRequest& rq);
// rm: refuses a running container unless force (then killed). Tolerates half-removed state.
// volumes (rm -v) or an --rm container: its anonymous volumes are removed too.
struct RemoveRequest {
    std::string id;
    bool force = false, volumes = false;
};
Result<void> remove_container(Engine& e, const RemoveRequest& rq);
struct PauseRequest {
    std::string id;
    bool pause = true;  // false: unpause
};
Result<void> pause_container(Engine& e, const PauseRequest& rq);
// rename, under the container's lock: docker's name rules; a name in use is refused.
struct RenameRequest {
    std::string id, name;
};
Result<void> rename_container(Engine& e, const RenameRequest& rq);
// Blocks until the container is not running; returns its exit code.
Result<int> wait_container(Engine& e, const std::string& id);
// A connection to the monitor's attach socket (error if the container is not running).
Result<UniqueFd> attach_container(Engine& e, const std::string& id);

// The container's cgroup directories (one per hierarchy) from its cgroup path.
std::vector<std::string> container_cgroup_dirs(const ContainerRecord& rec);
// The processes in the container's cgroups (docker top).
std::vector<pid_t> container_pids(const ContainerRecord& rec);
// This host's cgroups, as `info` shows them: version "1" or "2", layout v1 | v2 | hybrid.
struct CgroupInfo {
    std::string version = "1", layout = "v1";
};
CgroupInfo cgroup_info();

}  // namespace brig::engine
