#include "build/stage.hpp"

#include <dirent.h>

#include <fmt/format.h>

#include <algorithm>

#include "build/copy_step.hpp"
#include "build/dockerfile/decode.hpp"
#include "build/layer_commit.hpp"
#include "build/run_mounts.hpp"
#include "build/run_step.hpp"
#include "build/workdir_step.hpp"
#include "build/workspace.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"
#include "image/reference.hpp"
#include "image/registry/pull.hpp"

namespace brig::build {

namespace df = dockerfile;
using nlohmann::json;

const df::Vars& BuildRun::build_args_view() const { return opts.build_args; }

std::optional<std::string> BuildRun::build_arg(const std::string& name) {
    std::optional<std::string> v;
    for (auto& [k, val] : opts.build_args)
        if (k == name) v = val;
    if (v) {
        std::lock_guard g(mu);
        used_args.insert(name);
    }
    return v;
}

std::string BuildRun::created_now() const {
    return opts.source_date_epoch ? format_rfc3339(*opts.source_date_epoch) : now_rfc3339_nano();
}

Result<image::ImageRecord> resolve_image(BuildRun& run, const std::string& name) {
    auto ref = image::parse_reference(name);
    if (!ref) return std::unexpected(std::move(ref.error()));
    if (run.opts.pull != "always") {
        auto found = run.store.find_image(ref->str());
        if (found) return found;
        if (run.opts.pull == "never")
            return fail("{}: no such image in the store, and --pull=never", ref->str());
    }
    registry::PullOptions po;
    po.progress = nullptr;
    int step = run.progress.start(fmt::format("[internal] pull {}", ref->str()));
    auto rec = registry::pull_image(run.store, *ref, po);
    if (!rec) {
        run.progress.error(step, rec.error().what());
        return std::unexpected(std::move(rec.error()).context(fmt::format("pull {}", ref->str())));
    }
    run.progress.done(step);
    return rec;
}

Result<StageOutput> wait_stage(BuildRun& run, int index) {
    auto r = run.results[static_cast<size_t>(index)].get();
    if (!r) return fail("stage {} failed", run.graph.stages[static_cast<size_t>(index)].label());
    return r;
}

namespace {

class StageRunner {
public:
    StageRunner(BuildRun& run, int index)
        : run_(run), node_(run.graph.stages[static_cast<size_t>(index)]), stage_(run.file.stages[static_cast<size_t>(index)]) {}

    Result<StageOutput> go() {
        if (auto r = base(); !r) return std::unexpected(r.error());
        if (auto r = onbuild_triggers(); !r) return std::unexpected(r.error());
        for (size_t k = 0; k < stage_.body.size(); ++k) {
            const auto& ins = stage_.body[k];
            title_ = fmt::format("[{} {}/{}] {}", node_.label(), k + 2, stage_.body.size() + 1, ins.original);
            if (auto r = step(ins); !r) return std::unexpected(std::move(r.error()).context(df::to_string(ins.loc)));
        }
        return StageOutput{std::move(st_), key_};
    }

private:
    Result<void> base() {
        int step = run_.progress.start(fmt::format("[{} 1/{}] {}", node_.label(), stage_.body.size() + 1, stage_.from.original));
        if (node_.base_stage) {
            auto prev = wait_stage(run_, *node_.base_stage);
            if (!prev) return std::unexpected(prev.error());
            st_ = prev->state;
            st_.cmd_set = false;
            key_ = prev->key;
        } else if (node_.base == "scratch") {
            st_ = scratch_state();
            key_ = chain_key("", "scratch", "");
        } else {
            auto img = resolve_image(run_, node_.base);
            if (!img) return std::unexpected(std::move(img.error()).context(df::to_string(stage_.from.loc)));
            auto s = state_from_image(run_.store, *img);
            if (!s) return std::unexpected(s.error());
            st_ = std::move(*s);
            key_ = chain_key("", "image", img->id.str());
        }
        run_.progress.done(step);
        return {};
    }

    // The base image's ONBUILD triggers run first, in order, as if written after the FROM;
    // the new image does not inherit them (docker).
    Result<void> onbuild_triggers() {
        auto it = st_.config.find("OnBuild");
        if (it == st_.config.end() || !it->is_array()) return {};
        std::vector<std::string> triggers;
        for (auto& t : *it)
            if (t.is_string()) triggers.push_back(t.get<std::string>());
        st_.config.erase("OnBuild");
        if (node_.base_stage) return {};  // FROM a stage of this build: its triggers are its own
        for (auto& text : triggers) {
            auto ins = df::parse_trigger(text, run_.file.escape, "ONBUILD");
            if (!ins) return std::unexpected(std::move(ins.error()).context(df::to_string(stage_.from.loc)));
            title_ = fmt::format("[{} 1/{}] ONBUILD {}", node_.label(), stage_.body.size() + 1, ins->original);
            if (auto r = step(*ins); !r) return std::unexpected(std::move(r.error()).context("ONBUILD " + text));
        }
        return {};
    }

    // ARGs first, then ENV: an ENV wins over an ARG of the same name.
    df::Vars vars() const {
        df::Vars v = args_;
        for (auto& kv : st_.env()) {
            auto eq = kv.find('=');
            if (eq != std::string::npos) v.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        }
        return v;
    }

    Result<void> step(const df::Instruction& ins) {
        auto cmd = df::decode(ins, vars(), run_.file.escape);
        if (!cmd) return std::unexpected(cmd.error());
        if (auto* a = std::get_if<df::Arg>(&*cmd)) return arg(*a, ins);
        if (auto* r = std::get_if<df::Run>(&*cmd)) return do_run(*r);
        if (auto* c = std::get_if<df::Copy>(&*cmd)) return do_copy(*c);
        if (std::holds_alternative<df::From>(*cmd)) return fail("FROM inside a stage");
        if (auto r = apply_metadata(st_, *cmd); !r) return r;
        if (std::holds_alternative<df::Workdir>(*cmd)) return do_workdir(ins);
        bool fixed = run_.opts.source_date_epoch || st_.last_created.empty();
        add_history(st_, ins.original, fixed ? run_.created_now() : st_.last_created, true);
        key_ = chain_key(key_, ins.keyword, st_.config.dump());
        return {};
    }

    Result<void> arg(const df::Arg& a, const df::Instruction& ins) {
        for (auto& [name, def] : a.args) {
            std::optional<std::string> v = run_.build_arg(name);
            if (!v) v = def;
            if (!v)  // a global ARG redeclared without a value takes the global one
                for (auto& [k, gv] : run_.global_args)
                    if (k == name) v = gv;
            std::erase_if(args_, [&](auto& kv) { return kv.first == name; });
            if (v) args_.emplace_back(name, *v);
        }
        key_ = chain_key(key_, "ARG", ins.original + "\n" + args_text());
        return {};
    }

    std::string args_text() const {
        std::string s;
        for (auto& [k, v] : args_) s += k + "=" + v + "\n";
        return s;
    }

    // The environment of a RUN: the image's, plus the ARGs no ENV overrides.
    std::vector<std::string> run_env() const {
        auto env = st_.env();
        for (auto& [k, v] : args_)
            if (st_.env_value(k).empty() &&
                std::none_of(env.begin(), env.end(), [&](const std::string& e) { return e.starts_with(k + "="); }))
                env.push_back(k + "=" + v);
        return env;
    }

    Result<void> do_run(const df::Run& r) {
        std::vector<std::string> argv = r.argv;
        if (r.shell_form) {
            argv = st_.shell();
            std::string line = join(r.argv, " ");
            // RUN <<EOF: the heredoc is the script (tabs chomped for <<-; the shell expands it).
            if (!r.heredocs.empty() && trim(line).starts_with("<<") && r.heredocs.size() == 1) {
                const auto& h = r.heredocs[0];
                line = h.chomp_tabs ? df::chomp_tabs(h.body) : h.body;
                if (line.starts_with("#!")) return fail("RUN <<EOF with a #! script is not supported yet");
            } else if (!r.heredocs.empty()) {
                return fail("RUN with heredocs besides the script is not supported yet");
            }
            argv.push_back(line);
        }
        auto env = run_env();
        std::string args_prefix;
        if (!args_.empty()) {
            args_prefix = fmt::format("|{}", args_.size());
            for (auto& [k, v] : args_) args_prefix += " " + k + "=" + v;
            args_prefix += " ";
        }
        std::string created_by = "RUN " + args_prefix + join(argv, " ") + " # buildkit";
        auto mounts = plan_run_mounts(run_, r.mounts, node_.index);
        if (!mounts) return std::unexpected(mounts.error());
        std::string network = r.network.empty() ? run_.opts.network : r.network;
        std::string inputs = join(env, "\n") + "\nnetwork=" + network + "\nuser=" + st_.user() + "\nworkdir=" + st_.workdir() +
                             "\nmounts=" + mounts->cache_text;
        return cached_or(created_by, inputs, [&](Workspace& ws, int step) -> Result<void> {
            if (auto m = mounts->attach(ws); !m) return m;
            RunStep rs;
            rs.argv = argv;
            rs.env = env;
            rs.user = st_.user();
            rs.workdir = st_.workdir();
            rs.network = network.empty() ? "host" : network;
            rs.cgroup_parent = run_.opts.cgroup_parent;
            rs.mounts = mounts->points;
            rs.output = [&](std::string_view chunk) { run_.progress.output(step, chunk); };
            auto code = run_step(run_.engine, ws.id(), ws.rootfs(), rs);
            if (!code) return std::unexpected(code.error());
            if (*code != 0) {
                std::string tail = run_.progress.tail(step);
                return fail("process \"{}\" did not complete successfully: exit code: {}{}{}", join(argv, " "), *code,
                            tail.empty() ? "" : "\n", tail);
            }
            return {};
        });
    }

    // The directory is made now, in a layer of its own when it was missing (workdir_step.hpp).
    Result<void> do_workdir(const df::Instruction& ins) {
        std::string dir = st_.workdir(), user = st_.user();
        return cached_or(ins.original, "user=" + user + "\nworkdir=" + dir,
                         [&](Workspace& ws, int) { return make_workdir(ws.rootfs(), dir, user); });
    }

    Result<void> do_copy(const df::Copy& c) {
        auto plan = plan_copy(run_, c, st_, node_.index);
        if (!plan) return std::unexpected(plan.error());
        std::string created_by = fmt::format("{} {} # buildkit", c.add ? "ADD" : "COPY", plan->describe);
        return cached_or(created_by, plan->cache_text, [&](Workspace& ws, int) { return plan->apply(ws.rootfs()); });
    }

    // A RUN/COPY/ADD step: the cache's result for its key, or `work` in a fresh working
    // container whose upper directory becomes the step's layer.
    Result<void> cached_or(const std::string& created_by, const std::string& inputs,
                           const std::function<Result<void>(Workspace&, int)>& work) {
        // Clamped times make other layer bytes: SOURCE_DATE_EPOCH is part of the key.
        std::string sde = run_.opts.source_date_epoch ? std::to_string(*run_.opts.source_date_epoch) : "";
        std::string key = chain_key(key_, created_by, inputs + "\nsource-date-epoch=" + sde);
        int step = run_.progress.start(title_);
        if (!run_.opts.no_cache)
            if (auto hit = run_.cache.get(key)) {
                apply(hit->layer, hit->history);
                key_ = key;
                run_.progress.cached(step);
                return {};
            }
        auto ws = Workspace::open(run_.store, st_.layers);
        if (!ws) return std::unexpected(ws.error());
        if (auto r = work(*ws, step); !r) {
            std::string msg = r.error().what();
            run_.progress.error(step, msg.substr(0, msg.find('\n')));
            return r;
        }
        if (auto r = ws->unmount(); !r) return r;
        std::optional<image::LayerRecord> layer;
        if (!empty_dir(ws->upper())) {
            LayerTarOptions lo{run_.opts.source_date_epoch};
            auto l = commit_layer(run_.store, ws->upper(), lo);
            if (!l) return std::unexpected(l.error());
            layer = *l;
        }
        json h = {{"created", run_.created_now()}, {"created_by", created_by}};
        if (!layer) h["empty_layer"] = true;
        if (auto r = run_.cache.put(key, CacheEntry{layer, h}); !r) return r;
        apply(layer, h);
        key_ = key;
        run_.progress.done(step);
        return {};
    }

    void apply(const std::optional<image::LayerRecord>& layer, json h) {
        if (run_.opts.source_date_epoch) h["created"] = run_.created_now();
        if (layer) st_.layers.push_back(*layer);
        st_.history.push_back(h);
        if (h.contains("created") && h["created"].is_string()) st_.last_created = h["created"].get<std::string>();
    }

    static bool empty_dir(const std::string& dir);

    BuildRun& run_;
    const StageNode& node_;
    const df::Stage& stage_;
    ImageState st_;
    std::string key_, title_;
    df::Vars args_;
};

bool StageRunner::empty_dir(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return true;
    bool empty = true;
    while (auto* de = ::readdir(d)) {
        std::string_view n = de->d_name;
        if (n != "." && n != "..") {
            empty = false;
            break;
        }
    }
    ::closedir(d);
    return empty;
}

}  // namespace

Result<StageOutput> run_stage(BuildRun& run, int index) { return StageRunner(run, index).go(); }

}  // namespace brig::build
