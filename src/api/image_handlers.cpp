// Images: GET /images/json (docker's ImageSummary) and GET /images/{name}/json (inspect,
// image/inspect.hpp as `brig image inspect` shows it).
#include <ctime>

#include <fmt/core.h>

#include "api/service.hpp"
#include "common/time.hpp"
#include "engine/present.hpp"
#include "image/inspect.hpp"
#include "image/store.hpp"

namespace brig::api {

using ojson = nlohmann::ordered_json;

namespace {

Result<Response> list(const Service& s, const Request& req) {
    auto filters = parse_filters(req.q("filters").value_or(""));
    if (!filters) return error_response(400, filters.error().message);
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    auto images = store->list_images();
    if (!images) return std::unexpected(images.error());
    ojson out = ojson::array();
    for (const auto& rec : *images) {
        auto j = image::inspect_json(*store, rec);
        if (!j) continue;
        ojson labels = (*j)["Config"].value("Labels", ojson(nullptr));
        if (labels.is_null()) labels = ojson::object();
        bool keep = true;
        for (const auto& [key, values] : *filters) {
            for (const auto& v : values) {
                if (key == "reference") {
                    bool any = false;
                    for (const auto& t : (*j)["RepoTags"]) {
                        std::string tag = t.get<std::string>();
                        any = any || tag == v || tag.substr(0, tag.rfind(':')) == v;
                    }
                    keep = keep && any;
                } else if (key == "label") {
                    auto eq = v.find('=');
                    std::string k = v.substr(0, eq);
                    keep = keep && labels.contains(k) && (eq == std::string::npos || labels[k] == v.substr(eq + 1));
                } else if (key != "dangling") {
                    return error_response(400, fmt::format("invalid filter '{}'", key));
                }
            }
        }
        if (!keep) continue;
        int64_t created = std::max<int64_t>(0, static_cast<int64_t>(std::time(nullptr)) - engine::seconds_since(rec.created));
        out.push_back({
            {"Id", rec.id.str()},
            {"ParentId", ""},
            {"RepoTags", (*j)["RepoTags"]},
            {"RepoDigests", (*j)["RepoDigests"]},
            {"Created", created},
            {"Size", rec.size},
            {"SharedSize", -1},
            {"VirtualSize", rec.size},
            {"Labels", labels},
            {"Containers", -1},
        });
    }
    return Response::json(200, out);
}

Result<Response> inspect(const Service& s, const Request& req) {
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    const std::string& name = req.params.at("name");
    auto rec = store->find_image(name);
    if (!rec) return error_response(404, fmt::format("No such image: {}", name));
    auto j = image::inspect_json(*store, *rec);
    if (!j) return std::unexpected(j.error());
    return Response::json(200, *j);
}

// docker's ImageHistoryResponseItem list, newest first; Id and Tags on the top entry only
// (brig keeps no parent images: the others are "<missing>", as docker shows pulled layers).
Result<Response> history(const Service& s, const Request& req) {
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    const std::string& name = req.params.at("name");
    auto rec = store->find_image(name);
    if (!rec) return error_response(404, fmt::format("No such image: {}", name));
    auto entries = image::history(*store, *rec);
    if (!entries) return std::unexpected(entries.error());
    auto inspected = image::inspect_json(*store, *rec);
    if (!inspected) return std::unexpected(inspected.error());
    ojson out = ojson::array();
    for (const auto& h : *entries) {
        auto ns = parse_rfc3339_ns(h.created);
        out.push_back(ojson{{"Id", out.empty() ? rec->id.str() : "<missing>"},
                            {"Created", ns ? *ns / 1'000'000'000 : 0},
                            {"CreatedBy", h.created_by},
                            {"Tags", out.empty() ? (*inspected)["RepoTags"] : ojson(nullptr)},
                            {"Size", h.size},
                            {"Comment", h.comment}});
    }
    return Response::json(200, out);
}

// POST /images/{name}/tag?repo=R&tag=T: 201, as docker.
Result<Response> tag(const Service& s, const Request& req) {
    auto repo = req.q("repo");
    if (!repo || repo->empty()) return error_response(400, "repo: a repository name is required");
    std::string target = *repo;
    if (auto t = req.q("tag"); t && !t->empty()) target += ":" + *t;
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    const std::string& name = req.params.at("name");
    if (!store->find_image(name)) return error_response(404, fmt::format("No such image: {}", name));
    if (auto r = store->tag(name, target); !r) return error_response(400, r.error().message);
    return Response::json(201, ojson::object());
}

// DELETE /images/{name}?force=: docker's [{"Untagged": ..}, {"Deleted": ..}].
Result<Response> remove(const Service& s, const Request& req) {
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    const std::string& name = req.params.at("name");
    if (!store->find_image(name)) return error_response(404, fmt::format("No such image: {}", name));
    bool force = req.q("force").value_or("") == "1" || req.q("force").value_or("") == "true";
    auto res = store->remove_image(name, force);
    if (!res) return error_response(409, res.error().message);
    ojson out = ojson::array();
    for (const auto& u : res->untagged) out.push_back({{"Untagged", u}});
    for (const auto& d : res->deleted) out.push_back({{"Deleted", d}});
    return Response::json(200, out);
}

}  // namespace

void add_image_routes(Router& r, Service& s) {
    r.add("GET", "/images/json", [&s](Request& q) { return list(s, q); });
    r.add("GET", "/images/{name*}/json", [&s](Request& q) { return inspect(s, q); });
    r.add("POST", "/images/{name*}/tag", [&s](Request& q) { return tag(s, q); });
    r.add("GET", "/images/{name*}/history", [&s](Request& q) { return history(s, q); });
    r.add("DELETE", "/images/{name*}", [&s](Request& q) { return remove(s, q); });
}

}  // namespace brig::api
