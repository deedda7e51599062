// Networks: list, create, inspect, remove, prune, connect, disconnect. Each handler is one call
// of engine/networks.hpp (as `brig network ...` makes it), the objects as network inspect shows
// them (docker's Network).
#include <cerrno>

#include <fmt/core.h>

#include "api/netvol_filters.hpp"
#include "api/netvol_request.hpp"
#include "api/service.hpp"
#include "engine/networks.hpp"

namespace brig::api {

using nlohmann::json;

namespace {

// The network `ref` names (name, id or id prefix); "No such network: <ref>" (404) when none.
Result<network::NetworkInfo> find_network(const Service& s, const std::string& ref) {
    auto n = engine::networks::inspect(s.root, ref);
    if (!n && n.error().errnum == ENOENT && n.error().message.ends_with("not found")) return fail("No such network: {}", ref);
    return n;
}

json network_json(const network::NetworkInfo& n) { return json::parse(engine::networks::inspect_json(n)); }

Result<Response> list(const Service& s, const Request& req) {
    auto filters = parse_filters(req.q("filters").value_or(""));
    if (!filters) return error_response(400, filters.error().message);
    auto filter = NetworkFilter::parse(*filters);
    if (!filter) return error_response(400, filter.error().message);
    auto all = engine::networks::list(s.root);
    if (!all) return std::unexpected(all.error());
    json out = json::array();
    for (const auto& n : *all)
        if (filter->matches(n)) out.push_back(network_json(n));
    return Response::json(200, out);
}

Result<Response> create(const Service& s, const Request& req) {
    auto body = req.json_body();
    if (!body) return error_response(400, body.error().message);
    auto opts = network_create_from_json(*body);
    if (!opts) return error_response(400, opts.error().message);
    auto n = engine::networks::create(s.root, *opts);
    if (!n) return std::unexpected(n.error());
    return Response::json(201, json{{"Id", n->id}, {"Warning", ""}});
}

Result<Response> inspect(const Service& s, const Request& req) {
    auto n = find_network(s, req.params.at("id"));
    if (!n) return std::unexpected(n.error());
    return Response::json(200, network_json(*n));
}

Result<Response> remove(const Service& s, const Request& req) {
    auto n = find_network(s, req.params.at("id"));
    if (!n) return std::unexpected(n.error());
    if (auto r = engine::networks::remove(s.root, n->name, false); !r) return std::unexpected(r.error());
    return Response::no_content();
}

Result<Response> prune(const Service& s, const Request& req) {
    auto filters = parse_filters(req.q("filters").value_or(""));
    if (!filters) return error_response(400, filters.error().message);
    auto pf = PruneFilter::parse(*filters, PruneKind::Networks);
    if (!pf) return error_response(400, pf.error().message);
    auto removed = engine::networks::prune(s.root, [&](const network::NetworkInfo& n) { return pf->matches(labels_of(n), n.created); });
    if (!removed) return std::unexpected(removed.error());
    return Response::json(200, json{{"NetworksDeleted", *removed}});
}

Result<Response> connect(const Service& s, const Request& req) {
    auto body = req.json_body();
    if (!body) return error_response(400, body.error().message);
    auto n = find_network(s, req.params.at("id"));
    if (!n) return std::unexpected(n.error());
    auto rq = network_connect_from_json(*body, n->name);
    if (!rq) return error_response(400, rq.error().message);
    auto e = s.engine();
    if (!e) return std::unexpected(e.error());
    auto rec = find_container(*e, rq->container);
    if (!rec) return std::unexpected(rec.error());
    rq->container = rec->id;
    if (auto r = engine::networks::connect(s.root, *rq); !r) return std::unexpected(r.error());
    return Response::no_content(200);
}

Result<Response> disconnect(const Service& s, const Request& req) {
    auto body = req.json_body();
    if (!body) return error_response(400, body.error().message);
    auto rq = network_disconnect_from_json(*body);
    if (!rq) return error_response(400, rq.error().message);
    auto n = find_network(s, req.params.at("id"));
    if (!n) return std::unexpected(n.error());
    auto e = s.engine();
    if (!e) return std::unexpected(e.error());
    // Force: also a container the engine no longer knows (its endpoint in the network's records).
    std::string container = rq->container;
    if (auto rec = find_container(*e, rq->container)) container = rec->id;
    else if (!rq->force) return std::unexpected(rec.error());
    if (auto r = engine::networks::disconnect(s.root, n->name, container); !r) return std::unexpected(r.error());
    return Response::no_content(200);
}

}  // namespace

void add_network_routes(Router& r, Service& s) {
    r.add("GET", "/networks", [&s](Request& q) { return list(s, q); });
    r.add("POST", "/networks/create", [&s](Request& q) { return create(s, q); });
    r.add("POST", "/networks/prune", [&s](Request& q) { return prune(s, q); });
    r.add("GET", "/networks/{id}", [&s](Request& q) { return inspect(s, q); });
    r.add("DELETE", "/networks/{id}", [&s](Request& q) { return remove(s, q); });
    r.add("POST", "/networks/{id}/connect", [&s](Request& q) { return connect(s, q); });
    r.add("POST", "/networks/{id}/disconnect", [&s](Request& q) { return disconnect(s, q); });
}

}  // namespace brig::api
