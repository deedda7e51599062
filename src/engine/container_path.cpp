#include "engine/container_path.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "linux/fs.hpp"

// GCC 12 reports a false -Wrestrict in inlined std::string assignments here (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

namespace brig::engine {

std::string path_base(std::string p) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    auto slash = p.rfind('/');
    return slash == std::string::npos || p == "/" ? p : p.substr(slash + 1);
}

std::string path_parent(std::string p) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    auto slash = p.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : p.substr(0, slash);
}

Result<UniqueFd> open_root(const std::string& rootfs) {
    UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return sys_fail("open the container's root {}", rootfs);
    return root;
}

Result<std::vector<std::string>> list_dir(int dir_fd, const std::string& shown) {
    DIR* d = ::fdopendir(::dup(dir_fd));
    if (d == nullptr) return sys_fail("read {}", shown);
    std::vector<std::string> names;
    while (auto* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(std::move(n));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

Result<ContainerEntry> locate_in_root(int root_fd, const std::string& path) {
    ContainerEntry out;
    bool whole = path.ends_with('/') || path.ends_with("/.") || path == ".";
    std::string dir = whole ? path : path_parent(path);
    out.name = whole ? "." : path_base(path);
    if (out.name == "/" || out.name.empty()) {
        dir = "/";
        out.name = ".";
    }
    auto pfd = linuxfs::open_in_root(root_fd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (!pfd) return std::unexpected(pfd.error());
    out.dir.reset(::openat(pfd->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!out.dir) return sys_fail("open {}", dir);
    if (::fstatat(out.dir.get(), out.name.c_str(), &out.st, AT_SYMLINK_NOFOLLOW) < 0) return sys_fail("stat {}", path);
    return out;
}

}  // namespace brig::engine
