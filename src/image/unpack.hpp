// Unpacking a layer tar into a directory, in overlay form, refusing anything that would write
// outside it. Every parent directory is opened with openat2(RESOLVE_BENEATH |
// RESOLVE_NO_MAGICLINKS) from the layer root, and the final component is created with *at()
// calls that never follow a symlink, so `../x`, `/x`, `link/x` with link -> /etc, and a hard
// link whose target escapes are refused with an error naming the entry.
//
//   .wh.NAME          -> NAME as a whiteout (character device 0:0)
//   .wh..wh..opq      -> the directory marked opaque (xattr trusted.overlay.opaque=y)
//   trusted.overlay.* / user.overlay.* xattrs in the archive are dropped (a layer must not forge
//   overlay metadata such as redirects).
#pragma once

#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "image/source.hpp"

namespace brig::image {

struct UnpackOptions {
    bool whiteouts_to_overlay = true;  // convert .wh. entries (false: keep them as plain files)
    bool same_owner = true;            // chown to the archive's uid/gid (root)
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
