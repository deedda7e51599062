// Cgroup management for v1, v2 and hybrid layouts: find the hierarchies, create the
// container's cgroup, move a process in, apply limits, and remove only what we created.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "oci/spec.hpp"

namespace brig::cgroup {

enum class Layout { V1, V2, Hybrid };

struct Hierarchy {
    std::string mountpoint;          // e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup
    std::vector<std::string> controllers;  // empty for the v2 hierarchy (read cgroup.controllers)
    bool v2 = false;
    std::string own_path;            // the caller's cgroup in this hierarchy (from /proc/self/cgroup)
};

struct System {
    Layout layout = Layout::V1;
    std::vector<Hierarchy> hierarchies;
};

// Detect the layout once from /proc/self/mountinfo and /proc/self/cgroup.
Result<System> detect();

// The container's cgroup: one directory per hierarchy.
struct Cgroup {
    std::vector<std::string> dirs;     // full paths, one per hierarchy
    std::vector<std::string> created;  // directories we made, deepest first (what delete removes)
    std::string v2_dir;                // the unified-hierarchy dir, if any (v2 or hybrid)
    bool v2_only = false;              // pure v2: CLONE_INTO_CGROUP can be used
};

// Resolve linux.cgroupsPath (absolute, relative to the caller's cgroup, or empty -> <id>).
Result<Cgroup> plan(const System& sys, const std::string& cgroups_path, const std::string& id);

// mkdir the cgroup (recording what was created, with cpuset inheritance on v1).
Result<void> create(Cgroup& cg);
// Write resource limits (the subset linux.resources the runtime applies today).
Result<void> apply(const Cgroup& cg, const System& sys, const oci::Resources& res);
// Move pid into every hierarchy's directory.
Result<void> join(const Cgroup& cg, pid_t pid);
// Pids currently in the container's cgroup (first hierarchy that lists them).
std::vector<pid_t> pids(const std::vector<std::string>& dirs);
// Remove the directories in `created` (deepest first), retrying briefly on the container's
// own directories (`leaves`) while processes drain; parents shared with others may stay.
Result<void> destroy(const std::vector<std::string>& created, const std::vector<std::string>& leaves);

}  // namespace brig::cgroup
