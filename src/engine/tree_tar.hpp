// One entry of a container's tree, and everything below it, as a tar: walked with *at() calls
// relative to directories already open (O_NOFOLLOW), so a path swapped for a symlink while the
// container runs is never followed. The writer is image::TarWriter.
#pragma once

#include <string>

#include "common/error.hpp"

namespace brig::engine {

// The entry `name` of the open directory `dir` (name "." for dir itself) to out_fd, named
// `tar_name` in the archive (its children tar_name/child...), then the end-of-archive blocks.
Result<void> write_entry_tar(int dir, const std::string& name, const std::string& tar_name, int out_fd);

}  // namespace brig::engine
