// Volumes: list, create, inspect, remove, prune. Each handler is one call of engine/volumes.hpp
// (as `brig volume ...` makes it), the objects as volume inspect shows them (docker's Volume).
#include <fmt/core.h>

#include "api/netvol_filters.hpp"
#include "api/netvol_request.hpp"
#include "api/service.hpp"
#include "engine/volumes.hpp"

namespace brig::api {

using ojson = nlohmann::ordered_json;

namespace {

Result<Response> list(const Service& s, const Request& req) {
    auto filters = parse_filters(req.q("filters").value_or(""));
    if (!filters) return error_response(400, filters.error().message);
    auto filter = VolumeFilter::parse(*filters);
    if (!filter) return error_response(400, filter.error().message);
    std::map<std::string, std::vector<std::string>> users;
    if (filter->needs_users()) users = engine::volumes::users(engine::Store(s.root));
    ojson vols = ojson::array();
    for (const auto& v : engine::volumes::list(s.root))
        if (filter->matches(v, users.contains(v.name))) vols.push_back(engine::volumes::inspect_json(v));
    return Response::json(200, ojson{{"Volumes", vols}, {"Warnings", ojson::array()}});
}

// As docker's local driver: creating a name that exists answers the existing volume.
Result<Response> create(const Service& s, const Request& req) {
    auto body = req.json_body();
    if (!body) return error_response(400, body.error().message);
    auto rq = volume_create_from_json(*body);
    if (!rq) return error_response(400, rq.error().message);
    auto v = engine::volumes::create(s.root, rq->name, rq->labels, rq->options, true);
    if (!v) return std::unexpected(v.error());
    return Response::json(201, engine::volumes::inspect_json(*v));
}

Result<Response> inspect(const Service& s, const Request& req) {
    const std::string& name = req.params.at("name");
    auto v = engine::volumes::get(s.root, name);
    if (!v) return error_response(404, fmt::format("No such volume: {}", name));
    return Response::json(200, engine::volumes::inspect_json(*v));
}

// force: no error for a volume that does not exist (a volume in use stays, as docker).
Result<Response> remove(const Service& s, const Request& req) {
    const std::string& name = req.params.at("name");
    if (!engine::volumes::get(s.root, name)) {
        if (req.q_bool("force")) return Response::no_content();
        return error_response(404, fmt::format("No such volume: {}", name));
    }
    if (auto r = engine::volumes::remove_unused(engine::Store(s.root), name); !r) return std::unexpected(r.error());
    return Response::no_content();
}

Result<Response> prune(const Service& s, const Request& req) {
    auto filters = parse_filters(req.q("filters").value_or(""));
    if (!filters) return error_response(400, filters.error().message);
    auto pf = PruneFilter::parse(*filters, PruneKind::Volumes);
    if (!pf) return error_response(400, pf.error().message);
    auto r = engine::volumes::prune(engine::Store(s.root), prune_all_volumes(*pf, req.api_version),
                                    [&](const storage::Volume& v) { return pf->matches(v.labels, v.created_at); });
    return Response::json(200, ojson{{"VolumesDeleted", r.deleted}, {"SpaceReclaimed", r.bytes}});
}

}  // namespace

void add_volume_routes(Router& r, Service& s) {
    r.add("GET", "/volumes", [&s](Request& q) { return list(s, q); });
    r.add("POST", "/volumes/create", [&s](Request& q) { return create(s, q); });
    r.add("POST", "/volumes/prune", [&s](Request& q) { return prune(s, q); });
    r.add("GET", "/volumes/{name}", [&s](Request& q) { return inspect(s, q); });
    r.add("DELETE", "/volumes/{name}", [&s](Request& q) { return remove(s, q); });
}

}  // namespace brig::api
