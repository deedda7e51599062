// User namespaces as objects: an fd of a namespace with given id mappings, made by a
// short-lived child, for id-mapped mounts (mount_setattr MOUNT_ATTR_IDMAP).
#pragma once

#include <sys/types.h>

#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "oci/spec.hpp"

namespace brig::userns {

// "cid hid size\n" lines for /proc/<pid>/{uid,gid}_map.
std::string map_text(const std::vector<oci::IdMapping>& maps);

// Write uid_map and gid_map of pid.
Result<void> write_maps(pid_t pid, const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids);

// Whether this process runs in a user namespace other than the initial one (its uid_map is not
// the identity over all ids): a rootless engine's namespace, or a nested runtime.
bool running_in_user_ns();

// A new user namespace with these mappings, held open by the returned fd.
Result<UniqueFd> make(const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids);

}  // namespace brig::userns
