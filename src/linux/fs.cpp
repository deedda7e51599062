#include "linux/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "linux/syscalls.hpp"

namespace brig::linuxfs {
namespace {

// Split a path into its components, dropping empty and "." ones. ".." is kept: openat2
// with RESOLVE_IN_ROOT clamps it at the root, so it cannot escape.
std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view c = path.substr(i, j - i);
        if (!c.empty() && c != ".") out.emplace_back(c);
        i = j + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        if (i) s += '/';
        s += parts[i];
    }
    return s.empty() ? std::string(".") : s;
}

int open_beneath(int root_fd, const std::string& rel, int flags, mode_t mode) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd;
    do fd = sys::openat2(root_fd, rel.c_str(), how);
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

}  // namespace

std::string fd_path(int fd) { return fmt::format("/proc/self/fd/{}", fd); }

Result<UniqueFd> open_in_root(int root_fd, std::string_view path, int flags, mode_t mode) {
    auto parts = components(path);
    int fd = open_beneath(root_fd, join(parts, parts.size()), flags, mode);
    if (fd < 0) return sys_fail("open {} in container root", path);
    return UniqueFd(fd);
}

Result<UniqueFd> mkdir_all_in_root(int root_fd, std::string_view path, mode_t mode) {
    auto parts = components(path);
    // Usually the directory, or all but its last component, is there already: find the
    // deepest existing prefix from the full path up (each resolved inside the root), then
    // create the rest below it.
    size_t have = parts.size();
    int fd;
    while ((fd = open_beneath(root_fd, join(parts, have), O_PATH | O_DIRECTORY, 0)) < 0 && errno == ENOENT && have > 0)
        --have;
    if (fd < 0) return sys_fail("open /{} in container root", join(parts, have));
    UniqueFd cur(fd);
    for (size_t i = have; i < parts.size(); ++i) {
        std::string prefix = join(parts, i + 1);
        // Create the single missing component under the already-verified parent fd;
        // mkdirat never follows a symlink in its last component.
        if (parts[i] != ".." && ::mkdirat(cur.get(), parts[i].c_str(), mode) < 0 && errno != EEXIST)
            return sys_fail("mkdir /{} in container root", prefix);
        fd = open_beneath(root_fd, prefix, O_PATH | O_DIRECTORY, 0);
        if (fd < 0) return sys_fail("open /{} in container root", prefix);
        cur.reset(fd);
    }
    return cur;
}

Result<UniqueFd> ensure_target_in_root(int root_fd, std::string_view path, bool file) {
    if (!file) return mkdir_all_in_root(root_fd, path);
    auto parts = components(path);
    if (parts.empty()) return fail("mount target {}: cannot bind a file onto /", path);
    int fd = open_beneath(root_fd, join(parts, parts.size()), O_PATH, 0);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != ENOENT) return sys_fail("open {} in container root", path);
    std::string parent_path = join(parts, parts.size() - 1);
    auto parent = mkdir_all_in_root(root_fd, parent_path);
    if (!parent) return std::unexpected(parent.error());
    int created = ::openat(parent->get(), parts.back().c_str(),
                           O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (created < 0 && errno != EEXIST) return sys_fail("create {} in container root", path);
    if (created >= 0) ::close(created);
    return open_in_root(root_fd, path, O_PATH);
}

Result<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_fail("open {}", path);
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail("read {}", path);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

static Result<void> write_all(int fd, std::string_view data, const std::string& what) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail("write {}", what);
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode, bool durable) {
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    std::string tmp = fmt::format("{}.tmp{}", path, ::getpid());
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) return sys_fail("create {}", tmp);
    if (auto r = write_all(fd.get(), data, tmp); !r) {
        ::unlink(tmp.c_str());
        return r;
    }
    if ((durable && ::fsync(fd.get()) < 0) || ::rename(tmp.c_str(), path.c_str()) < 0) {
        auto err = sys_fail("write {}", path);
        ::unlink(tmp.c_str());
        return err;
    }
    if (!durable) return {};
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd) ::fsync(dfd.get());
    return {};
}

Result<void> write_file(const std::string& path, std::string_view data) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return sys_fail("open {}", path);
    return write_all(fd.get(), data, path);
}

static Result<void> remove_all_at(int dirfd, const char* name, const std::string& display) {
    if (::unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return {};
    if (errno != EISDIR && errno != EPERM) return sys_fail("remove {}", display);
    int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return sys_fail("open {}", display);
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        return sys_fail("open {}", display);
    }
    Result<void> r;
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        r = remove_all_at(::dirfd(d), e->d_name, display + "/" + e->d_name);
        if (!r) break;
    }
    ::closedir(d);
    if (!r) return r;
    if (::unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) return sys_fail("remove {}", display);
    return {};
}

Result<void> remove_all(const std::string& path) { return remove_all_at(AT_FDCWD, path.c_str(), path); }

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

uint64_t tree_bytes(const std::string& dir) {
    namespace fs = std::filesystem;
    uint64_t n = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
         it.increment(ec))
        if (it->is_regular_file(ec) && !it->is_symlink(ec)) n += it->file_size(ec);
    return n;
}

}  // namespace brig::linuxfs
