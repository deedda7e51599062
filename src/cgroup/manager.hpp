// Cgroup management for v1, v2 and hybrid layouts: find the hierarchies, create the
// container's cgroup, move a process in, apply limits, freeze, and remove only what we
// created. What linux.resources turns into is planned in resources.hpp (pure); this file
// performs it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "cgroup/resources.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "oci/spec.hpp"

namespace brig::cgroup {

enum class Layout { V1, V2, Hybrid };

struct Hierarchy {
    std::string mountpoint;          // e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup
    std::vector<std::string> controllers;  // v1 controllers ("memory", "name=systemd"); empty for v2
    bool v2 = false;
    std::string own_path;            // the caller's cgroup in this hierarchy, relative to the mount
    std::string root = "/";          // the cgroup the mount shows (not "/" when a sub-cgroup is bind-mounted)
};

struct System {
    Layout layout = Layout::V1;
    std::vector<Hierarchy> hierarchies;
};

// Detect the layout from /proc/self/mountinfo and /proc/self/cgroup.
Result<System> detect();
// The same from the texts of those two files (for tests).
Result<System> detect_from(std::string_view mountinfo, std::string_view self_cgroup);

// The container's cgroup: one directory per hierarchy, in the order of System::hierarchies.
struct Cgroup {
    std::vector<std::string> dirs;     // full paths, one per hierarchy ("" where it has none)
    std::vector<std::string> created;  // directories we made, deepest first (what delete removes)
    std::string v2_dir;                // the unified-hierarchy dir, if any (v2 or hybrid)
    bool v2_only = false;              // pure v2: CLONE_INTO_CGROUP can be used
    std::string v2_root;               // the mountpoint of the unified hierarchy, if any
};

// Resolve linux.cgroupsPath (absolute, relative to the caller's cgroup, or empty -> <id>).
Result<Cgroup> plan(const System& sys, const std::string& cgroups_path, const std::string& id);
// The cgroup of a recorded container (ContainerRecord::cgroup_dirs), aligned with sys.
Cgroup from_dirs(const System& sys, const std::vector<std::string>& dirs);

// mkdir the cgroup (recording what was created, with cpuset inheritance on v1, and the
// controllers enabled down the path on v2).
Result<void> create(Cgroup& cg);

struct ApplyOptions {
    std::span<const oci::Device> devices;  // linux.devices: their nodes are allowed
    bool update = false;                   // a live container: devices are left as they are
};
// Write linux.resources. Errors name the field and the file:
// "linux.resources.memory.limit: write 1 to memory.limit_in_bytes: Device or resource busy".
Result<void> apply(const Cgroup& cg, const System& sys, const oci::Resources& res, const ApplyOptions& opts = {});
// The planning environment apply() uses, answering from the real cgroup directories.
PlanEnv plan_env(const Cgroup& cg, const System& sys, bool update);

// Move pid into every hierarchy's directory.
Result<void> join(const Cgroup& cg, pid_t pid);
// Move pid into each of dirs (their cgroup.procs).
Result<void> join_dirs(std::span<const std::string> dirs, pid_t pid);

// Moving another process in (its pid written to cgroup.procs) takes the kernel's global
// threadgroup lock, whose write side waits for an RCU grace period: milliseconds, more on a
// busy machine, and the largest single wait of a container start measured here. A
// single-threaded process that writes "0" to a v1 hierarchy's `tasks` file moves itself
// without that lock. So the runtime opens those files before it forks; the joining process
// (the container's init, an exec'd process) inherits them and moves itself in with
// join_self() before it does anything else for the container. The unified (v2) hierarchy
// has no such path: there the process is born in its cgroup (CLONE_INTO_CGROUP), or the
// runtime moves it by pid.
struct SelfJoin {
    std::vector<UniqueFd> fds;         // `tasks` of each v1 directory, opened O_WRONLY
    std::vector<std::string> fd_dirs;  // their directories (for messages)
    std::vector<std::string> by_pid;   // the directories without `tasks` (v2)
};
Result<SelfJoin> prepare_self_join(std::span<const std::string> dirs);
// In the joining process, which must be single-threaded: write "0" to each `tasks`, then
// close them all.
Result<void> join_self(SelfJoin& j);
// Pids currently in the container's cgroup (first hierarchy that lists them).
std::vector<pid_t> pids(const std::vector<std::string>& dirs);
// Every pid in the container's cgroup and the cgroups below it (exec --cgroup).
std::vector<pid_t> all_pids(const std::vector<std::string>& dirs);

// The directory of a v1 controller ("" if none), or of the v2 hierarchy for "" .
std::string controller_dir(const Cgroup& cg, const System& sys, std::string_view controller);

// Freeze (v1 freezer.state FROZEN, v2 cgroup.freeze 1) and wait until the kernel reports
// the cgroup frozen; or thaw.
Result<void> freeze(const Cgroup& cg, const System& sys, bool frozen,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
bool is_frozen(const Cgroup& cg, const System& sys);

// Remove the directories in `created` (deepest first). The container's own directories
// (`leaves`) are emptied first: cgroups below them (exec --cgroup) are removed and
// processes still inside are killed, retrying while they drain. Parents shared with other
// containers stay.
Result<void> destroy(const std::vector<std::string>& created, const std::vector<std::string>& leaves);

}  // namespace brig::cgroup
