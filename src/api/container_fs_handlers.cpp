// A container's file system: GET /containers/{id}/changes (docker diff), from the same
// build::container_changes that `brig diff` prints.
#include <fmt/core.h>

#include "api/errors.hpp"
#include "api/service.hpp"
#include "build/diff.hpp"
#include "image/store.hpp"

namespace brig::api {
namespace {

using ojson = nlohmann::ordered_json;

// docker's ChangeType: 0 modified, 1 added, 2 deleted.
int change_kind(char kind) { return kind == 'A' ? 1 : kind == 'D' ? 2 : 0; }

Result<Response> changes(Service& s, const Request& req) {
    auto e = s.engine();
    if (!e) return std::unexpected(e.error());
    auto rec = find_container(*e, req.params.at("id"));
    if (!rec) return std::unexpected(rec.error());
    if (!rec->rootfs_managed)
        return error_response(400, fmt::format("container {} runs on a directory of its own (--rootfs): there is no image to compare it with",
                                               rec->name));
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    auto list = build::container_changes(*store, rec->id);
    if (!list) return std::unexpected(list.error());
    ojson out = ojson::array();
    for (const auto& c : *list) out.push_back(ojson{{"Path", c.path}, {"Kind", change_kind(c.kind)}});
    return Response::json(200, out);
}

}  // namespace

void add_container_fs_routes(Router& r, Service& s) {
    r.add("GET", "/containers/{id}/changes", [&s](Request& q) { return changes(s, q); });
}

}  // namespace brig::api
