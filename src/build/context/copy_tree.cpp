#include "build/context/copy_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "build/context/data.hpp"
#include "build/context/dirents.hpp"
#include "build/context/path.hpp"
#include "linux/syscalls.hpp"

namespace brig::build::context {
namespace {

// Extended attributes that are not the file's to carry into an image.
bool skip_xattr(std::string_view name, bool chmod) {
    return name == "security.selinux" || name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.") ||
           (chmod && name == "system.posix_acl_access");  // it would undo --chmod
}

std::string shown(const std::string& dest_rel) { return "/" + dest_rel; }

}  // namespace

TreeCopier::TreeCopier(const SourceRoot& src, const CopyOptions& opts, int dest_root_fd)
    : src_(src), opts_(opts), dest_root_(dest_root_fd), euid_(::geteuid()), egid_(::getegid()) {
    // The umask from /proc (umask(2) cannot read it without changing it): files created with
    // their final mode need no fchmod unless the umask took bits away.
    UniqueFd f(::open("/proc/self/status", O_RDONLY | O_CLOEXEC));
    char buf[4096];
    ssize_t n = f ? ::read(f.get(), buf, sizeof buf - 1) : -1;
    if (n > 0) {
        buf[n] = '\0';
        if (const char* u = std::strstr(buf, "\nUmask:")) {
            umask_ = static_cast<mode_t>(std::strtoul(u + 7, nullptr, 8)) & 0777;
            umask_known_ = true;
        }
    }
}

bool TreeCopier::created_ok(uid_t u, gid_t g) const { return u == euid_ && child_gid_ && g == *child_gid_; }

uid_t TreeCopier::owner_uid(const struct stat& st) const {
    if (opts_.uid) return *opts_.uid;
    if (opts_.gid) return 0;
    return src_.is_context ? 0 : st.st_uid;
}

gid_t TreeCopier::owner_gid(const struct stat& st) const {
    if (opts_.gid) return *opts_.gid;
    if (opts_.uid) return static_cast<gid_t>(*opts_.uid);
    return src_.is_context ? 0 : st.st_gid;
}

mode_t TreeCopier::mode_of(const struct stat& st) const { return opts_.chmod ? (*opts_.chmod & 07777) : (st.st_mode & 07777); }

Result<void> TreeCopier::chown_fd(int fd, const struct stat& st, const std::string& dest_rel, bool existed) {
    uid_t u = owner_uid(st);
    gid_t g = owner_gid(st);
    if (!existed && created_ok(u, g)) return {};
    if (::fchown(fd, u, g) < 0) {
        // Without root (unit tests, a plain user's scratch copy) the owner stays ours.
        if (euid_ != 0 && errno == EPERM) return {};
        return sys_fail("chown {} to {}:{}", shown(dest_rel), u, g);
    }
    return {};
}

Result<void> TreeCopier::make_room(int ddir, const std::string& dname, const std::string& dest_rel) {
    struct stat st {};
    if (::fstatat(ddir, dname.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return {};
        return sys_fail("stat {}", shown(dest_rel));
    }
    if (S_ISDIR(st.st_mode)) return fail("cannot replace to directory {} with file", shown(dest_rel));
    if (::unlinkat(ddir, dname.c_str(), 0) < 0 && errno != ENOENT) return sys_fail("replace {}", shown(dest_rel));
    return {};
}

void TreeCopier::copy_xattrs(int in, int out) {
    if (!opts_.xattrs) return;
    ssize_t n = ::flistxattr(in, nullptr, 0);
    if (n <= 0) return;
    std::vector<char> names(static_cast<size_t>(n));
    n = ::flistxattr(in, names.data(), names.size());
    for (ssize_t off = 0; n > 0 && off < n;) {
        const char* name = names.data() + off;
        off += static_cast<ssize_t>(std::strlen(name)) + 1;
        if (skip_xattr(name, opts_.chmod.has_value())) continue;
        ssize_t len = ::fgetxattr(in, name, nullptr, 0);
        if (len < 0) continue;
        xbuf_.resize(static_cast<size_t>(len));
        len = ::fgetxattr(in, name, xbuf_.data(), xbuf_.size());
        if (len >= 0) ::fsetxattr(out, name, xbuf_.data(), static_cast<size_t>(len), 0);  // best effort
    }
}

Result<bool> TreeCopier::link_again(const struct stat& st, int ddir, const std::string& dname, const std::string& dest_rel) {
    auto it = links_.find({st.st_dev, st.st_ino});
    if (it == links_.end()) return false;
    const std::string& first = it->second;
    // The first copy's directory, reached without any symlink (it was made by this copy).
    std::string parent(dir_name(first));
    UniqueFd pfd;
    if (parent.empty()) {
        pfd.reset(::fcntl(dest_root_, F_DUPFD_CLOEXEC, 0));
    } else {
        open_how how{};
        how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
        pfd.reset(sys::openat2(dest_root_, parent.c_str(), how));
    }
    if (!pfd) return false;  // gone or replaced since: copy the data again
    std::string fname(base_name(first));
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (::linkat(pfd.get(), fname.c_str(), ddir, dname.c_str(), 0) == 0) {
            ++stats_.files;
            return true;
        }
        if (errno != EEXIST || attempt > 0) break;
        if (auto r = make_room(ddir, dname, dest_rel); !r) return std::unexpected(std::move(r.error()));
    }
    return false;
}

Result<void> TreeCopier::copy_file(int sparent, const std::string& sname, const struct stat& st, int ddir, const std::string& dname,
                                   const std::string& dest_rel) {
    if (st.st_nlink > 1) {
        auto linked = link_again(st, ddir, dname, dest_rel);
        if (!linked) return std::unexpected(std::move(linked.error()));
        if (*linked) return {};
    }
    UniqueFd in(::openat(sparent, sname.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) return sys_fail("open source {}", sname);
    const mode_t mode = mode_of(st);
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    UniqueFd out(::openat(ddir, dname.c_str(), flags, mode & 0777));
    if (!out && errno == EEXIST) {
        if (auto r = make_room(ddir, dname, dest_rel); !r) return r;
        out.reset(::openat(ddir, dname.c_str(), flags, mode & 0777));
    }
    if (!out) return sys_fail("create {}", shown(dest_rel));
    if (st.st_size > 0) {
        auto n = copy_data(in.get(), out.get(), static_cast<uint64_t>(st.st_size));
        if (!n) return wrap(std::move(n), shown(dest_rel));
        stats_.bytes += *n;
    }
    // chown before chmod (a chown clears setuid/setgid), xattrs after both (a chown or a write
    // drops security.capability).
    if (auto r = chown_fd(out.get(), st, dest_rel, false); !r) return r;
    if ((mode & 07000) || !umask_known_ || acl_dir_ || (mode & 0777 & ~umask_) != mode) {
        if (::fchmod(out.get(), mode) < 0) return sys_fail("chmod {}", shown(dest_rel));
    }
    copy_xattrs(in.get(), out.get());
    const timespec ts[2] = {st.st_atim, st.st_mtim};
    ::futimens(out.get(), ts);
    ++stats_.files;
    if (st.st_nlink > 1) links_.emplace(std::make_pair(st.st_dev, st.st_ino), dest_rel);
    return {};
}

Result<void> TreeCopier::copy_symlink(int sparent, const std::string& sname, const struct stat& st, int ddir, const std::string& dname,
                                      const std::string& dest_rel) {
    std::string target(static_cast<size_t>(st.st_size) + 256, '\0');
    ssize_t n = ::readlinkat(sparent, sname.c_str(), target.data(), target.size());
    if (n < 0) return sys_fail("read link {}", sname);
    target.resize(static_cast<size_t>(n));
    if (::symlinkat(target.c_str(), ddir, dname.c_str()) < 0) {
        if (errno != EEXIST) return sys_fail("create symlink {}", shown(dest_rel));
        if (auto r = make_room(ddir, dname, dest_rel); !r) return r;
        if (::symlinkat(target.c_str(), ddir, dname.c_str()) < 0) return sys_fail("create symlink {}", shown(dest_rel));
    }
    uid_t u = owner_uid(st);
    gid_t g = owner_gid(st);
    if (!created_ok(u, g) && ::fchownat(ddir, dname.c_str(), u, g, AT_SYMLINK_NOFOLLOW) < 0 &&
        !(euid_ != 0 && errno == EPERM))
        return sys_fail("chown {}", shown(dest_rel));
    const timespec ts[2] = {st.st_atim, st.st_mtim};
    ::utimensat(ddir, dname.c_str(), ts, AT_SYMLINK_NOFOLLOW);
    ++stats_.files;
    return {};
}

Result<void> TreeCopier::copy_special(const struct stat& st, int ddir, const std::string& dname, const std::string& dest_rel) {
    const mode_t type = st.st_mode & S_IFMT;
    const mode_t mode = mode_of(st);
    if (::mknodat(ddir, dname.c_str(), type | (mode & 0777), st.st_rdev) < 0) {
        if (errno != EEXIST) return sys_fail("create {}", shown(dest_rel));
        if (auto r = make_room(ddir, dname, dest_rel); !r) return r;
        if (::mknodat(ddir, dname.c_str(), type | (mode & 0777), st.st_rdev) < 0) return sys_fail("create {}", shown(dest_rel));
    }
    if (::fchownat(ddir, dname.c_str(), owner_uid(st), owner_gid(st), AT_SYMLINK_NOFOLLOW) < 0 && !(euid_ != 0 && errno == EPERM))
        return sys_fail("chown {}", shown(dest_rel));
    ::fchmodat(ddir, dname.c_str(), mode, 0);
    const timespec ts[2] = {st.st_atim, st.st_mtim};
    ::utimensat(ddir, dname.c_str(), ts, AT_SYMLINK_NOFOLLOW);
    ++stats_.files;
    return {};
}

Result<void> TreeCopier::set_dir_meta(int dfd, const struct stat& st, const std::string& dest_rel, bool existed) {
    if (auto r = chown_fd(dfd, st, dest_rel, existed); !r) return r;
    if (::fchmod(dfd, mode_of(st)) < 0) return sys_fail("chmod {}", shown(dest_rel));
    const timespec ts[2] = {st.st_atim, st.st_mtim};
    ::futimens(dfd, ts);
    return {};
}

Result<void> TreeCopier::copy_dir(int sparent, const std::string& sname, const std::string& src_rel, const struct stat& st, int ddir,
                                  const std::string& dname, const std::string& dest_rel, bool only_if_used) {
    // 0700 while it is filled (the source's mode might not let us write into it).
    bool created = ::mkdirat(ddir, dname.c_str(), 0700) == 0;
    if (!created) {
        if (errno != EEXIST) return sys_fail("create directory {}", shown(dest_rel));
        struct stat dst {};
        if (::fstatat(ddir, dname.c_str(), &dst, AT_SYMLINK_NOFOLLOW) < 0) return sys_fail("stat {}", shown(dest_rel));
        if (!S_ISDIR(dst.st_mode)) return fail("cannot copy to non-directory: {}", shown(dest_rel));
    }
    UniqueFd out(::openat(ddir, dname.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!out) return sys_fail("open directory {}", shown(dest_rel));
    UniqueFd in(::openat(sparent, sname.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) return sys_fail("open source directory {}", src_rel.empty() ? "." : src_rel);
    const uint64_t before = stats_.files + stats_.dirs;
    if (auto r = copy_contents(in.get(), src_rel, out.get(), dest_rel); !r) return r;
    if (only_if_used && created && stats_.files + stats_.dirs == before) {
        ::unlinkat(ddir, dname.c_str(), AT_REMOVEDIR);
        return {};
    }
    if (auto r = set_dir_meta(out.get(), st, dest_rel, !created); !r) return r;
    copy_xattrs(in.get(), out.get());
    ++stats_.dirs;
    return {};
}

Result<void> TreeCopier::copy_entry(int sparent, const std::string& sname, const std::string& src_rel, const struct stat& st, int ddir,
                                    const std::string& dname, const std::string& dest_rel) {
    switch (st.st_mode & S_IFMT) {
        case S_IFDIR: return copy_dir(sparent, sname, src_rel, st, ddir, dname, dest_rel, false);
        case S_IFREG: return copy_file(sparent, sname, st, ddir, dname, dest_rel);
        case S_IFLNK: return copy_symlink(sparent, sname, st, ddir, dname, dest_rel);
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO: return copy_special(st, ddir, dname, dest_rel);
        default: return {};  // sockets
    }
}

Result<void> TreeCopier::copy_contents(int sdir, const std::string& src_rel, int ddir, const std::string& dest_rel) {
    // What the entries created in ddir get as their group (its own when it is setgid).
    // And whether a default ACL, not the umask, decides their modes (then always fchmod).
    struct stat dst {};
    struct Restore {
        TreeCopier& t;
        std::optional<gid_t> gid;
        bool acl;
        ~Restore() {
            t.child_gid_ = gid;
            t.acl_dir_ = acl;
        }
    } restore{*this, child_gid_, acl_dir_};
    child_gid_.reset();
    if (::fstat(ddir, &dst) == 0) child_gid_ = (dst.st_mode & S_ISGID) ? dst.st_gid : egid_;
    errno = 0;
    acl_dir_ = ::fgetxattr(ddir, "system.posix_acl_default", nullptr, 0) >= 0 || errno == ERANGE;
    auto list = read_dir(sdir, false);
    if (!list) return wrap(std::move(list), "list " + (src_rel.empty() ? std::string(".") : src_rel));
    for (const auto& d : *list) {
        std::string crel = join_rel(src_rel, d.name);
        const bool excluded = src_.excluded(crel);
        if (excluded && ((d.type != DT_DIR && d.type != DT_UNKNOWN) || !src_.may_include_below(crel))) continue;
        struct stat st {};
        if (::fstatat(sdir, d.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_fail("stat {}", crel);
        std::string drel = join_rel(dest_rel, d.name);
        Result<void> r;
        if (excluded) {
            if (!S_ISDIR(st.st_mode)) continue;
            r = copy_dir(sdir, d.name, crel, st, ddir, d.name, drel, true);
        } else {
            r = copy_entry(sdir, d.name, crel, st, ddir, d.name, drel);
        }
        if (!r) return r;
    }
    return {};
}

}  // namespace brig::build::context
