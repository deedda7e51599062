// Copying a file's bytes between two open fds in the kernel: copy_file_range (reflinks or
// server-side copies where the file system has them), then sendfile, then read/write for the
// file systems and kernels that refuse the faster ones.
#pragma once

#include <cstdint>

#include "common/error.hpp"

namespace brig::build::context {

// Copies `size` bytes of `in` to `out` from their current offsets (fewer when `in` ends
// first: it shrank since it was stat'ed); returns the bytes copied. One system call for a
// small file.
Result<uint64_t> copy_data(int in, int out, uint64_t size);

}  // namespace brig::build::context
