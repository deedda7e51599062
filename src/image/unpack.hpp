// Unpacking a layer tar into a directory, in overlay form, never writing outside it. Parent
// paths are resolved as docker and containerd do, with the layer dir as the root: a symlink on
// the way is followed inside the layer (an absolute target from the layer root, `..` stopping at
// it), one component at a time with O_NOFOLLOW from directory fds already held. The final
// component is created with *at() calls that never follow a symlink (an existing symlink of that
// name is replaced). `../x` and `/x` entry names, symlink loops, parents that are not directories
// and hard links to nothing inside the layer are refused with an error naming the entry.
//
// Cost per entry: the directories walked stay open for the next entries (dropped when an entry
// removes or replaces one), names are created first and only looked at when taken (EEXIST), and
// fchown/fchmod are skipped when creation already gave the archive's owner and mode. A file of
// a typical layer costs openat, write, futimens, close.
//
//   .wh.NAME          -> NAME as a whiteout (character device 0:0)
//   .wh..wh..opq      -> the directory marked opaque (xattr trusted.overlay.opaque=y)
//   trusted.overlay.* / user.overlay.* xattrs in the archive are dropped (a layer must not forge
//   overlay metadata such as redirects).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "common/error.hpp"
#include "image/source.hpp"

namespace brig::image {

struct UnpackOptions {
    bool whiteouts_to_overlay = true;  // convert .wh. entries (false: keep them as plain files)
    bool same_owner = true;            // chown to the archive's uid/gid (root)
    std::optional<std::pair<uint32_t, uint32_t>> owner;  // every entry's uid/gid instead of the archive's
};

struct UnpackStats {
    uint64_t entries = 0;
    uint64_t bytes = 0;  // regular file data
};

// Unpack the tar stream `tar` into the directory `dest_fd`. On error the directory holds a
// partial tree: callers unpack into a fresh temp dir and remove it on failure.
Result<UnpackStats> unpack_tar(ByteSource& tar, int dest_fd, const UnpackOptions& opts = {});

// Clean an archive path: strips "./" and trailing '/', refuses absolute paths and ".."
// components. Returns "" for the root itself. Pure logic, unit-tested.
Result<std::string> clean_entry_path(std::string_view path);

}  // namespace brig::image
