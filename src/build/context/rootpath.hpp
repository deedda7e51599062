// Resolving a path inside a root directory as if the root were `/`: the walk goes one element
// at a time with O_NOFOLLOW from directory fds it holds; a symlink met on the way is read and
// followed inside the root (an absolute target starts again at the root, `..` stops at the
// root), so no path, link or `..` can lead outside it. This is what docker does for COPY
// sources in the context or a stage and for the destination in the image (a symlink such as
// /app -> /etc in the image leads to <root>/etc, never to the host's /etc).
//
// Unlike openat2(RESOLVE_IN_ROOT) the walk also reports the symlink-free path it ended at,
// which the .dockerignore check of a source needs, and can create missing directories.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace brig::build::context {

struct ResolveOptions {
    bool follow_last = true;  // a symlink as the last element is followed too
    // Create missing directories on the way (never the last element unless make_last_dir).
    bool create_parents = false;
    bool make_last_dir = false;           // ... and the last element too, as a directory
    mode_t dir_mode = 0755;               // for the directories created
    std::optional<uid_t> uid;             // owner of the directories created (else ours)
    std::optional<gid_t> gid;
};

struct InRoot {
    UniqueFd parent;     // the directory holding the result (O_PATH)
    std::string name;    // its name there; "." for the root itself
    std::string rel;     // symlink-free path from the root ("" for the root)
    bool exists = false;
    struct stat st {};   // lstat of parent/name when it exists
};

// Resolve `path` (absolute or relative, both from the root) below the directory `root_fd`.
// Missing directories on the way are an error (ENOENT) unless create_parents; a missing last
// element is not (exists is false). Too many symlinks give ELOOP, a file on the way ENOTDIR.
Result<InRoot> resolve_in_root(int root_fd, std::string_view path, const ResolveOptions& opts = {});

// openat(parent, name) of a resolved result with `flags` (O_NOFOLLOW is added).
Result<UniqueFd> open_resolved(const InRoot& r, int flags);

}  // namespace brig::build::context
