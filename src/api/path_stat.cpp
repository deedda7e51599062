#include "api/path_stat.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "image/registry/challenge.hpp"

namespace brig::api {

Result<ArchiveQuery> parse_archive_query(const Request& req) {
    ArchiveQuery q;
    q.path = req.q("path").value_or("");
    if (q.path.empty()) return fail("path is required: ?path= names the file or directory in the container");
    q.no_overwrite_dir_non_dir = req.q_bool("noOverwriteDirNonDir");
    q.copy_uid_gid = req.q_bool("copyUIDGID");
    return q;
}

uint32_t go_file_mode(uint32_t st_mode) {
    uint32_t m = st_mode & 0777;
    if (st_mode & S_ISUID) m |= 1u << 23;
    if (st_mode & S_ISGID) m |= 1u << 22;
    if (st_mode & S_ISVTX) m |= 1u << 20;
    switch (st_mode & S_IFMT) {
        case S_IFDIR: m |= 1u << 31; break;
        case S_IFLNK: m |= 1u << 27; break;
        case S_IFBLK: m |= 1u << 26; break;
        case S_IFCHR: m |= (1u << 26) | (1u << 21); break;
        case S_IFIFO: m |= 1u << 25; break;
        case S_IFSOCK: m |= 1u << 24; break;
        default: break;
    }
    return m;
}

std::string go_time_text(int64_t sec, int64_t nsec) {
    if (nsec == 0) return format_rfc3339(sec);
    std::string t = format_rfc3339_nano(sec * 1'000'000'000 + nsec);  // "...SS.nnnnnnnnnZ"
    t.pop_back();
    while (t.back() == '0') t.pop_back();
    return t + "Z";
}

std::string path_stat_header(const engine::PathStat& st) {
    nlohmann::ordered_json j = {
        {"name", st.name},
        {"size", st.size},
        {"mode", go_file_mode(st.st_mode)},
        {"mtime", go_time_text(st.mtime_sec, st.mtime_nsec)},
        {"linkTarget", st.link_target},
    };
    return registry::base64_encode(j.dump());
}

}  // namespace brig::api
