// Paths inside a container's root file system, resolved so that no symlink in the container can
// lead outside it: the parent is opened with openat2(RESOLVE_IN_ROOT) and the entry is then only
// looked at relative to that verified directory, never followed. Shared by `brig cp` (cp.cpp)
// and the API's archive routes (archive.cpp).
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace brig::engine {

// "/a/b/" -> "b", "/" -> "/", "b" -> "b".
std::string path_base(std::string p);
// "/a/b/" -> "/a", "/a" -> "/", "b" -> ".".
std::string path_parent(std::string p);

// The container's root directory (O_PATH), the anchor of every resolution below.
Result<UniqueFd> open_root(const std::string& rootfs);

// The names in the open directory `dir_fd` but "." and "..", sorted; `shown` names it in errors.
Result<std::vector<std::string>> list_dir(int dir_fd, const std::string& shown);

// One entry of the container: its directory (open for reading, verified inside the root), its
// name there and its lstat.
//   "P"               P's parent is resolved in the root, P itself is not followed (a symlink is
//                     the link itself);
//   "P/" and "P/."    P is resolved (a symlink followed, inside the root) and must be a directory:
//                     dir is P, name ".";
//   "/"               the root: dir is the root, name ".".
// Errors keep errno: ENOENT when nothing is there, ENOTDIR when "P/" is not a directory.
struct ContainerEntry {
    UniqueFd dir;
    std::string name;
    struct stat st {};
};
Result<ContainerEntry> locate_in_root(int root_fd, const std::string& path);

}  // namespace brig::engine
