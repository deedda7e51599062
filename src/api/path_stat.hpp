// The pure pieces of the archive routes (archive_handlers.cpp): the query, Go's os.FileMode of
// an st_mode, Go's time text, and the X-Docker-Container-Path-Stat header docker's CLI reads
// (base64 of {"name","size","mode","mtime","linkTarget"}, types.ContainerPathStat).
#pragma once

#include <cstdint>
#include <string>

#include "api/http_types.hpp"
#include "common/error.hpp"
#include "engine/archive.hpp"

namespace brig::api {

inline constexpr const char* kPathStatHeader = "X-Docker-Container-Path-Stat";

struct ArchiveQuery {
    std::string path;                       // ?path=, required
    bool no_overwrite_dir_non_dir = false;  // PUT ?noOverwriteDirNonDir=
    bool copy_uid_gid = false;              // PUT ?copyUIDGID=
};
// An empty or missing path is an error ("path is required").
Result<ArchiveQuery> parse_archive_query(const Request& req);

// Go's os.FileMode: the permission bits, setuid/setgid/sticky at Go's positions and the type bits
// (ModeDir 1<<31, ModeSymlink 1<<27, ModeDevice 1<<26, ModeNamedPipe 1<<25, ModeSocket 1<<24,
// ModeCharDevice 1<<21 with ModeDevice).
uint32_t go_file_mode(uint32_t st_mode);

// Go's time.Time in JSON (RFC 3339 with the nanoseconds, trailing zeros dropped), in UTC.
std::string go_time_text(int64_t sec, int64_t nsec);

// The header's value for a path's stat.
std::string path_stat_header(const engine::PathStat& st);

}  // namespace brig::api
