// The cache key of a COPY/ADD source set: a sha256 over a canonical walk of the sources.
//
// For each source, in the order given: its name as copied and whether it is a directory, then
// every entry of it in a depth-first walk sorted by name (byte order), the source itself first
// (path ""). One record per entry, fields NUL-terminated:
//     path  type(f d l c b p s)  mode(07777, octal)  uid  gid  size  data
// where data is the sha256 of a regular file's content, the target of a symlink, the device
// number of a device, empty otherwise. Not in it: mtimes, atimes, ctimes, inode numbers, the
// absolute location of the root. What .dockerignore excludes is left out (an excluded
// directory that a '!' rule looks into is walked, marked as such, with only its included entries).
// Stable across runs and machines; any change of content, mode, owner, name or link target
// changes it. Extended attributes are not part of it.
//
// Speed: files are read in 1 MiB chunks into OpenSSL's SHA-256; a file's digest is remembered
// for the life of the process, keyed by (device, inode, size, mtime ns, ctime ns), so asking
// again about an unchanged tree costs one stat per entry.
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "build/context/sources.hpp"
#include "common/error.hpp"

namespace brig::build::context {

// "sha256:<64 hex>".
Result<std::string> sources_digest(const SourceRoot& root, const std::vector<ResolvedSource>& sources);

// The sha256 hex of one open regular file (read from offset 0), through the per-process cache
// when `st` is its fstat.
Result<std::string> file_sha256(int fd, const struct stat& st);

// Drops the remembered file digests (tests).
void clear_file_digest_cache();

}  // namespace brig::build::context
