// ADD's local archives: telling a tar archive from any other file by its content (docker
// decides by the bytes, not the name), and unpacking one into a directory with the hardened
// unpack_tar of image layers (no path of the archive can leave the directory; `.wh.` names
// are kept as plain files, not turned into overlay whiteouts). Plain tar, gzip and zstd are
// recognised (what image/decompress.hpp reads); bzip2 and xz archives are copied as files.
#pragma once

#include "common/error.hpp"
#include "image/unpack.hpp"

namespace brig::build::context {

// Is the regular file open at `fd` a tar archive (its first entry reads)? Reads from offset 0
// and leaves the offset at 0 again.
bool is_tar_archive(int fd);

// Unpack the archive at `fd` (from offset 0) into the directory `dest_dir_fd`. Owners in the
// archive are kept when we are root.
Result<image::UnpackStats> extract_archive(int fd, int dest_dir_fd);

}  // namespace brig::build::context
