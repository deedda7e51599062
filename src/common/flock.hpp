// Advisory file locks (flock(2)): held while the returned fd lives, released by the kernel
// when the last fd of that open file closes, even when the holder is killed.
#pragma once

#include <string>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace brig {

enum class LockMode { Shared, Exclusive };
enum class LockWait { Block, Try };  // Try: fail at once (errnum EWOULDBLOCK) if another holds it

// flock an open file or directory, retried on EINTR.
Result<void> flock_fd(int fd, LockMode mode, LockWait wait = LockWait::Block);

// Open `path` (created 0600 if missing; a symlink there is refused) and lock it.
Result<UniqueFd> lock_file(const std::string& path, LockMode mode = LockMode::Exclusive,
                           LockWait wait = LockWait::Block);

}  // namespace brig
