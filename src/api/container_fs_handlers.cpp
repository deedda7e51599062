// A container's file system: GET /containers/{id}/changes (docker diff), from the same
// build::container_changes that `brig diff` prints, and GET /containers/{id}/export, the tar
// `brig export` writes.
#include <fmt/core.h>

#include "api/errors.hpp"
#include "api/pipe_response.hpp"
#include "api/service.hpp"
#include "build/diff.hpp"
#include "build/output.hpp"
#include "engine/image_source.hpp"
#include "image/store.hpp"

namespace brig::api {
namespace {

using ojson = nlohmann::ordered_json;

// docker's ChangeType: 0 modified, 1 added, 2 deleted.
int change_kind(char kind) { return kind == 'A' ? 1 : kind == 'D' ? 2 : 0; }

Result<Response> changes(Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    if (!rec.rootfs_managed)
        return error_response(400, fmt::format("container {} runs on a directory of its own (--rootfs): there is no image to compare it with",
                                               rec.name));
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    auto list = build::container_changes(*store, rec.id);
    if (!list) return std::unexpected(list.error());
    ojson out = ojson::array();
    for (const auto& c : *list) out.push_back(ojson{{"Path", c.path}, {"Kind", change_kind(c.kind)}});
    return Response::json(200, out);
}

// The tar `brig export` writes, once the container's root is mounted (a root that cannot be
// mounted is an error response, not an empty tar).
Result<Response> export_container(Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    return piped_response("application/x-tar", fmt::format("export {}", rec.name),
                          [e = e, rec = rec](int fd, const PipeReady& ready) {
                              return engine::with_container_rootfs(e.store, rec, [&](const std::string& root) {
                                  ready();
                                  return build::export_tree_tar(root, fd);
                              });
                          });
}

}  // namespace

void add_container_fs_routes(Router& r, Service& s) {
    r.add("GET", "/containers/{id}/changes", [&s](Request& q) { return changes(s, q); });
    r.add("GET", "/containers/{id}/export", [&s](Request& q) { return export_container(s, q); });
}

}  // namespace brig::api
