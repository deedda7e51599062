#include "image/unpack.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <climits>
#include <cstdlib>
#include <unistd.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "image/tar.hpp"
#include "linux/fs.hpp"
#include "linux/syscalls.hpp"
#include "linux/userns.hpp"

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
        root_dir_ = UniqueFd(::openat(root_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!root_dir_) return sys_fail("open the layer root");
        struct stat st {};
        if (::fstat(root_dir_.get(), &st) < 0) return sys_fail("stat the layer root");
        root_ids_ = {st.st_gid, (st.st_mode & S_ISGID) != 0};
        init_prediction();
        TarReader tar(src);
        for (;;) {
            auto e = tar.next();
            if (!e) return std::unexpected(std::move(e.error()));
            if (!*e) break;
            ++stats_.entries;
            if (opts_.owner) std::tie((*e)->uid, (*e)->gid) = *opts_.owner;
            if (auto r = entry(**e, tar.body()); !r) return std::unexpected(std::move(r.error()));
        }
        chain_.clear();
        // Directory times last: creating their children changed them.
        for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
            UniqueFd fd(open_beneath(root_, it->path, O_PATH | O_DIRECTORY | O_NOFOLLOW));
            if (fd) ::utimensat(fd.get(), "", it->ts, AT_EMPTY_PATH);
        }
        return stats_;
    }

private:
    // What a new child of a directory inherits from it.
    struct Inherit {
        gid_t gid = 0;
        bool setgid = false;  // children get the directory's group, subdirectories its S_ISGID too
    };

    // One open directory of the chain: `name` inside the directory one level up.
    struct ChainDir {
        UniqueFd fd;  // O_RDONLY | O_DIRECTORY
        std::string name;
        Inherit ids;
    };

    // A directory reached by resolve_dir: an fd borrowed from the chain, valid until the next
    // resolve_dir, and its depth in the chain (0 = the layer root).
    struct ResolvedDir {
        int fd;
        size_t depth;
    };

    int dir_fd(size_t depth) const { return depth == 0 ? root_dir_.get() : chain_[depth - 1].fd.get(); }
    const Inherit& dir_ids(size_t depth) const { return depth == 0 ? root_ids_ : chain_[depth - 1].ids; }

    // Ownership and mode of new files are known in advance (our fsuid, our fsgid or the setgid
    // parent's group, the creation mode less the umask), so fchown/fchmod are skipped when they
    // would change nothing. Not when a default ACL is in play: it replaces the umask.
    void init_prediction() {
        euid_ = ::geteuid();
        egid_ = ::getegid();
        predict_ = false;
        UniqueFd f(::open("/proc/self/status", O_RDONLY | O_CLOEXEC));
        if (!f) return;
        char buf[4096];
        ssize_t n = ::read(f.get(), buf, sizeof buf - 1);
        if (n <= 0) return;
        std::string_view status(buf, static_cast<size_t>(n));
        size_t at = status.find("\nUmask:");
        if (at == std::string_view::npos) return;
        umask_ = static_cast<mode_t>(std::strtoul(buf + at + 7, nullptr, 8)) & 0777;
        errno = 0;
        bool acl = ::fgetxattr(root_dir_.get(), "system.posix_acl_default", nullptr, 0) >= 0 || errno == ERANGE;
        predict_ = !acl;
    }

    // Whether fchown(uid, gid) is needed on an object just created in the directory at `depth`.
    bool needs_chown(size_t depth, uint32_t uid, uint32_t gid) const {
        if (!opts_.same_owner) return false;
        if (!predict_) return true;
        const Inherit& p = dir_ids(depth);
        return uid != euid_ || gid != (p.setgid ? p.gid : egid_);
    }
    // Whether fchmod(mode) is needed on a file or directory just created in the directory at
    // `depth` with the mode `mode & 0777`.
    bool needs_chmod(size_t depth, uint32_t mode, bool dir) const {
        if (!predict_) return true;
        mode_t got = (mode & 0777 & ~umask_) | (dir && dir_ids(depth).setgid ? S_ISGID : 0);
        return got != (mode & 07777);
    }

    // The symlink-free path of the chain's directory at `depth`, from the layer root.
    std::string dir_path(size_t depth) const {
        std::string path;
        for (size_t i = 0; i < depth; ++i) path += (i == 0 ? "" : "/") + chain_[i].name;
        return path;
    }

    // Drops the chain below parent `depth` when it goes through `name`, which is being removed
    // or replaced: the only way an open directory of the chain can stop being what its name
    // (from the layer root) leads to, since entries only ever add names otherwise.
    void forget(size_t depth, const std::string& name) {
        if (depth < chain_.size() && chain_[depth].name == name) chain_.erase(chain_.begin() + static_cast<ptrdiff_t>(depth), chain_.end());
    }

    // Resolves the directory `rel` inside the layer the way docker and containerd do: symlinks
    // met on the way are followed as if the layer root were `/` (an absolute target starts
    // again at the root, `..` stops at the root), so `lib -> /usr/lib` then `lib/x.so` writes
    // usr/lib/x.so. The walk goes one component at a time with O_NOFOLLOW from fds it already
    // holds and handles `..` itself, so it never reaches outside the layer. Missing directories
    // are created (0755) when `create`.
    //
    // The directories walked stay open in chain_ (from the root down, symlink-free) for the
    // next entries: a tar lists a directory's entries together, so the parent of the next entry
    // is almost always open already and costs no system call at all.
    Result<ResolvedDir> resolve_dir(const std::string& rel, bool create) {
        constexpr int kMaxLinks = 40;  // as the kernel's ELOOP limit
        size_t depth = 0;
        std::vector<std::string> todo;  // components still to walk, the next one last
        auto push_path = [&todo](std::string_view p) {
            size_t first = todo.size();
            size_t i = 0;
            while (i <= p.size()) {
                size_t j = p.find('/', i);
                if (j == std::string_view::npos) j = p.size();
                if (j > i) todo.emplace_back(p.substr(i, j - i));
                i = j + 1;
            }
            std::reverse(todo.begin() + static_cast<ptrdiff_t>(first), todo.end());
        };
        push_path(rel);
        int links = 0;
        while (!todo.empty()) {
            std::string comp = std::move(todo.back());
            todo.pop_back();
            if (comp == ".") continue;
            if (comp == "..") {
                if (depth > 0) --depth;
                continue;
            }
            if (depth < chain_.size() && chain_[depth].name == comp) {  // open already
                ++depth;
                continue;
            }
            int cur = dir_fd(depth);
            struct stat st {};
            if (::fstatat(cur, comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT || !create) return sys_fail("refused: {}", comp);
                if (::mkdirat(cur, comp.c_str(), 0755) < 0 && errno != EEXIST) {
                    return sys_fail("mkdir {}", comp);
                }
                if (::fstatat(cur, comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_fail("stat {}", comp);
            }
            if (S_ISLNK(st.st_mode)) {
                if (++links > kMaxLinks) return errno_fail(ELOOP, "refused: too many symlinks");
                std::string target(PATH_MAX, '\0');
                ssize_t n = ::readlinkat(cur, comp.c_str(), target.data(), target.size());
                if (n < 0) return sys_fail("read symlink {}", comp);
                target.resize(static_cast<size_t>(n));
                if (target.starts_with('/')) depth = 0;  // absolute: from the layer root
                push_path(target);
                continue;
            }
            if (!S_ISDIR(st.st_mode)) return fail("refused: {}", escape_msg(ENOTDIR));
            UniqueFd next(::openat(cur, comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!next) return sys_fail("open {}", comp);
            chain_.erase(chain_.begin() + static_cast<ptrdiff_t>(depth), chain_.end());
            chain_.push_back({std::move(next), std::move(comp), {st.st_gid, (st.st_mode & S_ISGID) != 0}});
            ++depth;
        }
        return ResolvedDir{dir_fd(depth), depth};
    }

    // Remove whatever is at parent/name (a file, a symlink, or a whole directory). Returns true
    // when a directory is there and kept (`keep_dir`).
    Result<bool> remove_existing(const ResolvedDir& parent, const std::string& name, const std::string& entry, bool keep_dir) {
        struct stat st {};
        if (::fstatat(parent.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT) return false;
            return sys_fail("tar entry '{}': stat", entry);
        }
        if (S_ISDIR(st.st_mode)) {
            if (keep_dir) return true;
            forget(parent.depth, name);
            auto r = linuxfs::remove_all(linuxfs::fd_path(parent.fd) + "/" + name);
            if (!r) return fail("tar entry '{}': replace directory: {}", entry, r.error().what());
            return false;
        }
        forget(parent.depth, name);
        if (::unlinkat(parent.fd, name.c_str(), 0) < 0) return sys_fail("tar entry '{}': replace existing file", entry);
        return false;
    }

    // Runs `make` (one *at() call creating parent/name, returning >= 0 on success); when the name
    // is taken, removes what is there and runs it again. No lookup beforehand: an entry whose
    // name is new (nearly all of them) costs the creating call only. The result is make()'s,
    // with errno set when it is < 0; 0 when `keep_dir` and a directory is there.
    template <class Make>
    Result<int> create_replacing(const ResolvedDir& parent, const std::string& name, const TarEntry& e, bool keep_dir,
                                 Make make) {
        int r = make();
        if (r >= 0 || errno != EEXIST) return r;
        auto kept = remove_existing(parent, name, e.path, keep_dir);
        if (!kept) return std::unexpected(std::move(kept.error()));
        if (*kept) return 0;
        return make();
    }

    Result<void> set_xattrs(int parent, const std::string& name, const TarEntry& e, int fd) {
        for (auto& [k, v] : e.xattrs) {
            if (k.starts_with("trusted.overlay.") || k.starts_with("user.overlay.")) continue;
            if (k == "system.posix_acl_default") predict_ = false;  // new files' modes come from it
            int r = fd >= 0 ? ::fsetxattr(fd, k.c_str(), v.data(), v.size(), 0)
                            : ::lsetxattr((linuxfs::fd_path(parent) + "/" + name).c_str(), k.c_str(), v.data(), v.size(), 0);
            if (r < 0 && errno != ENOTSUP) return sys_fail("tar entry '{}': set xattr {}", e.path, k);
        }
        return {};
    }

    Result<void> copy_body(int fd, const TarEntry& e, ByteSource& body) {
        if (buf_.empty()) buf_.resize(256 * 1024);
        for (;;) {
            auto n = body.read(buf_);
            if (!n) return fail("tar entry '{}': {}", e.path, n.error().what());
            if (*n == 0) break;
            size_t off = 0;
            while (off < *n) {
                ssize_t w = ::write(fd, buf_.data() + off, *n - off);
                if (w < 0) {
                    if (errno == EINTR) continue;
                    return sys_fail("tar entry '{}': write", e.path);
                }
                off += static_cast<size_t>(w);
            }
            stats_.bytes += *n;
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
        auto parent = resolve_dir(parent_path, true);
        if (!parent) return wrap(std::move(parent), fmt::format("tar entry '{}'", e.path));
        int pfd = parent->fd;

        timespec ts[2] = {{e.mtime_sec, static_cast<long>(e.mtime_nsec)}, {e.mtime_sec, static_cast<long>(e.mtime_nsec)}};

        if (opts_.whiteouts_to_overlay && name.starts_with(kWhiteoutPrefix)) {
            if (name == kOpaque) {
                // In a user namespace (rootless brig) trusted.* cannot be set: overlay is mounted
                // with userxattr there and reads user.overlay.* instead.
                const char* opaque = userns::running_in_user_ns() ? "user.overlay.opaque" : "trusted.overlay.opaque";
                if (::fsetxattr(pfd, opaque, "y", 1, 0) < 0) return sys_fail("tar entry '{}': mark directory opaque", e.path);
                return {};
            }
            if (name.starts_with(".wh..wh.")) return {};  // aufs metadata (.wh..wh.plnk etc.)
            std::string target = name.substr(kWhiteoutPrefix.size());
            if (target.empty() || target == "." || target == "..") return fail("tar entry '{}': invalid whiteout", e.path);
            auto r = create_replacing(*parent, target, e, false,
                                      [&] { return ::mknodat(pfd, target.c_str(), S_IFCHR | 0, makedev(0, 0)); });
            if (!r) return std::unexpected(std::move(r.error()));
            if (*r < 0) return sys_fail("tar entry '{}': create whiteout", e.path);
            return {};
        }

        switch (e.type) {
            case TarType::Regular: {
                // Created with its final permission bits (the creating open may write whatever they say).
                auto r = create_replacing(*parent, name, e, false, [&] {
                    return ::openat(pfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, e.mode & 0777);
                });
                if (!r) return std::unexpected(std::move(r.error()));
                if (*r < 0) return sys_fail("tar entry '{}': create", e.path);
                UniqueFd fd(*r);
                if (auto c = copy_body(fd.get(), e, body); !c) return c;
                // chown before chmod: a chown clears setuid/setgid.
                bool chown = needs_chown(parent->depth, e.uid, e.gid);
                if (chown && ::fchown(fd.get(), e.uid, e.gid) < 0) return sys_fail("tar entry '{}': chown", e.path);
                if ((chown || needs_chmod(parent->depth, e.mode, false)) && ::fchmod(fd.get(), e.mode) < 0)
                    return sys_fail("tar entry '{}': chmod", e.path);
                if (auto x = set_xattrs(pfd, name, e, fd.get()); !x) return x;
                ::futimens(fd.get(), ts);
                return {};
            }
            case TarType::Directory: {
                int made = -1;  // 0: created here, else it was there already (kept)
                auto r = create_replacing(*parent, name, e, true, [&] { return made = ::mkdirat(pfd, name.c_str(), e.mode & 0777); });
                if (!r) return std::unexpected(std::move(r.error()));
                if (*r < 0) return sys_fail("tar entry '{}': mkdir", e.path);
                bool created = made == 0;
                // The directory joins the chain: its entries come next.
                size_t depth = parent->depth;
                bool chown = !created ? opts_.same_owner : needs_chown(depth, e.uid, e.gid);
                bool chmod = !created || chown || needs_chmod(depth, e.mode, true);
                Inherit ids{opts_.same_owner ? e.gid : dir_ids(depth).setgid ? dir_ids(depth).gid : egid_,
                            (e.mode & S_ISGID) != 0};
                if (!(depth < chain_.size() && chain_[depth].name == name)) {
                    UniqueFd fd(::openat(pfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
                    if (!fd) return errno_fail(0, "tar entry '{}': refused: {}", e.path, escape_msg(errno));
                    chain_.erase(chain_.begin() + static_cast<ptrdiff_t>(depth), chain_.end());
                    chain_.push_back({std::move(fd), name, {}});
                }
                int dfd = chain_[depth].fd.get();
                if (chown && ::fchown(dfd, e.uid, e.gid) < 0) return sys_fail("tar entry '{}': chown", e.path);
                if (chmod && ::fchmod(dfd, e.mode) < 0) return sys_fail("tar entry '{}': chmod", e.path);
                if (!opts_.same_owner && !created) predict_ = false;  // its group is whatever it had: not tracked
                chain_[depth].ids = ids;
                if (auto x = set_xattrs(pfd, name, e, dfd); !x) return x;
                dirs_.push_back({dir_path(depth + 1), {ts[0], ts[1]}});
                return {};
            }
            case TarType::Symlink: {
                auto r = create_replacing(*parent, name, e, false,
                                          [&] { return ::symlinkat(e.linkname.c_str(), pfd, name.c_str()); });
                if (!r) return std::unexpected(std::move(r.error()));
                if (*r < 0) return sys_fail("tar entry '{}': symlink", e.path);
                if (needs_chown(parent->depth, e.uid, e.gid) && ::fchownat(pfd, name.c_str(), e.uid, e.gid, AT_SYMLINK_NOFOLLOW) < 0)
                    return sys_fail("tar entry '{}': chown", e.path);
                if (auto x = set_xattrs(pfd, name, e, -1); !x) return x;
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
                auto tp = resolve_dir(tparent, false);
                if (!tp) return wrap(std::move(tp), fmt::format("tar entry '{}': hard link target '{}'", e.path, e.linkname));
                UniqueFd tfd(::fcntl(tp->fd, F_DUPFD_CLOEXEC, 0));
                if (!tfd) return sys_fail("tar entry '{}': dup", e.path);
                // The target's walk may have moved the chain: the link's own parent again.
                auto lp = resolve_dir(parent_path, true);
                if (!lp) return wrap(std::move(lp), fmt::format("tar entry '{}'", e.path));
                // linkat without AT_SYMLINK_FOLLOW links the name itself, never what a symlink points to.
                auto r = create_replacing(*lp, name, e, false,
                                          [&] { return ::linkat(tfd.get(), tname.c_str(), lp->fd, name.c_str(), 0); });
                if (!r) return std::unexpected(std::move(r.error()));
                if (*r < 0) return sys_fail("tar entry '{}': hard link to '{}'", e.path, e.linkname);
                // The link's own header applies to the shared inode, the last header winning
                // (docker's archive package); a link to a symlink is never followed.
                struct stat lst {};
                if (::fstatat(lp->fd, name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) < 0) return sys_fail("tar entry '{}': stat", e.path);
                if (needs_chown(lp->depth, e.uid, e.gid) && ::fchownat(lp->fd, name.c_str(), e.uid, e.gid, AT_SYMLINK_NOFOLLOW) < 0)
                    return sys_fail("tar entry '{}': chown", e.path);
                if (!S_ISLNK(lst.st_mode) && ::fchmodat(lp->fd, name.c_str(), e.mode & 07777, 0) < 0)
                    return sys_fail("tar entry '{}': chmod", e.path);
                return {};
            }
            case TarType::CharDev:
            case TarType::BlockDev:
            case TarType::Fifo: {
                mode_t type = e.type == TarType::CharDev ? S_IFCHR : e.type == TarType::BlockDev ? S_IFBLK : S_IFIFO;
                auto r = create_replacing(*parent, name, e, false, [&] {
                    return ::mknodat(pfd, name.c_str(), type | (e.mode & 07777), makedev(e.devmajor, e.devminor));
                });
                if (!r) return std::unexpected(std::move(r.error()));
                if (*r < 0) return sys_fail("tar entry '{}': mknod", e.path);
                if (opts_.same_owner && ::fchownat(pfd, name.c_str(), e.uid, e.gid, AT_SYMLINK_NOFOLLOW) < 0)
                    return sys_fail("tar entry '{}': chown", e.path);
                ::fchmodat(pfd, name.c_str(), e.mode & 07777, 0);
                if (auto x = set_xattrs(pfd, name, e, -1); !x) return x;
                ::utimensat(pfd, name.c_str(), ts, AT_SYMLINK_NOFOLLOW);
                return {};
            }
        }
        return fail("tar entry '{}': unsupported type", e.path);
    }

    int root_;
    UniqueFd root_dir_;  // the layer root, O_RDONLY: the chain's depth 0
    Inherit root_ids_;
    uid_t euid_ = 0;
    gid_t egid_ = 0;
    mode_t umask_ = 0;
    bool predict_ = false;  // needs_chown/needs_chmod may skip calls
    UnpackOptions opts_;
    UnpackStats stats_;
    std::vector<DirTime> dirs_;
    std::vector<ChainDir> chain_;  // open directories below the root, each inside the one before
    std::vector<std::byte> buf_;   // file data on its way from the archive to the layer
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
