// The recursive half of COPY (internal to copy.cpp): one entry of a source tree, or the
// contents of a source directory, copied below a destination directory. Sources are opened
// with O_NOFOLLOW relative to their parent fd, destinations created with *at() calls relative
// to the destination directory fd, so neither side ever follows a symlink; a name taken in the
// destination is looked at only when the creating call reports it (EEXIST).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "build/context/copy.hpp"
#include "build/context/sources.hpp"
#include "common/error.hpp"

namespace brig::build::context {

class TreeCopier {
public:
    TreeCopier(const SourceRoot& src, const CopyOptions& opts, int dest_root_fd);

    // Copies sparent/sname (its lstat in `st`; `src_rel` is its path from the source root) to
    // ddir/dname (`dest_rel`: the symlink-free path of that from the destination root). A
    // directory is copied with its contents; its metadata is set after them.
    Result<void> copy_entry(int sparent, const std::string& sname, const std::string& src_rel, const struct stat& st, int ddir,
                            const std::string& dname, const std::string& dest_rel);

    // The entries of the source directory `sdir` (readable fd) into the directory `ddir`.
    Result<void> copy_contents(int sdir, const std::string& src_rel, int ddir, const std::string& dest_rel);

    // Owner, mode and times of a copied directory (from the source directory's lstat);
    // `existed`: it was there before this copy (its owner is then set whatever it is).
    Result<void> set_dir_meta(int dfd, const struct stat& st, const std::string& dest_rel, bool existed = false);

    CopyStats& stats() { return stats_; }
    // Each source of a COPY is copied on its own: hard links are kept within one source (a
    // directory), not between two sources that are links of each other (docker, buildah).
    void next_source() { links_.clear(); }

private:
    uid_t owner_uid(const struct stat& st) const;
    gid_t owner_gid(const struct stat& st) const;
    mode_t mode_of(const struct stat& st) const;
    // An entry just created in the current directory already has this owner (no chown needed).
    bool created_ok(uid_t u, gid_t g) const;
    Result<void> chown_fd(int fd, const struct stat& st, const std::string& dest_rel, bool existed);
    // Removes a non-directory at ddir/dname so a new entry can take the name.
    Result<void> make_room(int ddir, const std::string& dname, const std::string& dest_rel);
    Result<void> copy_file(int sparent, const std::string& sname, const struct stat& st, int ddir, const std::string& dname,
                           const std::string& dest_rel);
    Result<bool> link_again(const struct stat& st, int ddir, const std::string& dname, const std::string& dest_rel);
    Result<void> copy_symlink(int sparent, const std::string& sname, const struct stat& st, int ddir, const std::string& dname,
                              const std::string& dest_rel);
    Result<void> copy_special(const struct stat& st, int ddir, const std::string& dname, const std::string& dest_rel);
    // `only_if_used`: an excluded directory walked for re-included entries: dropped again when
    // it was created here and nothing went into it.
    Result<void> copy_dir(int sparent, const std::string& sname, const std::string& src_rel, const struct stat& st, int ddir,
                          const std::string& dname, const std::string& dest_rel, bool only_if_used);
    void copy_xattrs(int in, int out);

    const SourceRoot& src_;
    const CopyOptions& opts_;
    int dest_root_;
    uid_t euid_;
    gid_t egid_;
    mode_t umask_ = 0;
    bool umask_known_ = false;
    std::optional<gid_t> child_gid_;  // the group new entries of the directory being filled get
    bool acl_dir_ = false;            // ... and whether a default ACL sets their modes
    CopyStats stats_;
    std::map<std::pair<dev_t, ino_t>, std::string> links_;  // source inode -> its first copy (dest_rel)
    std::vector<char> xbuf_;
};

}  // namespace brig::build::context
