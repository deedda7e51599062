// Small file-tree helpers for the build unit tests: a temp directory removed afterwards, and
// writing, reading and stat'ing files in it.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "linux/fs.hpp"

namespace brig::build::test {

struct TempDir {
    std::string path;
    TempDir() {
        char t[] = "/tmp/brig-build-test-XXXXXX";
        path = ::mkdtemp(t);
    }
    ~TempDir() { (void)brig::linuxfs::remove_all(path); }
};

// Writes `data` to `path` with `mode`, making missing parent directories (0755).
inline void put(const std::string& path, std::string_view data, mode_t mode = 0644) {
    for (size_t s = path.find('/', 1); s != std::string::npos; s = path.find('/', s + 1)) ::mkdir(path.substr(0, s).c_str(), 0755);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    ASSERT_GE(fd, 0) << path;
    ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    ::fchmod(fd, mode);
    ::close(fd);
}

inline std::string slurp(const std::string& path) {
    auto r = brig::linuxfs::read_file(path);
    return r ? *r : "<missing>";
}

// lstat; st_mode 0 when missing.
inline struct stat lst(const std::string& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) < 0) st.st_mode = 0;
    return st;
}

inline bool exists(const std::string& p) { return lst(p).st_mode != 0; }

}  // namespace brig::build::test
