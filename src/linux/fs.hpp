// Safe file-system primitives: every path inside a container root is resolved with
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a symlink planted in the rootfs
// can never redirect us to the host.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace brig::linuxfs {

// Open `path` (absolute or relative; always taken relative to root_fd) inside the root.
Result<UniqueFd> open_in_root(int root_fd, std::string_view path, int flags, mode_t mode = 0);

// Create every missing directory of `path` inside the root (like mkdir -p) and return an
// O_PATH fd of the final directory.
Result<UniqueFd> mkdir_all_in_root(int root_fd, std::string_view path, mode_t mode = 0755);

// Ensure a mount target exists inside the root: a directory, or an empty regular file
// when `file` is true (for bind-mounting a file). Returns an O_PATH fd of the target.
Result<UniqueFd> ensure_target_in_root(int root_fd, std::string_view path, bool file);

// "/proc/self/fd/N" for handing a verified fd to path-based calls such as mount(2).
std::string fd_path(int fd);

// Read a whole (small) file.
Result<std::string> read_file(const std::string& path);

// Write `data` to path atomically: temp file in the same dir, rename. `durable` adds an
// fsync of the file before the rename and of the directory after it.
Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode, bool durable = true);

// Write a string to an existing file (procfs, cgroupfs, sysfs).
Result<void> write_file(const std::string& path, std::string_view data);

// Remove a directory tree (no symlink following). Missing is not an error.
Result<void> remove_all(const std::string& path);

// Is `path` an existing file system object?
bool exists(const std::string& path);

// The bytes of the regular files below `dir` (symlinks not followed; unreadable parts and a
// missing dir count 0): what removing the tree gives back, as docker's prunes report it.
uint64_t tree_bytes(const std::string& dir);

}  // namespace brig::linuxfs
