// Engine state on disk, one directory per container:
//   <root>/containers/<id>/container.json   the record (record.hpp), written by brig
//   <root>/containers/<id>/state.json       the live state, written by the monitor
//   <root>/containers/<id>/lock             flock: start/stop/rm/rename of this container
//   <root>/containers/<id>/bundle/config.json, container.log*, attach.sock, hosts, ...
//   <root>/containers/names/<name>          holds the id: names are claimed with O_EXCL
//   <root>/containers/.lock                 flock: name claims and record creation
// A record directory appears by rename, so a crash never leaves half a record; a name whose
// directory is gone is stale and free again. Removal renames the directory to .trash-<id>
// first, so it disappears atomically and a later command finishes the deletion.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/flock.hpp"
#include "common/ids.hpp"
#include "engine/record.hpp"
#include "linux/proc.hpp"

namespace brig::engine {

// What the monitor records (state.json), plus what brig derives from liveness.
struct LiveState {
    std::string status = "created";  // created | running | paused | restarting | exited | dead | removing
    pid_t pid = 0;
    uint64_t pid_start = 0;
    pid_t monitor_pid = 0;
    uint64_t monitor_start = 0;
    int exit_code = 0;
    std::string started_at, finished_at;  // RFC 3339 nano, "" if never
    int restart_count = 0;
    std::string error;
    bool oom_killed = false;
    std::string health;  // "" | starting | healthy | unhealthy
    int failing_streak = 0;
    bool monitor_alive = false;
    bool running() const { return status == "running" || status == "paused" || status == "restarting"; }
};

class Store {
public:
    explicit Store(std::string root);
    const std::string& root() const { return root_; }
    std::string containers_dir() const { return root_ + "/containers"; }
    std::string dir(const std::string& id) const { return containers_dir() + "/" + id; }
    std::string runtime_root() const { return root_ + "/runtime"; }
    std::string bundle(const std::string& id) const { return dir(id) + "/bundle"; }
    std::string log_path(const std::string& id) const { return dir(id) + "/container.log"; }

    Result<void> ensure() const;

    // A new record: claims rec.name (generated when empty) and rec.id (generated), then writes
    // the directory atomically. `prepare(dir)` may add files (bundle, ...) to the new
    // directory before it becomes visible.
    template <class F>
    Result<void> create(ContainerRecord& rec, F&& prepare);
    Result<void> save(const ContainerRecord& rec) const;
    Result<ContainerRecord> load(const std::string& id) const;

    // Full id, unique id prefix, or name -> id. Errors: "No such container: x".
    Result<std::string> resolve(const std::string& ref) const;
    std::vector<std::string> ids() const;

    // flock of the container's lock file; fails with "No such container" when the container
    // was removed while we waited.
    Result<UniqueFd> lock(const std::string& id) const;

    Result<void> rename(ContainerRecord& rec, const std::string& new_name) const;
    // Makes the container disappear (rename to trash, free the name) and deletes its files.
    Result<void> remove(const ContainerRecord& rec) const;
    // Deletes trash left by interrupted removals.
    void sweep_trash() const;

    LiveState live_state(const ContainerRecord& rec) const;

private:
    Result<void> claim_name(const std::string& name, const std::string& id) const;
    Result<void> create_impl(ContainerRecord& rec, const std::function<Result<void>(const std::string&)>& prepare);
    std::string root_;
};

template <class F>
Result<void> Store::create(ContainerRecord& rec, F&& prepare) {
    return create_impl(rec, std::function<Result<void>(const std::string&)>(std::forward<F>(prepare)));
}

// Names: [a-zA-Z0-9][a-zA-Z0-9_.-]* as docker.
Result<void> validate_name(std::string_view name);
std::string generate_name();
// Until the engine's other files switch: brig::random_hex (common/ids.hpp) and
// proc::is_running (linux/proc.hpp). brig::lock_file (common/flock.hpp) is found unqualified.
using brig::random_hex;
// Is the process alive with this start time (0: any, for records written before it was kept)?
inline bool process_alive(pid_t pid, uint64_t start_time) {
    return start_time == 0 ? proc::is_running(pid) : proc::is_running(pid, start_time);
}

}  // namespace brig::engine
