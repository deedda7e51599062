// A container's file system: GET /containers/{id}/changes (docker diff), from the same
// build::container_changes that `brig diff` prints, and GET /containers/{id}/export, the tar
// `brig export` writes.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <future>
#include <memory>
#include <thread>

#include <fmt/core.h>

#include "api/errors.hpp"
#include "api/pipe_stream.hpp"
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

// The tar is written into a pipe by a second thread (pipe_stream.hpp). The writer first
// mounts the container's root file system: the response waits for that, so a root that cannot
// be mounted is an error response rather than an empty 200 tar.
Result<Response> export_container(Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    auto pj = make_pipe_job();
    if (!pj) return error_response(500, fmt::format("export {}: {}", rec.name, pj.error().what()));
    auto& [job, wr] = *pj;
    std::promise<Result<void>> mounted;
    auto ready = mounted.get_future();
    job->writer = std::thread([e = e, rec = rec, w = std::move(wr), mounted = std::move(mounted)]() mutable {
        bool told = false;
        auto res = engine::with_container_rootfs(e.store, rec, [&](const std::string& root) {
            mounted.set_value({});
            told = true;
            return build::export_tree_tar(root, w.get());
        });
        if (!told) mounted.set_value(std::unexpected(res ? Error{0, "the root file system could not be mounted"} : res.error()));
        else if (!res) fmt::print(stderr, "export {}: {}\n", rec.name, res.error().what());
    });
    if (auto ok = ready.get(); !ok) return error_response(500, fmt::format("export {}: {}", rec.name, ok.error().what()));
    return pipe_response(job, Response{}, "application/x-tar");
}

}  // namespace

void add_container_fs_routes(Router& r, Service& s) {
    r.add("GET", "/containers/{id}/changes", [&s](Request& q) { return changes(s, q); });
    r.add("GET", "/containers/{id}/export", [&s](Request& q) { return export_container(s, q); });
}

}  // namespace brig::api
