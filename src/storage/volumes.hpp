// Volumes: directories under the engine root that outlive containers, as docker's "local"
// driver keeps them.
//
//   <root>/volumes/<name>/_data        the data, bind-mounted into containers
//   <root>/volumes/<name>/volume.json  the record (labels, options, creation time)
//   <root>/volumes/.lock               flock: creation and removal
//   <root>/volumes/.locks/<name>       flock of one volume: shared while a container is made or
//                                      started with it, exclusive for rm/prune (across the in-use
//                                      check and the removal) and for unmounting its file system
//
// A volume directory appears by rename of a complete temp directory, so a crash never leaves
// half a volume; removal renames it to .trash-<rand> first. With options (type=tmpfs,
// device=..., o=...) the data directory is a mount of that file system, made when a container
// using it is created or started and unmounted when its last user stops or is removed.
//
// Also the parsers of the container flags that name volumes and mounts (-v, --mount), pure
// and unit-testable.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace brig::storage {

struct Volume {
    std::string name;
    std::string driver = "local";
    std::string mountpoint;  // <root>/volumes/<name>/_data
    std::string created_at;  // RFC 3339
    std::map<std::string, std::string> labels, options;
    bool anonymous = false;
};

// docker volume inspect's object.
nlohmann::ordered_json volume_json(const Volume& v);

// [a-zA-Z0-9][a-zA-Z0-9_.-]+ as docker.
Result<void> validate_volume_name(std::string_view name);

class VolumeStore {
public:
    explicit VolumeStore(std::string engine_root) : root_(std::move(engine_root)) {}
    std::string dir() const { return root_ + "/volumes"; }

    // A new volume; name "" makes an anonymous one (64 hex digits). An existing name is an
    // error unless `existing_ok` (then the existing volume is returned and *created is false).
    Result<Volume> create(const std::string& name, const std::map<std::string, std::string>& labels,
                          const std::map<std::string, std::string>& options, bool anonymous = false,
                          bool existing_ok = false, bool* created = nullptr);
    Result<Volume> get(const std::string& name) const;
    std::vector<Volume> list() const;
    // Unmounts (options volumes) and deletes. Missing: error "no such volume".
    Result<void> remove(const std::string& name);

    // The volume's own lock (see above); held while the fd lives. The lock file stays (an
    // unlinked lock file would let two holders lock different files).
    Result<UniqueFd> lock(const std::string& name, bool exclusive) const;

    // Mounts the volume's file system when it has options (type=...); no-op otherwise.
    Result<void> activate(const Volume& v) const;
    // Unmounts it again (no-op without options or when not mounted). The caller holds the
    // volume's exclusive lock and knows that no running container uses it.
    Result<void> deactivate(const Volume& v) const;
    bool is_empty(const Volume& v) const;
    // docker's copy-up: copies the content of `path` inside `rootfs` (resolved inside it) into
    // the volume, keeping owners and modes. Missing or non-directory path: nothing to do.
    Result<void> copy_up(const std::string& rootfs, const std::string& path, const Volume& v) const;

private:
    std::string root_;
};

// One mount a container asks for (-v or --mount), before volumes are resolved.
struct MountSpec {
    std::string type;    // volume | bind | tmpfs
    std::string source;  // volume name ("" = anonymous), host path, or "" for tmpfs
    std::string target;  // absolute path in the container
    bool readonly = false;
    bool nocopy = false;
    std::string propagation;              // bind: rprivate (default), rshared, ...
    std::vector<std::string> tmpfs_opts;  // size=..., mode=...
    std::string mode;                     // the -v mode field as given ("ro,z"), for inspect
};

// -v NAME:/path[:opts], -v /host:/path[:opts], -v /path.
Result<MountSpec> parse_volume_flag(std::string_view s);
// --mount type=volume|bind|tmpfs,source=...,target=...,readonly,...
Result<MountSpec> parse_mount_flag(std::string_view s);

}  // namespace brig::storage
