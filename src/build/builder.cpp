#include "build/builder.hpp"

#include <fmt/format.h>

#include <thread>

#include "build/dockerfile/dockerfile.hpp"
#include "build/stage.hpp"
#include "build/workspace.hpp"
#include "common/strings.hpp"
#include "image/manifest.hpp"
#include "linux/fs.hpp"
#include "linux/spawn.hpp"

namespace brig::build {

namespace df = dockerfile;

namespace {

// The ARGs every build has without declaring them (BuildKit's automatic platform args).
df::Vars platform_args() {
    auto p = image::Platform::host();
    std::string plat = p.os + "/" + p.architecture + (p.variant.empty() ? "" : "/" + p.variant);
    return {{"TARGETPLATFORM", plat}, {"TARGETOS", p.os},       {"TARGETARCH", p.architecture},
            {"TARGETVARIANT", p.variant}, {"BUILDPLATFORM", plat}, {"BUILDOS", p.os},
            {"BUILDARCH", p.architecture}, {"BUILDVARIANT", p.variant}};
}

bool predefined(std::string_view name) {
    for (std::string_view n : {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
                               "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "SOURCE_DATE_EPOCH"})
        if (n == name) return true;
    return false;
}

// The global ARGs (before the first FROM) with their values: a build arg, else the default.
Result<df::Vars> global_args(const df::Dockerfile& file, const BuildOptions& opts, std::set<std::string>& used) {
    df::Vars vars = platform_args();
    for (auto& ins : file.global_args) {
        auto cmd = df::decode(ins, vars, file.escape);
        if (!cmd) return std::unexpected(cmd.error());
        auto* a = std::get_if<df::Arg>(&*cmd);
        if (a == nullptr) return fail("{}: only ARG may come before the first FROM", df::to_string(ins.loc));
        for (auto& [name, def] : a->args) {
            std::optional<std::string> v = def;
            for (auto& [k, val] : opts.build_args)
                if (k == name) {
                    v = val;
                    used.insert(name);
                }
            if (v) vars.emplace_back(name, *v);
        }
    }
    return vars;
}

}  // namespace

Result<BuildResult> build(const engine::Engine& e, const image::Store& store, const BuildOptions& opts, Progress& progress) {
    std::string text = opts.dockerfile_text;
    if (text.empty()) {
        auto t = linuxfs::read_file(opts.dockerfile_path);
        if (!t) return fail("read the Dockerfile {}: {}", opts.dockerfile_path, t.error().what());
        text = std::move(*t);
    }
    std::string fname = opts.dockerfile_path.empty() ? "Dockerfile" : opts.dockerfile_path.substr(opts.dockerfile_path.rfind('/') + 1);
    auto file = df::parse(text, fname);
    if (!file) return std::unexpected(file.error());
    std::set<std::string> used;
    auto globals = global_args(*file, opts, used);
    if (!globals) return std::unexpected(globals.error());
    auto graph = plan_stages(*file, *globals, opts.target);
    if (!graph) return std::unexpected(graph.error());
    auto cache = BuildCache::open(store);
    if (!cache) return std::unexpected(cache.error());
    auto lease = store.lease();  // no image gc while layers are made that no image holds yet
    if (!lease) return std::unexpected(lease.error());
    sweep_stale_workspaces(store, [&](const std::string& id) {
        spawn::Options del;
        del.argv = {e.runtime, "--root", e.store.runtime_root(), "delete", "--force", id};
        (void)spawn::run(del);
        (void)linuxfs::remove_all(store.root() + "/build/" + id);
    });

    BuildRun run{e, store, opts, progress, *file, *graph, std::move(*cache), *globals, {}, {}, used};
    std::vector<std::promise<Result<StageOutput>>> promises(graph->stages.size());
    for (auto& p : promises) run.results.push_back(p.get_future().share());
    std::vector<std::thread> threads;
    for (auto& n : graph->stages) {
        if (!n.needed) {
            promises[static_cast<size_t>(n.index)].set_value(fail("stage {} is not needed", n.label()));
            continue;
        }
        threads.emplace_back([&run, &promises, i = n.index] { promises[static_cast<size_t>(i)].set_value(run_stage(run, i)); });
    }
    for (auto& t : threads) t.join();
    // A stage only waits for earlier ones, so the first failed stage failed on its own.
    for (auto& n : graph->stages) {
        if (!n.needed) continue;
        auto r = run.results[static_cast<size_t>(n.index)].get();
        if (!r) return std::unexpected(r.error());
    }
    Result<StageOutput> out = run.results[static_cast<size_t>(graph->target)].get();

    BuildResult result;
    for (auto& [k, v] : opts.build_args)
        if (!run.used_args.count(k) && !predefined(k)) result.warnings.push_back(k);
    ImageState st = std::move(out->state);
    if (!opts.labels.empty()) {
        if (!st.config.contains("Labels") || !st.config["Labels"].is_object()) st.config["Labels"] = nlohmann::ordered_json::object();
        for (auto& [k, v] : opts.labels) st.config["Labels"][k] = v;
    }
    if (opts.output) {
        int step = progress.start(fmt::format("exporting to {} {}", opts.output->type, opts.output->dest));
        if (auto r = export_layers(store, st.layers, *opts.output); !r) return std::unexpected(r.error());
        progress.done(step);
        return result;
    }
    std::string created = st.history.empty() ? run.created_now() : st.history.back().value("created", run.created_now());
    if (opts.source_date_epoch) created = run.created_now();
    int step = progress.start("exporting to image");
    auto img = write_image(store, st, created, opts.tags);
    if (!img) {
        progress.error(step, img.error().what());
        return std::unexpected(img.error());
    }
    progress.output(step, fmt::format("writing image {} done\n", img->id.str()));
    for (auto& t : opts.tags) progress.output(step, fmt::format("naming to {} done\n", t));
    progress.done(step);
    result.image = std::move(*img);
    return result;
}

}  // namespace brig::build
