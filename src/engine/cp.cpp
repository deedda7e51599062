#include "engine/cp.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "engine/container_path.hpp"
#include "engine/image_source.hpp"
#include "linux/fs.hpp"

// GCC 12 reports a false -Wrestrict in inlined std::string assignments here (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

namespace brig::engine {

namespace {

Result<void> copy_data(int in, int out, const std::string& what) {
    while (true) {
        ssize_t n = ::sendfile(out, in, nullptr, 1 << 30);
        if (n == 0) return {};
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EINVAL || errno == ENOSYS) break;
            return sys_fail("copy {}", what);
        }
    }
    char buf[65536];
    ssize_t n;
    while ((n = ::read(in, buf, sizeof buf)) > 0)
        if (::write(out, buf, static_cast<size_t>(n)) != n) return sys_fail("copy {}", what);
    if (n < 0) return sys_fail("copy {}", what);
    return {};
}

Result<void> copy_entry(int sdir, const std::string& name, int ddir, const std::string& dname, const std::string& shown);

// Copies every entry of the open directory `src` into the open directory `dst` (copy_entry
// each); `shown` names src in messages.
Result<void> copy_children(int src, int dst, const std::string& shown) {
    auto names = list_dir(src, shown);
    if (!names) return std::unexpected(names.error());
    for (const auto& n : *names)
        if (auto r = copy_entry(src, n, dst, n, fmt::format("{}/{}", shown, n)); !r) return r;
    return {};
}

// Copies the entry `name` of directory sdir to `dname` in ddir, recursively, never following
// symlinks on either side (an existing destination symlink is replaced, not followed).
Result<void> copy_entry(int sdir, const std::string& name, int ddir, const std::string& dname, const std::string& shown) {
    struct stat st {};
    if (::fstatat(sdir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_fail("stat {}", shown);
    if (S_ISDIR(st.st_mode)) {
        if (::mkdirat(ddir, dname.c_str(), st.st_mode & 07777) < 0 && errno != EEXIST)
            return sys_fail("create directory {}", dname);
        UniqueFd dst(::openat(ddir, dname.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!dst) return sys_fail("open directory {} (a symlink in the way?)", dname);
        UniqueFd src(::openat(sdir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!src) return sys_fail("open {}", shown);
        if (auto r = copy_children(src.get(), dst.get(), shown); !r) return r;
        ::fchmod(dst.get(), st.st_mode & 07777);
        return {};
    }
    if (S_ISLNK(st.st_mode)) {
        std::vector<char> target(static_cast<size_t>(st.st_size) + 2);
        ssize_t n = ::readlinkat(sdir, name.c_str(), target.data(), target.size() - 1);
        if (n < 0) return sys_fail("read link {}", shown);
        ::unlinkat(ddir, dname.c_str(), 0);
        if (::symlinkat(std::string(target.data(), static_cast<size_t>(n)).c_str(), ddir, dname.c_str()) < 0)
            return sys_fail("create link {}", dname);
        return {};
    }
    if (!S_ISREG(st.st_mode)) return {};  // devices, fifos, sockets are skipped, as docker does
    UniqueFd in(::openat(sdir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) return sys_fail("open {}", shown);
    UniqueFd out(::openat(ddir, dname.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777));
    if (!out && errno == ELOOP) {
        // The destination is a symlink: replace it rather than write through it.
        ::unlinkat(ddir, dname.c_str(), 0);
        out.reset(::openat(ddir, dname.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777));
    }
    if (!out) return sys_fail("create {}", dname);
    if (auto r = copy_data(in.get(), out.get(), shown); !r) return r;
    ::fchmod(out.get(), st.st_mode & 07777);
    return {};
}

bool is_dir_at(int dirfd, const std::string& name) {
    struct stat st {};
    return ::fstatat(dirfd, name.c_str(), &st, 0) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

Result<void> copy_from_container(const std::string& rootfs, const std::string& src, const std::string& host_dest) {
    auto root = open_root(rootfs);
    if (!root) return std::unexpected(root.error());
    bool contents = src.ends_with("/.");
    std::string path = contents ? src.substr(0, src.size() - 2) : src;
    if (path.empty()) path = "/";
    // The parent is resolved inside the root; the last component is taken as it is (a symlink
    // is copied as a symlink).
    auto found = locate_in_root(root->get(), path);
    if (!found) return fail("Could not find the file {} in container: {}", src, found.error().what());
    const std::string& name = found->name;
    const int sdir = found->dir.get();
    const struct stat& st = found->st;

    // Destination: into an existing directory (as its basename), or as the given path.
    std::string dest_parent = path_parent(host_dest), dest_name = path_base(host_dest);
    struct stat dst {};
    bool dest_is_dir = ::stat(host_dest.c_str(), &dst) == 0 && S_ISDIR(dst.st_mode);
    if (dest_is_dir && !contents) {
        dest_parent = host_dest;
        dest_name = name != "." ? name : path == "/" ? path_base(rootfs) : path_base(path);
    }
    if (contents && S_ISDIR(st.st_mode)) {
        if (!dest_is_dir && ::mkdir(host_dest.c_str(), 0755) < 0) return sys_fail("create {}", host_dest);
        UniqueFd src_dir(::openat(sdir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!src_dir) return sys_fail("open {}", src);
        UniqueFd ddir(::open(host_dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!ddir) return sys_fail("open {}", host_dest);
        return copy_children(src_dir.get(), ddir.get(), src);
    }
    UniqueFd ddir(::open(dest_parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!ddir) return sys_fail("destination directory {}", dest_parent);
    return copy_entry(sdir, name, ddir.get(), dest_name, src);
}

Result<void> copy_to_container(const std::string& host_src, const std::string& rootfs, const std::string& dest) {
    auto root = open_root(rootfs);
    if (!root) return std::unexpected(root.error());
    bool contents = host_src.ends_with("/.");
    std::string src = contents ? host_src.substr(0, host_src.size() - 2) : host_src;
    struct stat st {};
    if (::lstat(src.c_str(), &st) < 0) return sys_fail("no such file or directory: {}", host_src);
    UniqueFd sdir(::open(path_parent(src).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!sdir) return sys_fail("open {}", path_parent(src));
    std::string sname = path_base(src);

    // Into an existing directory of the container, or as the named path (its parent must exist).
    auto target = linuxfs::open_in_root(root->get(), dest, O_PATH | O_DIRECTORY | O_CLOEXEC);
    UniqueFd ddir;
    std::string dname;
    if (target) {
        ddir.reset(::openat(target->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        dname = sname;
        if (contents && S_ISDIR(st.st_mode)) {
            UniqueFd src_dir(::open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (!src_dir) return sys_fail("open {}", src);
            if (!ddir) return sys_fail("open the destination {}", dest);
            return copy_children(src_dir.get(), ddir.get(), src);
        }
    } else {
        auto parent = linuxfs::open_in_root(root->get(), path_parent(dest), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (!parent) return fail("Could not find the directory {} in container: {}", path_parent(dest), parent.error().what());
        ddir.reset(::openat(parent->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        dname = path_base(dest);
        if (is_dir_at(ddir.get(), dname) && !S_ISDIR(st.st_mode)) dname = fmt::format("{}/{}", dname, sname);
    }
    if (!ddir) return sys_fail("open the destination {}", dest);
    return copy_entry(sdir.get(), sname, ddir.get(), dname, host_src);
}

Result<void> copy_container(Engine& e, const CopyRequest& rq) {
    auto rec = e.store.load(rq.id);
    if (!rec) return std::unexpected(rec.error());
    return with_container_rootfs(e.store, *rec, [&rq](const std::string& rootfs) {
        return rq.into_container ? copy_to_container(rq.host_path, rootfs, rq.container_path)
                                 : copy_from_container(rootfs, rq.container_path, rq.host_path);
    });
}

}  // namespace brig::engine
