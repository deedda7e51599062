// Container state under --root: one 0700 directory per container holding state.json
// (written atomically) and, while the container waits for `start`, exec.fifo.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/time.hpp"
#include "linux/proc.hpp"

namespace brig::runtime {

enum class Status { Creating, Created, Running, Paused, Stopped };
const char* to_string(Status s);

struct StateRecord {
    std::string id;
    std::string bundle;
    std::string rootfs;
    std::string created;  // RFC 3339 with nanoseconds, UTC
    std::string owner;
    pid_t pid = 0;
    uint64_t start_time = 0;  // /proc/<pid>/stat field 22: guards against pid reuse
    bool own_pid_ns = false;  // false: killing init does not kill the others
    std::map<std::string, std::string> annotations;
    std::vector<std::string> cgroup_dirs;     // the container's cgroup, one per hierarchy
    std::vector<std::string> cgroup_created;  // what delete removes, deepest first
    std::string hooks_json;                   // the spec's hooks (poststop runs at delete)
    std::string notify_socket;                // the caller's NOTIFY_SOCKET, if any
};

class StateStore {
public:
    explicit StateStore(std::string root) : root_(std::move(root)) {}
    const std::string& root() const { return root_; }
    std::string dir(const std::string& id) const { return root_ + "/" + id; }
    std::string fifo(const std::string& id) const { return dir(id) + "/exec.fifo"; }
    std::string config(const std::string& id) const { return dir(id) + "/config.json"; }

    // Make the root (0700) if needed.
    Result<void> ensure_root() const;
    // Claim a new id: mkdir <root>/<id> (0700). Fails with a clear message if it exists.
    Result<void> claim(const std::string& id) const;
    Result<void> save(const StateRecord& rec) const;
    Result<StateRecord> load(const std::string& id) const;
    Result<void> remove(const std::string& id) const;
    std::vector<std::string> ids() const;
    // An exclusive flock on the container directory, held for the fd's lifetime.
    Result<UniqueFd> lock(const std::string& id, bool wait = true) const;

private:
    std::string root_;
};

// Validate a container id the way runc does: [A-Za-z0-9_+.-]+, not "." or "..".
Result<void> validate_id(std::string_view id);

// The live status of a recorded container.
Status status_of(const StateStore& store, const StateRecord& rec);

// --pid-file: the pid, written atomically (relative paths are taken from the cwd). No-op for "".
Result<void> write_pid_file(const std::string& path, pid_t pid);

}  // namespace brig::runtime
