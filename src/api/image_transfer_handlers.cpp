// Images in and out of the store: POST /images/create (pull, or import of a tar body), POST
// /images/{name}/push, POST /images/load, GET /images/{name}/get and /images/get (save), POST
// /images/prune, and POST /auth (docker login's check). Pull and push stream docker's JSON
// messages (progress_json.hpp) from the registry code's progress lines.
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/core.h>

#include "api/errors.hpp"
#include "api/image_request.hpp"
#include "api/pipe_response.hpp"
#include "api/progress_json.hpp"
#include "api/service.hpp"
#include "common/fd.hpp"
#include "engine/image_ops.hpp"
#include "image/archive.hpp"
#include "image/registry/client.hpp"
#include "image/registry/pull.hpp"
#include "image/registry/push.hpp"
#include "image/source.hpp"
#include "image/store.hpp"

namespace brig::api {

using ojson = nlohmann::ordered_json;

namespace {

Result<registry::ClientOptions> client_options(const Request& req) {
    auto creds = registry_auth(req.header("x-registry-auth"));
    if (!creds) return std::unexpected(creds.error());
    registry::ClientOptions o;
    o.credentials = *creds;
    return o;
}

Response json_stream(std::function<void(Stream&)> body) {
    Response r;
    r.mode = BodyMode::Chunked;
    r.headers.emplace_back("Content-Type", "application/json");
    r.stream = std::move(body);
    return r;
}

// A tar body imported as a one-layer image (docker import): fromSrc=- only, as the CLI sends.
Result<Response> import_body(const Service& s, const Request& req) {
    if (req.q("fromSrc").value_or("") != "-")
        return error_response(400, "fromSrc: only \"-\" (the request body) is supported; fetch the URL and send it");
    image::ImportOptions opts;
    if (auto repo = req.q("repo").value_or(""); !repo.empty()) {
        auto ref = tagged_reference(repo, req.q("tag").value_or(""));
        if (!ref) return error_response(400, fmt::format("repo: {}", ref.error().message));
        opts.name = ref->str();
    }
    opts.message = req.q("message").value_or("");
    for (auto [it, end] = req.query.equal_range("changes"); it != end; ++it) opts.changes.push_back(it->second);
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    image::MemorySource src(req.body);
    auto rec = image::import_rootfs(*store, src, opts);
    if (!rec) return error_response(400, fmt::format("import: {}", rec.error().what()));
    return Response::json(200, ojson{{"status", rec->id.str()}});
}

Result<Response> create(const Service& s, const Request& req) {
    if (req.q("fromSrc")) return import_body(s, req);
    auto ref = tagged_reference(req.q("fromImage").value_or(""), req.q("tag").value_or(""));
    if (!ref) return error_response(400, fmt::format("fromImage: {}", ref.error().message));
    auto client = client_options(req);
    if (!client) return error_response(400, client.error().message);
    registry::PullOptions opts;
    opts.client = std::move(*client);
    if (auto p = req.q("platform").value_or(""); !p.empty()) {
        auto plat = image::Platform::parse(p);
        if (!plat) return error_response(400, fmt::format("platform: {}", plat.error().message));
        opts.platform = *plat;
    }
    return json_stream([root = s.root, ref = *ref, opts](Stream& st) mutable {
        std::string shown = fmt::format("{}{}{}", ref.familiar_repository(), ref.digest ? '@' : ':', ref.digest ? ref.digest->str() : ref.tag);
        st.write(status_json(fmt::format("Pulling from {}", ref.path)));
        auto store = image::Store::open(root);
        if (!store) return void(st.write(error_json(store.error().what())));
        auto before = store->find_image(ref.str());
        Result<image::ImageRecord> rec = std::unexpected(Error{});
        {
            LineFile progress([&](std::string_view line) { st.write(status_json(line)); });
            opts.progress = progress.get();
            rec = registry::pull_image(*store, ref, opts);
        }
        if (!rec) return void(st.write(error_json(rec.error().what())));
        st.write(status_json(fmt::format("Digest: {}", rec->manifest_digest.str())));
        bool same = before && before->id == rec->id;
        st.write(status_json(fmt::format("Status: {} for {}", same ? "Image is up to date" : "Downloaded newer image", shown)));
    });
}

Result<Response> push(const Service& s, const Request& req) {
    auto ref = tagged_reference(req.params.at("name"), req.q("tag").value_or(""));
    if (!ref) return error_response(400, ref.error().message);
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    if (!store->find_image(ref->str())) return error_response(404, fmt::format("No such image: {}", ref->str()));
    auto client = client_options(req);
    if (!client) return error_response(400, client.error().message);
    registry::PushOptions opts;
    opts.client = std::move(*client);
    return json_stream([store = *store, ref = *ref, opts](Stream& st) mutable {
        st.write(status_json(fmt::format("The push refers to repository [{}]", ref.repository())));
        Result<image::Digest> digest = std::unexpected(Error{});
        {
            LineFile progress([&](std::string_view line) { st.write(status_json(line)); });
            opts.progress = progress.get();
            digest = registry::push_image(store, ref.str(), ref, opts);
        }
        if (!digest) return void(st.write(error_json(digest.error().what())));
        st.write(status_json(fmt::format("{}: digest: {}", ref.tag, digest->str())));
        st.write(ojson{{"progressDetail", ojson::object()}, {"aux", {{"Tag", ref.tag}, {"Digest", digest->str()}}}}.dump() + "\n");
    });
}

// The body (docker save's tar, any compression) is loaded from a memfd: seekable, and gone
// with the request.
Result<Response> load(const Service& s, const Request& req) {
    UniqueFd fd(::memfd_create("brig-load", MFD_CLOEXEC));
    if (!fd) return error_response(500, fmt::format("load: memfd: {}", std::strerror(errno)));
    for (size_t off = 0; off < req.body.size();) {
        ssize_t w = ::write(fd.get(), req.body.data() + off, req.body.size() - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return error_response(500, fmt::format("load: {}", std::strerror(errno)));
        off += static_cast<size_t>(w);
    }
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    auto res = image::load_archive(*store, fmt::format("/proc/self/fd/{}", fd.get()), image::Platform::host());
    if (!res) return error_response(400, fmt::format("load: {}", res.error().what()));
    std::string out;
    for (const auto& n : res->names) out += stream_json(fmt::format("Loaded image: {}\n", n));
    for (const auto& id : res->ids) out += stream_json(fmt::format("Loaded image ID: {}\n", id.str()));
    Response r;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = std::move(out);
    return r;
}

Result<Response> save(const Service& s, std::vector<std::string> names) {
    if (names.empty()) return error_response(400, "names: at least one image is required");
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    auto items = engine::save_items(*store, names);
    if (!items) return error_response(404, items.error().message);
    return piped_response("application/x-tar", "save", [store = *store, items = *items](int fd, const PipeReady& ready) {
        ready();
        return image::save_archive(store, items, image::ArchiveFormat::Docker, fd);
    });
}

Result<Response> save_many(const Service& s, const Request& req) {
    std::vector<std::string> names;
    for (auto [it, end] = req.query.equal_range("names"); it != end; ++it) names.push_back(it->second);
    return save(s, std::move(names));
}

Result<Response> prune(const Service& s, const Request& req) {
    auto filters = parse_filters(req.q("filters").value_or(""));
    if (!filters) return error_response(400, filters.error().message);
    auto all = prune_all_images(*filters);
    if (!all) return error_response(400, all.error().message);
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    auto pruned = engine::prune_images(*store, *all);
    if (!pruned) return std::unexpected(pruned.error());
    auto freed = engine::collect_garbage(*store);
    if (!freed) return std::unexpected(freed.error());
    ojson deleted = ojson::array();
    for (const auto& u : pruned->untagged) deleted.push_back({{"Untagged", u}});
    for (const auto& d : pruned->deleted) deleted.push_back({{"Deleted", d}});
    return Response::json(200, ojson{{"ImagesDeleted", deleted.empty() ? ojson(nullptr) : deleted}, {"SpaceReclaimed", *freed}});
}

// docker login: the credentials are checked against the registry; the CLI keeps them.
Result<Response> auth(const Service&, const Request& req) {
    auto body = req.json_body();
    if (!body) return error_response(400, body.error().message);
    registry::Credentials c;
    c.username = body->value("username", "");
    c.password = body->value("password", "");
    c.identity_token = body->value("identitytoken", "");
    std::string reg = registry_of_server_address(body->value("serveraddress", ""));
    registry::ClientOptions o;
    o.credentials = c;
    registry::RegistryClient client(reg, o);
    if (auto ok = client.ping(); !ok) return error_response(401, fmt::format("login to {} failed: {}", reg, ok.error().what()));
    return Response::json(200, ojson{{"Status", "Login Succeeded"}, {"IdentityToken", ""}});
}

}  // namespace

void add_image_transfer_routes(Router& r, Service& s) {
    r.add("POST", "/images/create", [&s](Request& q) { return create(s, q); });
    r.add("POST", "/images/{name*}/push", [&s](Request& q) { return push(s, q); });
    r.add("POST", "/images/load", [&s](Request& q) { return load(s, q); });
    r.add("GET", "/images/get", [&s](Request& q) { return save_many(s, q); });
    r.add("GET", "/images/{name*}/get", [&s](Request& q) { return save(s, {q.params.at("name")}); });
    r.add("POST", "/images/prune", [&s](Request& q) { return prune(s, q); });
    r.add("POST", "/auth", [&s](Request& q) { return auth(s, q); });
}

}  // namespace brig::api
