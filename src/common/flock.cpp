#include "common/flock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

namespace brig {

Result<void> flock_fd(int fd, LockMode mode, LockWait wait) {
    int op = (mode == LockMode::Exclusive ? LOCK_EX : LOCK_SH) | (wait == LockWait::Try ? LOCK_NB : 0);
    while (::flock(fd, op) < 0)
        if (errno != EINTR) return sys_fail("flock");
    return {};
}

Result<UniqueFd> lock_file(const std::string& path, LockMode mode, LockWait wait) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return sys_fail("open lock {}", path);
    if (auto r = flock_fd(fd.get(), mode, wait); !r) return errno_fail(r.error().errnum, "lock {}", path);
    return fd;
}

}  // namespace brig
