// Small file helpers shared by the store and the archive code (internal to brig_image).
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace brig::image::fsutil {

Result<void> write_all(int fd, const void* data, size_t n, std::string_view what);
Result<void> fsync_dir(const std::string& dir);
// Flush the whole file system holding `path` (syncfs(2)): a layer tree of thousands of files is
// made durable in one call instead of one fsync per file and directory.
Result<void> sync_tree_fs(const std::string& path);
// mkdir -p with `mode` for created directories.
Result<void> mkdirs(const std::string& path, mode_t mode);
// A new unique temp file in `dir` (O_RDWR|O_CLOEXEC); its path is stored in `path`.
Result<UniqueFd> temp_file(const std::string& dir, std::string_view prefix, std::string& path);
// A new unique temp directory in `dir`.
Result<std::string> temp_dir(const std::string& dir, std::string_view prefix);

}  // namespace brig::image::fsutil
