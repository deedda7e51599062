// Listing a directory from an open fd with getdents64: the names with their d_type, "." and
// ".." left out. No DIR stream, no dup: one or two system calls for a small directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace brig::build::context {

struct Dirent {
    std::string name;
    unsigned char type;  // DT_REG, DT_DIR, DT_LNK, ... or DT_UNKNOWN (then stat it)
};

// Reads `dir_fd` (opened O_RDONLY | O_DIRECTORY, read from its current position: use a
// fresh fd) to the end. `sorted`: by name, byte order.
Result<std::vector<Dirent>> read_dir(int dir_fd, bool sorted);

}  // namespace brig::build::context
