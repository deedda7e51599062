#include "image/unpack.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <vector>

#include "image/tar.hpp"
#include "linux/fs.hpp"
#include "linux/syscalls.hpp"

namespace brig::image {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";

// Open `rel` (a cleaned relative path, "" = the root) beneath root_fd, never leaving it.
int open_beneath(int root_fd, const std::string& rel, int flags) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    int fd;
    do fd = sys::openat2(root_fd, rel.empty() ? "." : rel.c_str(), how);
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

std::string escape_msg(int e) {
    if (e == EXDEV || e == ELOOP) return "it leads outside the layer through a symlink";
    if (e == ENOTDIR) return "a parent path component is not a directory";
    return std::strerror(e);
}

struct DirTime {
    std::string path;
    timespec ts[2];
};

class Unpacker {
public:
    Unpacker(int root, const UnpackOptions& o) : root_(root), opts_(o) {}

    Result<UnpackStats> run(ByteSource& src) {
        TarReader tar(src);
        for (;;) {
            auto e = tar.next();
            if (!e) return std::unexpected(std::move(e.error()));
            if (!*e) break;
            ++stats_.entries;
            if (auto r = entry(**e, tar.body()); !r) return std::unexpected(std::move(r.error()));
        }
        // Directory times last: creating their children changed them.
        for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
            UniqueFd fd(open_beneath(root_, it->path, O_PATH | O_DIRECTORY | O_NOFOLLOW));
            if (fd) ::utimensat(fd.get(), "", it->ts, AT_EMPTY_PATH);
        }
        return stats_;
    }

private:
    // Open (creating missing directories) the parent of a cleaned path.
    Result<UniqueFd> parent_of(const std::string& entry, const std::string& parent) {
        int fd = open_beneath(root_, parent, O_PATH | O_DIRECTORY);
        if (fd >= 0) return UniqueFd(fd);
        if (errno != ENOENT) return errno_fail(0, "tar entry '{}': refused: {}", entry, escape_msg(errno));
        // Create the missing directories one at a time under verified parents.
        UniqueFd cur(open_beneath(root_, "", O_PATH | O_DIRECTORY));
        size_t i = 0;
        std::string sofar;
        while (i < parent.size()) {
            size_t j = parent.find('/', i);
            if (j == std::string::npos) j = parent.size();
            std::string comp = parent.substr(i, j - i);
            sofar = sofar.empty() ? comp : sofar + "/" + comp;
            int next = open_beneath(root_, sofar, O_PATH | O_DIRECTORY);
            if (next < 0 && errno == ENOENT) {
                if (::mkdirat(cur.get(), comp.c_str(), 0755) < 0 && errno != EEXIST)
                    return sys_fail("tar entry '{}': mkdir {}", entry, sofar);
                next = open_beneath(root_, sofar, O_PATH | O_DIRECTORY);
            }
            if (next < 0) return errno_fail(0, "tar entry '{}': refused: {}", entry, escape_msg(errno));
            cur.reset(next);
            i = j + 1;
        }
        return cur;
    }

    // Remove whatever is at parent/name (a file, a symlink, or a whole directory).
    Result<void> remove_existing(int parent, const std::string& name, const std::string& entry, bool keep_dir) {
        struct stat st {};
        if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT) return {};
            return sys_fail("tar entry '{}': stat", entry);
        }
        if (S_ISDIR(st.st_mode)) {
            if (keep_dir) return {};
            auto r = linuxfs::remove_all(linuxfs::fd_path(parent) + "/" + name);
            if (!r) return fail("tar entry '{}': replace directory: {}", entry, r.error().what());
            return {};
        }
        if (::unlinkat(parent, name.c_str(), 0) < 0) return sys_fail("tar entry '{}': replace existing file", entry);
        return {};
    }

    Result<void> set_xattrs(int parent, const std::string& name, const TarEntry& e, int fd) {
        for (auto& [k, v] : e.xattrs) {
            if (k.starts_with("trusted.overlay.") || k.starts_with("user.overlay.")) continue;
            int r = fd >= 0 ? ::fsetxattr(fd, k.c_str(), v.data(), v.size(), 0)
                            : ::lsetxattr((linuxfs::fd_path(parent) + "/" + name).c_str(), k.c_str(), v.data(), v.size(), 0);
            if (r < 0 && errno != ENOTSUP) return sys_fail("tar entry '{}': set xattr {}", e.path, k);
        }
        return {};
    }

    Result<void> entry(const TarEntry& e, ByteSource& body) {
        auto cleaned = clean_entry_path(e.path);
        if (!cleaned) return std::unexpected(std::move(cleaned.error()));
        const std::string& path = *cleaned;
        if (path.empty()) return {};  // the root itself ("./"): its attributes are not the layer's to set
        auto slash = path.rfind('/');
        std::string parent_path = slash == std::string::npos ? "" : path.substr(0, slash);
        std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
        auto parent = parent_of(e.path, parent_path);
        if (!parent) return std::unexpected(std::move(parent.error()));
        int pfd = parent->get();

        timespec ts[2] = {{e.mtime_sec, static_cast<long>(e.mtime_nsec)}, {e.mtime_sec, static_cast<long>(e.mtime_nsec)}};

        if (opts_.whiteouts_to_overlay && name.starts_with(kWhiteoutPrefix)) {
            if (name == kOpaque) {
                UniqueFd dir(open_beneath(root_, parent_path, O_RDONLY | O_DIRECTORY));
                if (!dir) return sys_fail("tar entry '{}': open directory", e.path);
                if (::fsetxattr(dir.get(), "trusted.overlay.opaque", "y", 1, 0) < 0)
                    return sys_fail("tar entry '{}': mark directory opaque", e.path);
                return {};
            }
            if (name.starts_with(".wh..wh.")) return {};  // aufs metadata (.wh..wh.plnk etc.)
            std::string target = name.substr(kWhiteoutPrefix.size());
            if (target.empty() || target == "." || target == "..") return fail("tar entry '{}': invalid whiteout", e.path);
            if (auto r = remove_existing(pfd, target, e.path, false); !r) return r;
            if (::mknodat(pfd, target.c_str(), S_IFCHR | 0, makedev(0, 0)) < 0)
                return sys_fail("tar entry '{}': create whiteout", e.path);
            return {};
        }

        if (auto r = remove_existing(pfd, name, e.path, e.type == TarType::Directory); !r) return r;

        switch (e.type) {
            case TarType::Regular: {
                UniqueFd fd(::openat(pfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
                if (!fd) return sys_fail("tar entry '{}': create", e.path);
                std::vector<std::byte> buf(256 * 1024);
                for (;;) {
                    auto n = body.read(buf);
                    if (!n) return fail("tar entry '{}': {}", e.path, n.error().what());
                    if (*n == 0) break;
                    size_t off = 0;
                    while (off < *n) {
                        ssize_t w = ::write(fd.get(), buf.data() + off, *n - off);
                        if (w < 0) {
                            if (errno == EINTR) continue;
                            return sys_fail("tar entry '{}': write", e.path);
                        }
                        off += static_cast<size_t>(w);
                    }
                    stats_.bytes += *n;
                }
                if (opts_.same_owner && ::fchown(fd.get(), e.uid, e.gid) < 0) return sys_fail("tar entry '{}': chown", e.path);
                if (::fchmod(fd.get(), e.mode) < 0) return sys_fail("tar entry '{}': chmod", e.path);
                if (auto r = set_xattrs(pfd, name, e, fd.get()); !r) return r;
                ::futimens(fd.get(), ts);
                return {};
            }
            case TarType::Directory: {
                if (::mkdirat(pfd, name.c_str(), 0700) < 0 && errno != EEXIST) return sys_fail("tar entry '{}': mkdir", e.path);
                UniqueFd fd(open_beneath(root_, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
                if (!fd) return errno_fail(0, "tar entry '{}': refused: {}", e.path, escape_msg(errno));
                if (opts_.same_owner && ::fchown(fd.get(), e.uid, e.gid) < 0) return sys_fail("tar entry '{}': chown", e.path);
                if (::fchmod(fd.get(), e.mode) < 0) return sys_fail("tar entry '{}': chmod", e.path);
                if (auto r = set_xattrs(pfd, name, e, fd.get()); !r) return r;
                dirs_.push_back({path, {ts[0], ts[1]}});
                return {};
            }
            case TarType::Symlink: {
                if (::symlinkat(e.linkname.c_str(), pfd, name.c_str()) < 0) return sys_fail("tar entry '{}': symlink", e.path);
                if (opts_.same_owner && ::fchownat(pfd, name.c_str(), e.uid, e.gid, AT_SYMLINK_NOFOLLOW) < 0)
                    return sys_fail("tar entry '{}': chown", e.path);
                if (auto r = set_xattrs(pfd, name, e, -1); !r) return r;
                ::utimensat(pfd, name.c_str(), ts, AT_SYMLINK_NOFOLLOW);
                return {};
            }
            case TarType::HardLink: {
                auto target = clean_entry_path(e.linkname);
                if (!target) return fail("tar entry '{}': hard link target: {}", e.path, target.error().message);
                if (target->empty()) return fail("tar entry '{}': hard link to the layer root", e.path);
                auto ts_ = target->rfind('/');
                std::string tparent = ts_ == std::string::npos ? "" : target->substr(0, ts_);
                std::string tname = ts_ == std::string::npos ? *target : target->substr(ts_ + 1);
                UniqueFd tp(open_beneath(root_, tparent, O_PATH | O_DIRECTORY));
                if (!tp) return errno_fail(0, "tar entry '{}': hard link target '{}' refused: {}", e.path, e.linkname, escape_msg(errno));
                // linkat without AT_SYMLINK_FOLLOW links the name itself, never what a symlink points to.
                if (::linkat(tp.get(), tname.c_str(), pfd, name.c_str(), 0) < 0)
                    return sys_fail("tar entry '{}': hard link to '{}'", e.path, e.linkname);
                return {};
            }
            case TarType::CharDev:
            case TarType::BlockDev:
            case TarType::Fifo: {
                mode_t type = e.type == TarType::CharDev ? S_IFCHR : e.type == TarType::BlockDev ? S_IFBLK : S_IFIFO;
                if (::mknodat(pfd, name.c_str(), type | (e.mode & 07777), makedev(e.devmajor, e.devminor)) < 0)
                    return sys_fail("tar entry '{}': mknod", e.path);
                if (opts_.same_owner && ::fchownat(pfd, name.c_str(), e.uid, e.gid, AT_SYMLINK_NOFOLLOW) < 0)
                    return sys_fail("tar entry '{}': chown", e.path);
                ::fchmodat(pfd, name.c_str(), e.mode & 07777, 0);
                if (auto r = set_xattrs(pfd, name, e, -1); !r) return r;
                ::utimensat(pfd, name.c_str(), ts, AT_SYMLINK_NOFOLLOW);
                return {};
            }
        }
        return fail("tar entry '{}': unsupported type", e.path);
    }

    int root_;
    UnpackOptions opts_;
    UnpackStats stats_;
    std::vector<DirTime> dirs_;
};

}  // namespace

Result<std::string> clean_entry_path(std::string_view path) {
    if (path.starts_with("/")) return fail("tar entry '{}': refused: absolute path", path);
    std::string out;
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view c = path.substr(i, j - i);
        if (c == "..") return fail("tar entry '{}': refused: path contains '..'", path);
        if (!c.empty() && c != ".") {
            if (!out.empty()) out += '/';
            out += c;
        }
        i = j + 1;
    }
    if (path.find('\0') != std::string_view::npos) return fail("tar entry: refused: NUL in path");
    return out;
}

Result<UnpackStats> unpack_tar(ByteSource& tar, int dest_fd, const UnpackOptions& opts) {
    Unpacker u(dest_fd, opts);
    return u.run(tar);
}

}  // namespace brig::image
