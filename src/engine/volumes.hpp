// The engine's side of volumes (the store itself is brig_storage, storage/volumes.hpp): the
// mounts of a container made from its binds, --mount, --volumes-from and its image's VOLUMEs;
// mounting volume file systems at start and unmounting them when the last user stops; removing
// a container's anonymous volumes; and the volume commands (in-use checks against records).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "engine/prune.hpp"
#include "engine/record.hpp"
#include "engine/store.hpp"
#include "storage/volumes.hpp"

namespace brig::engine::volumes {

using storage::Volume;

// A container's mounts being made: the mount points, the volumes this create made (undo
// removes them) and the shared lock of every volume it names, held until the record exists
// (so `volume rm` cannot remove one before the record that uses it is written).
struct Prepared {
    std::vector<MountPoint> mounts;
    std::vector<std::string> created;
    std::vector<UniqueFd> locks;
};

// rec.host.binds, mounts and volumes_from, then the image's VOLUMEs (paths not mounted
// otherwise): volumes made on first use, image content copied into empty ones (from rec.rootfs).
Result<Prepared> prepare(const Store& store, const ContainerRecord& rec, const std::vector<std::string>& image_volumes);
// Removes the volumes a failed create made.
void remove_created(const std::string& root, const std::vector<std::string>& names);

// At start: mounts the file systems of rec's volumes that have one (volume create --opt
// type=...). Returns their shared locks: hold them until the container runs.
Result<std::vector<UniqueFd>> activate(const std::string& root, const ContainerRecord& rec);
// When rec stopped or goes away: unmounts those file systems once no running container uses them.
void release(const Store& store, const ContainerRecord& rec);
// rm -v and --rm: rec's anonymous volumes, unless another container still mounts them.
void remove_anonymous(const Store& store, const ContainerRecord& rec);

// --mount type=volume|bind|tmpfs,source=...,target=...,readonly,... as docker's Mount.
Result<Mount> parse_mount_flag(std::string_view s);

// The volume commands. create: an existing name is an error, unless `existing_ok` (the API's
// create, as docker's: the existing volume is returned).
Result<Volume> create(const std::string& root, const std::string& name, const std::map<std::string, std::string>& labels,
                      const std::map<std::string, std::string>& options, bool existing_ok = false);
std::vector<Volume> list(const std::string& root);
Result<Volume> get(const std::string& root, const std::string& name);
nlohmann::ordered_json inspect_json(const Volume& v);
// Volume name -> ids of the containers whose record mounts it.
std::map<std::string, std::vector<std::string>> users(const Store& store);
// rm and prune: under the volume's exclusive lock, refuses a volume some container's record
// mounts (read after the lock, so a container being created with it is seen), else removes it.
Result<void> remove_unused(const Store& store, const std::string& name);
// prune: every volume no container uses, anonymous ones only unless `all`, and of those the
// ones `select` selects (none given: all). The bytes are what their data held.
PruneReport prune(const Store& store, bool all, const std::function<bool(const Volume&)>& select = {});

}  // namespace brig::engine::volumes
