// The Docker API's archive routes over a container's mounted root file system (HEAD, GET and
// PUT /containers/{id}/archive, which `docker cp` uses): a path's stat, a path as a tar, a tar
// extracted into a directory. Paths are resolved as container_path.hpp does, so no symlink in
// the container leads outside its root. Errors keep errno for the caller to answer with:
// ENOENT nothing there, ENOTDIR not a directory, EINVAL a bad archive, EEXIST a conflict.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace brig::engine {

struct PathStat {
    std::string name;  // docker's: the base name of the path as asked ("." for "P/.", "/" for "/")
    int64_t size = 0;
    uint32_t st_mode = 0;  // lstat's st_mode
    int64_t mtime_sec = 0, mtime_nsec = 0;
    std::string link_target;  // a symlink: the path it resolves to inside the container
};
Result<PathStat> stat_path(const std::string& rootfs, const std::string& path);

// The path as a tar on out_fd, its entries named from its base name (docker's CLI renames them
// from there): a file is one entry, a directory is its entry and everything below it. Symlinks
// stay links, hard links inside the tree links; modes, owners and mtimes are kept; sockets are
// left out.
Result<void> write_path_tar(const std::string& rootfs, const std::string& path, int out_fd);

struct ExtractOptions {
    bool no_overwrite_dir_non_dir = false;  // a directory replaced by a non-directory (or back) is an error
    bool copy_uid_gid = false;              // entries owned by the container's user, not the archive's ids
    std::string user;                       // the container's user (its record), for copy_uid_gid
};
// The tar (plain, gzip or zstd) extracted below `dir`, which must be a directory. The archive
// is read through once before anything is written: a damaged archive, an entry outside the
// directory or a conflict writes nothing.
Result<void> extract_tar(const std::string& rootfs, const std::string& dir, std::string_view archive,
                         const ExtractOptions& opts);

}  // namespace brig::engine
