// POST /build: the classic builder's API (docker build without BuildKit, docker-compose build,
// the SDKs' images.build). The body is the context as a tar (plain, gzip or zstd), unpacked
// into a scratch directory under the store; the query (build_request.hpp) gives the options.
// The build's plain progress lines are sent as docker's {"stream": ...} messages; the end is
// {"aux":{"ID":...}}, "Successfully built ID" and "Successfully tagged NAME" (what compose looks
// for), or with q=1 just the image id. A build that fails after the stream began ends with
// docker's error message; one refused before it is a 400.
#include <fmt/core.h>

#include "api/build_request.hpp"
#include "api/progress_json.hpp"
#include "api/service.hpp"
#include "build/builder.hpp"
#include "build/context/context.hpp"
#include "common/strings.hpp"
#include "image/store.hpp"

namespace brig::api {
namespace {

using ojson = nlohmann::ordered_json;

build::BuildOptions options_of(const BuildRequest& b, const build::context::Context& ctx, std::string dockerfile) {
    build::BuildOptions o;
    o.context = &ctx;
    o.context_dir = ctx.root;
    o.dockerfile_path = std::move(dockerfile);
    o.tags = b.tags;
    o.target = b.target;
    o.build_args = b.build_args;
    o.labels = b.labels;
    o.no_cache = b.no_cache;
    o.pull = b.pull;
    o.network = b.network;
    if (!b.cgroup_parent.empty()) o.cgroup_parent = b.cgroup_parent;
    o.source_date_epoch = b.source_date_epoch;
    return o;
}

Result<Response> build_image(const Service& s, const Request& req) {
    auto b = parse_build_request(req);
    if (!b) return error_response(400, b.error().message);
    auto e = s.engine();
    if (!e) return std::unexpected(e.error());
    auto store = image::Store::open(s.root);
    if (!store) return std::unexpected(store.error());
    image::MemorySource body(req.body);
    auto ctx = std::make_shared<build::context::Context>();
    auto opened = build::context::from_tar(body, s.root + "/tmp", b->dockerfile);
    if (!opened) return error_response(400, fmt::format("the build context: {}", opened.error().what()));
    *ctx = std::move(*opened);
    auto dockerfile = build::context::find_dockerfile(*ctx, b->dockerfile);
    if (!dockerfile) return error_response(400, dockerfile.error().message);

    Response r;
    r.mode = BodyMode::Chunked;
    r.headers.emplace_back("Content-Type", "application/json");
    r.stream = [e = *e, store = *store, b = std::move(*b), ctx, df = *dockerfile](Stream& st) {
        for (const auto& w : b.warnings) st.write(stream_json(fmt::format("[Warning] {}\n", w)));
        auto opts = options_of(b, *ctx, df);
        Result<build::BuildResult> res = std::unexpected(Error{});
        {
            LineFile lines([&](std::string_view line) { st.write(stream_json(fmt::format("{}\n", line))); });
            build::Progress progress(lines.get(), b.quiet ? build::ProgressMode::Quiet : build::ProgressMode::Plain);
            res = build::build(e, store, opts, progress);
        }
        ctx->cleanup();
        if (!res) return void(st.write(error_json(res.error().what())));
        if (!res->warnings.empty())
            st.write(stream_json(fmt::format("[Warning] One or more build-args [{}] were not consumed\n", join(res->warnings, " "))));
        const auto& id = res->image.id;
        st.write(ojson{{"aux", {{"ID", id.str()}}}}.dump() + "\n");
        if (b.quiet) return void(st.write(stream_json(id.str() + "\n")));
        st.write(stream_json(fmt::format("Successfully built {}\n", id.short_id())));
        for (const auto& t : b.shown_tags) st.write(stream_json(fmt::format("Successfully tagged {}\n", t)));
    };
    return r;
}

}  // namespace

void add_build_routes(Router& r, Service& s) {
    r.add("POST", "/build", [&s](Request& q) { return build_image(s, q); });
}

}  // namespace brig::api
