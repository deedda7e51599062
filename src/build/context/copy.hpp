// COPY and ADD into the destination root (the mounted file system of the stage being built),
// with docker's semantics:
//   - `dest` is an absolute path inside the destination root (the builder joins it to the
//     WORKDIR) and keeps the instruction's trailing slash: a dest ending in "/" (or "/.", or
//     ".") names a directory, created with its missing parents if need be
//   - a source directory copies its contents, not itself; into dest, which is created when
//     missing as a missing parent is (0755, the --chown owner), not from the source directory
//   - a source file goes into dest when dest is a directory (named with "/" or existing), else
//     it becomes dest; an existing file there is replaced
//   - more than one source (patterns or wildcard matches) needs a dest ending in "/"
//   - missing parents are created 0755, owned by the --chown user when there is one
//   - owners: --chown's uid/gid when given (a uid without a gid uses the uid as the gid, as
//     docker documents); else 0:0 for the build context and the original owners for a stage
//   - --chmod applies to every file and directory copied (not to symlinks)
//   - modes, mtimes (and atimes) are kept; symlinks below a source are copied as symlinks, never
//     followed; files hard linked to each other within one source stay hard linked; extended
//     attributes are copied best effort (not security.selinux, no overlay metadata)
//   - a directory where a file goes ("cannot replace to directory ... with file") and a
//     non-directory where a directory goes ("cannot copy to non-directory: ...") are errors
//   - the destination path is resolved inside the destination root (rootpath.hpp): a symlink in
//     the image such as /app -> /etc leads to <root>/etc; below dest nothing is ever followed
//   - sockets are skipped; fifos and device nodes are created (as root)
//   - ADD (extract_archives): a local source that is a tar archive (plain, gzip or zstd, told by
//     its content, not its name) is unpacked into dest as a directory with the hardened
//     unpack_tar. URLs are the builder's to fetch.
// Data goes through copy_file_range (sendfile or read/write as fallbacks); each file is opened
// once on each side and stat'ed once.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "build/context/sources.hpp"
#include "common/error.hpp"

namespace brig::build::context {

struct CopyOptions {
    std::optional<uid_t> uid;     // --chown user, already numeric
    std::optional<gid_t> gid;     // --chown group, already numeric
    std::optional<mode_t> chmod;  // --chmod, permission bits (07777)
    bool extract_archives = false;  // ADD: local tar archives are unpacked
    bool xattrs = true;             // copy extended attributes (best effort)
};

struct CopyStats {
    uint64_t files = 0;  // regular files, symlinks, hard links, special files
    uint64_t dirs = 0;
    uint64_t bytes = 0;  // regular file data
    uint64_t archives = 0;  // ADD: archives unpacked (their entries are counted in files/bytes)
};

// Copy `sources` (resolved in `src`) to `dest` inside the directory `dest_root`.
Result<CopyStats> copy_sources(const SourceRoot& src, const std::vector<ResolvedSource>& sources, const std::string& dest_root,
                               const std::string& dest, const CopyOptions& opts = {});

}  // namespace brig::build::context
