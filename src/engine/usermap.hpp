// User namespaces of containers run by root (issue #11): podman's --userns, --uidmap, --gidmap.
//
//   --userns=host (default)      no user namespace
//   --userns=auto[:size=N]       a free range of N ids (default 65536) for uids and gids, picked
//                                from the range of the user `containers` in /etc/subuid and
//                                /etc/subgid, or else from brig's own range (kAutoBase, kAutoCount);
//                                never overlapping the range of another container in this root
//   --uidmap C:H:N  --gidmap C:H:N  explicit mappings (repeatable; --gidmap defaults to --uidmap)
//
// The chosen mappings are recorded in the record (uid_mappings / gid_mappings).
// The image's files must look root-owned inside: overlayfs cannot be id-mapped itself, so its layers are:
// id-mapped binds (mount_setattr MOUNT_ATTR_IDMAP, the container's mappings) of <root>/layers and
// of the container's storage dir, and an overlay from them at <root>/idmap/<id>/rootfs, the
// spec's root. No chown, no copy; the layers stay shared with every other container.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "engine/record.hpp"

namespace brig::engine::usermap {

// brig's own range for --userns=auto when /etc/subuid names no user `containers`.
inline constexpr uint32_t kAutoBase = 1000000000;
inline constexpr uint32_t kAutoCount = 1000000000;
inline constexpr uint32_t kAutoSize = 65536;

using Map = IdMap;

// "C:H:N" (podman's --uidmap), each number checked; ranges within 32 bits.
Result<Map> parse_map(std::string_view s);

// Validates host.userns_mode, uid_maps and gid_maps (create checks them before anything is made).
Result<void> check_flags(const HostConfig& host);

// At create: resolves rec.host's user namespace settings into rec.uid_mappings/gid_mappings,
// allocating an auto range. Returns the allocation lock: hold it until the record is written.
Result<UniqueFd> assign(const std::string& root, const std::vector<ContainerRecord>& others, ContainerRecord& rec);

// Where the id-mapped root is mounted: <root>/idmap/<id>/rootfs (with layers/ and own/ beside it).
std::string mapped_root(const std::string& container_dir);
// The container's user namespace file (<container dir>/userns, a bind-mounted nsfs file): the
// spec joins it by path, so its network namespace can be owned by it.
std::string userns_file(const std::string& container_dir);

// Before a start (no-op without mappings): the user namespace file; the network namespace file
// `netns` ("" = none of its own) made inside that user namespace when missing; the id-mapped root
// at mapped_root(dir): its overlay from id-mapped binds of the layers and of its own dir, or an
// id-mapped bind of a --rootfs directory. root: the engine root.
Result<void> prepare(const std::string& root, const std::string& container_dir, const std::string& netns,
                     const ContainerRecord& rec);
// Unmounts the id-mapped root (missing: fine).
void unmount_root(const std::string& container_dir);
// At rm: the root and the user namespace file.
void release(const std::string& container_dir);

}  // namespace brig::engine::usermap
