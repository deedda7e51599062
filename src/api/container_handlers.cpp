// Containers: list, create, inspect, start, stop, restart, kill, pause, unpause, remove, update, rename, top, prune. Each handler turns
// the request into one engine call and its result into docker's JSON (or status).
#include <algorithm>

#include <fmt/core.h>

#include "api/container_list.hpp"
#include "api/create_request.hpp"
#include "api/errors.hpp"
#include "api/netvol_filters.hpp"
#include "api/service.hpp"
#include "api/update_request.hpp"
#include "engine/create.hpp"
#include "engine/present.hpp"
#include "engine/prune.hpp"
#include "engine/top.hpp"

namespace brig::api {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

Result<engine::ContainerRecord> find_container(const engine::Engine& e, const std::string& ref) {
    auto id = e.store.resolve(ref);
    if (!id) return std::unexpected(id.error());
    auto rec = e.store.load(*id);
    if (!rec) return fail("No such container: {}", ref);
    return rec;
}

Result<ContainerTarget> container_target(const Service& s, const Request& req) {
    auto e = s.engine();
    if (!e) return std::unexpected(e.error());
    auto rec = find_container(*e, req.params.at("id"));
    if (!rec) return std::unexpected(rec.error());
    return ContainerTarget{std::move(*e), std::move(*rec)};
}

namespace {

Result<Response> list(const Service& s, const Request& req) {
    auto e = s.engine();
    if (!e) return std::unexpected(e.error());
    auto filters = parse_filters(req.q("filters").value_or(""));
    if (!filters) return error_response(400, filters.error().message);
    bool all = req.q_bool("all");
    auto limit = req.q_int("limit");
    if (!limit) return error_response(400, limit.error().message);
    struct Row {
        engine::ContainerRecord rec;
        engine::LiveState live;
    };
    std::vector<Row> rows;
    for (const auto& id : e->store.ids()) {
        auto rec = e->store.load(id);
        if (!rec) continue;
        auto live = e->store.live_state(*rec);
        if (!all && !live.running() && !filters->contains("status") && !filters->contains("exited")) continue;
        auto m = container_matches(*filters, *rec, live);
        if (!m) return error_response(400, m.error().message);
        if (*m) rows.push_back({std::move(*rec), live});
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.rec.created > b.rec.created; });
    if (*limit && **limit > 0 && rows.size() > static_cast<size_t>(**limit)) rows.resize(static_cast<size_t>(**limit));
    ojson out = ojson::array();
    for (const auto& r : rows) {
        out.push_back(container_summary(r.rec, r.live));
        out.back()["NetworkSettings"]["Networks"][r.rec.host.network_mode] = ojson::object();
    }
    return Response::json(200, out);
}

Result<Response> create(Service& s, const Request& req) {
    auto body = req.json_body();
    if (!body) return error_response(400, body.error().message);
    auto rq = create_request_from_json(*body, req.q("name").value_or(""));
    if (!rq) return error_response(400, rq.error().message);
    if (auto v = engine::validate(*rq); !v) return error_response(400, v.error().message);
    auto e = s.engine();
    if (!e) return std::unexpected(e.error());
    auto rec = engine::create_container(*e, *rq);
    if (!rec) {
        if (rec.error().message.starts_with("Unable to find image"))
            return error_response(404, fmt::format("No such image: {}", rq->image));
        return std::unexpected(rec.error());
    }
    return Response::json(201, json{{"Id", rec->id}, {"Warnings", json::array()}});
}

Result<Response> inspect(const Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    return Response::json(200, engine::inspect_json(e, rec, e.store.live_state(rec)));
}

Result<Response> start(Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    if (e.store.live_state(rec).running()) return Response::no_content(304);
    // An attach that came first gets the started container's socket: no output is missed.
    bool attach = s.broker.expected(rec.id);
    auto sock = engine::start_container(e, {.id = rec.id, .attach = attach});
    if (!sock) {
        if (attach) s.broker.deliver(rec.id, std::nullopt);
        return std::unexpected(sock.error());
    }
    if (attach) s.broker.deliver(rec.id, std::move(*sock));
    return Response::no_content();
}

Result<std::optional<int>> stop_timeout(const Request& req) {
    auto t = req.q_int("t");
    if (!t) return std::unexpected(t.error());
    if (!*t || **t < 0) return std::optional<int>();
    return std::optional<int>(static_cast<int>(**t));
}

Result<Response> stop(Service& s, const Request& req, bool restart) {
    auto t = stop_timeout(req);
    if (!t) return error_response(400, t.error().message);
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    bool running = e.store.live_state(rec).running();
    if (!running && !restart) return Response::no_content(304);
    if (running)
        if (auto r = engine::stop_container(e, {.id = rec.id, .timeout = *t}); !r) return std::unexpected(r.error());
    if (restart)
        if (auto r = engine::start_container(e, {.id = rec.id}); !r) return std::unexpected(r.error());
    return Response::no_content();
}

Result<Response> kill(Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    std::string sig = req.q("signal").value_or("");
    if (sig.empty()) sig = "SIGKILL";
    if (!e.store.live_state(rec).running())
        return error_response(409, fmt::format("Container {} is not running", rec.id));
    if (auto r = engine::kill_container(e, {.id = rec.id, .signal = sig}); !r) {
        if (r.error().message.starts_with("invalid signal")) return error_response(400, r.error().message);
        return std::unexpected(r.error());
    }
    return Response::no_content();
}

Result<Response> pause(Service& s, const Request& req, bool on) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    if (auto r = engine::pause_container(e, {.id = rec.id, .pause = on}); !r) return std::unexpected(r.error());
    return Response::no_content();
}

Result<Response> remove(Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    if (auto r = engine::remove_container(e, {.id = rec.id, .force = req.q_bool("force"), .volumes = req.q_bool("v")}); !r)
        return std::unexpected(r.error());
    return Response::no_content();
}

Result<Response> update(Service& s, const Request& req) {
    auto body = req.json_body();
    if (!body) return error_response(400, body.error().message);
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    auto rq = update_request_from_json(*body, rec.id);
    if (!rq) return error_response(400, rq.error().message);
    if (auto r = engine::update_container(e, *rq); !r) {
        // The plan's refusals (limits docker refuses, nothing to change) are the client's fault.
        if (r.error().message.starts_with("Cannot update container") || r.error().message.starts_with("update: nothing"))
            return error_response(400, r.error().message);
        return std::unexpected(r.error());
    }
    return Response::json(200, ojson{{"Warnings", ojson::array()}});
}

// ps_args is not supported: the columns are ps -ef's, as docker's default.
Result<Response> top(Service& s, const Request& req) {
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    auto t = engine::top_container(e, rec.id);
    if (!t) return std::unexpected(t.error());
    return Response::json(200, ojson{{"Titles", t->titles}, {"Processes", t->processes}});
}

Result<Response> rename(Service& s, const Request& req) {
    auto name = req.q("name").value_or("");
    if (name.empty()) return error_response(400, "rename: the new name is missing (?name=NEW_NAME)");
    auto ct = container_target(s, req);
    if (!ct) return std::unexpected(ct.error());
    auto& [e, rec] = *ct;
    if (auto r = engine::rename_container(e, {.id = rec.id, .name = name}); !r) {
        if (r.error().message.starts_with("Renaming a container with the same name")) return error_response(409, r.error().message);
        return std::unexpected(r.error());
    }
    return Response::no_content();
}

// POST /containers/prune: engine::prune_containers with docker's until and label filters.
Result<Response> prune(Service& s, const Request& req) {
    auto filters = parse_filters(req.q("filters").value_or(""));
    if (!filters) return error_response(400, filters.error().message);
    auto pf = PruneFilter::parse(*filters, PruneKind::Containers);
    if (!pf) return error_response(400, pf.error().message);
    auto e = s.engine();
    if (!e) return std::unexpected(e.error());
    auto r = engine::prune_containers(*e, [&](const engine::ContainerRecord& rec) { return pf->matches(rec.labels, rec.created); });
    return Response::json(200, ojson{{"ContainersDeleted", r.deleted}, {"SpaceReclaimed", r.bytes}});
}

}  // namespace

void add_container_routes(Router& r, Service& s) {
    r.add("GET", "/containers/json", [&s](Request& q) { return list(s, q); });
    r.add("POST", "/containers/create", [&s](Request& q) { return create(s, q); });
    r.add("GET", "/containers/{id}/json", [&s](Request& q) { return inspect(s, q); });
    r.add("POST", "/containers/{id}/start", [&s](Request& q) { return start(s, q); });
    r.add("POST", "/containers/{id}/stop", [&s](Request& q) { return stop(s, q, false); });
    r.add("POST", "/containers/{id}/restart", [&s](Request& q) { return stop(s, q, true); });
    r.add("POST", "/containers/{id}/kill", [&s](Request& q) { return kill(s, q); });
    r.add("DELETE", "/containers/{id}", [&s](Request& q) { return remove(s, q); });
    r.add("POST", "/containers/{id}/pause", [&s](Request& q) { return pause(s, q, true); });
    r.add("POST", "/containers/{id}/unpause", [&s](Request& q) { return pause(s, q, false); });
    r.add("POST", "/containers/{id}/update", [&s](Request& q) { return update(s, q); });
    r.add("POST", "/containers/{id}/rename", [&s](Request& q) { return rename(s, q); });
    r.add("GET", "/containers/{id}/top", [&s](Request& q) { return top(s, q); });
    r.add("POST", "/containers/prune", [&s](Request& q) { return prune(s, q); });
}

}  // namespace brig::api
