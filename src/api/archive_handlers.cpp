// docker cp's routes: HEAD /containers/{id}/archive (a path's stat in the
// X-Docker-Container-Path-Stat header), GET (the path as a tar, streamed, with the same header)
// and PUT (a tar extracted into a directory). Running or not, the container's root is mounted
// for the call (with_container_rootfs); the work is engine/archive.hpp's.
#include <fmt/core.h>

#include "api/path_stat.hpp"
#include "api/pipe_response.hpp"
#include "api/service.hpp"
#include "common/fd.hpp"
#include "engine/archive.hpp"
#include "engine/image_source.hpp"

namespace brig::api {
namespace {

// An engine error about `path` as docker answers it.
Response archive_error(const Error& e, const std::string& path, const std::string& container) {
    switch (e.errnum) {
        case ENOENT: return error_response(404, fmt::format("Could not find the file {} in container {}", path, container));
        case ENOTDIR: return error_response(400, fmt::format("{} in container {}", e.message, container));
        case EINVAL:
        case EEXIST: return error_response(400, e.message);
        default: return error_response(500, fmt::format("{}: {}", container, e.what()));
    }
}

Response with_stat(const engine::PathStat& st) {
    Response r;
    r.headers.emplace_back(kPathStatHeader, path_stat_header(st));
    return r;
}

Result<Response> head(Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto q = parse_archive_query(req);
    if (!q) return error_response(400, q.error().message);
    engine::PathStat st;
    auto r = engine::with_container_rootfs(ct->e.store, ct->rec, [&](const std::string& root) -> Result<void> {
        auto got = engine::stat_path(root, q->path);
        if (!got) return std::unexpected(got.error());
        st = std::move(*got);
        return {};
    });
    if (!r) return archive_error(r.error(), q->path, ct->rec.name);
    return with_stat(st);
}

// The tar is streamed (pipe_response.hpp) by a writer that mounts the root and stats the path
// first: a missing path is a 404, not a 200 with no tar.
Result<Response> get(Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto q = parse_archive_query(req);
    if (!q) return error_response(400, q.error().message);
    auto& [e, rec] = *ct;
    return piped_response(
        "application/x-tar", fmt::format("archive {}:{}", rec.name, q->path),
        [e = e, rec = rec, path = q->path](int fd, const PipeReady& ready) {
            return engine::with_container_rootfs(e.store, rec, [&](const std::string& root) -> Result<void> {
                auto st = engine::stat_path(root, path);
                if (!st) return std::unexpected(st.error());
                ready({{kPathStatHeader, path_stat_header(*st)}});
                return engine::write_path_tar(root, path, fd);
            });
        },
        [path = q->path, name = rec.name](const Error& err) { return archive_error(err, path, name); });
}

Result<Response> put(Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto q = parse_archive_query(req);
    if (!q) return error_response(400, q.error().message);
    engine::ExtractOptions opts{q->no_overwrite_dir_non_dir, q->copy_uid_gid, ct->rec.user};
    auto r = engine::with_container_rootfs(ct->e.store, ct->rec, [&](const std::string& root) {
        return engine::extract_tar(root, q->path, req.body, opts);
    });
    if (!r) {
        if (r.error().errnum == ENOTDIR)
            return error_response(400, fmt::format("extraction point {} is not a directory in container {}", q->path, ct->rec.name));
        return archive_error(r.error(), q->path, ct->rec.name);
    }
    return Response::no_content(200);
}

}  // namespace

void add_archive_routes(Router& r, Service& s) {
    r.add("HEAD", "/containers/{id}/archive", [&s](Request& q) { return head(s, q); });
    r.add("GET", "/containers/{id}/archive", [&s](Request& q) { return get(s, q); });
    r.add("PUT", "/containers/{id}/archive", [&s](Request& q) { return put(s, q); });
}

}  // namespace brig::api
