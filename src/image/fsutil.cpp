#include "image/fsutil.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "common/ids.hpp"

namespace brig::image::fsutil {

Result<void> write_all(int fd, const void* data, size_t n, std::string_view what) {
    auto p = static_cast<const char*>(data);
    while (n) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return sys_fail("write {}", what);
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return {};
}

Result<void> fsync_dir(const std::string& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return sys_fail("open {}", dir);
    if (::fsync(fd.get()) < 0) return sys_fail("fsync {}", dir);
    return {};
}

Result<void> sync_tree_fs(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return sys_fail("open {}", path);
    if (::syncfs(fd.get()) < 0) return sys_fail("syncfs {}", path);
    return {};
}

Result<void> mkdirs(const std::string& path, mode_t mode) {
    if (path.empty()) return {};
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) return fail("{} exists and is not a directory", path);
        return {};
    }
    auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        if (auto r = mkdirs(path.substr(0, slash), mode); !r) return r;
    }
    if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) return sys_fail("mkdir {}", path);
    return {};
}

Result<UniqueFd> temp_file(const std::string& dir, std::string_view prefix, std::string& path) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        path = fmt::format("{}/{}{}", dir, prefix, random_alnum(12));
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) return UniqueFd(fd);
        if (errno != EEXIST) return sys_fail("create {}", path);
    }
    return fail("create temp file in {}: too many collisions", dir);
}

Result<std::string> temp_dir(const std::string& dir, std::string_view prefix) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string path = fmt::format("{}/{}{}", dir, prefix, random_alnum(12));
        if (::mkdir(path.c_str(), 0700) == 0) return path;
        if (errno != EEXIST) return sys_fail("mkdir {}", path);
    }
    return fail("create temp dir in {}: too many collisions", dir);
}

}  // namespace brig::image::fsutil
