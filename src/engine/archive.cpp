#include "engine/archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "engine/container_path.hpp"
#include "engine/spec.hpp"
#include "engine/tree_tar.hpp"
#include "image/decompress.hpp"
#include "image/tar.hpp"
#include "image/unpack.hpp"
#include "linux/fs.hpp"

namespace brig::engine {
namespace {

// docker's name of the path: filepath.Base of the path as asked, "/." kept.
std::string docker_base(const std::string& path) {
    if (path.ends_with("/.") || path == ".") return ".";
    return path.empty() ? "/" : path_base(path);
}

// Where a path resolves to inside the root (symlinks followed, in the root), as a container
// path; the link's own text when it leads nowhere.
std::string resolved_in_root(int root_fd, const std::string& path, int dir, const std::string& name) {
    auto fd = linuxfs::open_in_root(root_fd, path, O_PATH | O_CLOEXEC);
    char root_at[4096], target_at[4096];
    ssize_t rn = ::readlink(linuxfs::fd_path(root_fd).c_str(), root_at, sizeof root_at);
    if (fd && rn > 0) {
        ssize_t tn = ::readlink(linuxfs::fd_path(fd->get()).c_str(), target_at, sizeof target_at);
        std::string root(root_at, static_cast<size_t>(rn)), target(target_at, tn > 0 ? static_cast<size_t>(tn) : 0);
        if (root == "/") return target;
        if (target == root) return "/";
        if (target.starts_with(root + "/")) return target.substr(root.size());
    }
    ssize_t n = ::readlinkat(dir, name.c_str(), target_at, sizeof target_at);
    return std::string(target_at, n > 0 ? static_cast<size_t>(n) : 0);
}

// The ENOENT/ENOTDIR of a lookup, with the path it was about.
std::unexpected<Error> lookup_error(const Error& e, const std::string& path) {
    if (e.errnum == ENOENT) return errno_fail(ENOENT, "no such file or directory: {}", path);
    if (e.errnum == ENOTDIR) return errno_fail(ENOTDIR, "not a directory: {}", path);
    return std::unexpected(e);
}

// The first pass of extract_tar: the archive is whole and sound, every entry stays below the
// directory, and (no_overwrite) none turns a directory into a non-directory or back.
Result<void> check_archive(std::string_view archive, int dir_fd, bool no_overwrite) {
    image::MemorySource mem(archive);
    auto dec = image::make_decompressor(mem);
    image::TarReader tar(*dec);
    while (true) {
        auto e = tar.next();
        if (!e) return errno_fail(EINVAL, "invalid tar archive: {}", e.error().what());
        if (!*e) return {};
        auto clean = image::clean_entry_path((*e)->path);
        if (!clean) return errno_fail(EINVAL, "invalid tar entry {:?}: {}", (*e)->path, clean.error().what());
        if (!no_overwrite || clean->empty()) continue;
        auto there = locate_in_root(dir_fd, *clean);
        if (!there) continue;
        bool was_dir = S_ISDIR(there->st.st_mode), is_dir = (*e)->type == image::TarType::Directory;
        if (was_dir && !is_dir) return errno_fail(EEXIST, "cannot overwrite directory {:?} with non-directory {:?}", *clean, (*e)->path);
        if (!was_dir && is_dir) return errno_fail(EEXIST, "cannot overwrite non-directory {:?} with directory {:?}", *clean, (*e)->path);
    }
}

}  // namespace

Result<PathStat> stat_path(const std::string& rootfs, const std::string& path) {
    auto root = open_root(rootfs);
    if (!root) return std::unexpected(root.error());
    auto found = locate_in_root(root->get(), path);
    if (!found) return lookup_error(found.error(), path);
    const struct stat& st = found->st;
    PathStat ps{docker_base(path), st.st_size, st.st_mode, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, ""};
    if (S_ISLNK(st.st_mode)) ps.link_target = resolved_in_root(root->get(), path, found->dir.get(), found->name);
    return ps;
}

Result<void> write_path_tar(const std::string& rootfs, const std::string& path, int out_fd) {
    auto root = open_root(rootfs);
    if (!root) return std::unexpected(root.error());
    auto found = locate_in_root(root->get(), path);
    if (!found) return lookup_error(found.error(), path);
    std::string tar_name = docker_base(path);
    return write_entry_tar(found->dir.get(), found->name, tar_name == "/" ? "." : tar_name, out_fd);
}

Result<void> extract_tar(const std::string& rootfs, const std::string& dir, std::string_view archive,
                         const ExtractOptions& opts) {
    auto root = open_root(rootfs);
    if (!root) return std::unexpected(root.error());
    auto target = linuxfs::open_in_root(root->get(), dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (!target) return lookup_error(target.error(), dir);
    UniqueFd dfd(::openat(target->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) return sys_fail("open {}", dir);
    if (auto r = check_archive(archive, dfd.get(), opts.no_overwrite_dir_non_dir); !r) return r;
    image::UnpackOptions uo;
    uo.whiteouts_to_overlay = false;
    if (opts.copy_uid_gid && !opts.user.empty()) {
        auto u = resolve_user(rootfs, opts.user);
        if (!u) return std::unexpected(u.error());
        uo.owner = std::pair{u->uid, u->gid};
    }
    image::MemorySource mem(archive);
    auto dec = image::make_decompressor(mem);
    auto r = image::unpack_tar(*dec, dfd.get(), uo);
    if (!r) return wrap(std::move(r), fmt::format("extract into {}", dir));
    return {};
}

}  // namespace brig::engine
