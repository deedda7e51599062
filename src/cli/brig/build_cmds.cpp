// brig build: docker's flags turned into build::BuildOptions; the work is in src/build.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>

#include <fmt/core.h>

#include "build/builder.hpp"
#include "build/context/context.hpp"
#include "cli/brig/commands.hpp"
#include "cli/brig/container_shared.hpp"
#include "common/strings.hpp"
#include "image/reference.hpp"
#include "linux/fs.hpp"

namespace brig::cli {
namespace {

struct BuildFlags {
    std::string context, file, target, pull = "missing", network, iidfile, output, progress = "auto", cgroup_parent;
    std::vector<std::string> tags, build_args, labels, secrets;
    bool no_cache = false, quiet = false;
};

Result<std::pair<std::string, std::string>> key_value(const std::string& s, std::string_view flag, bool env_fallback) {
    auto eq = s.find('=');
    if (eq == 0) return fail("{} {:?}: expected KEY=VALUE", flag, s);
    if (eq != std::string::npos) return std::pair{s.substr(0, eq), s.substr(eq + 1)};
    if (env_fallback) {  // --build-arg NAME takes the value from the environment, as docker
        const char* v = std::getenv(s.c_str());
        if (v != nullptr) return std::pair{s, std::string(v)};
    }
    return fail("{} {:?}: expected KEY=VALUE", flag, s);
}

Result<build::Secret> parse_secret(const std::string& s) {
    build::Secret out;
    for (auto& part : split(s, ',')) {
        auto eq = part.find('=');
        std::string k = part.substr(0, eq), v = eq == std::string::npos ? "" : part.substr(eq + 1);
        if (k == "id") out.id = v;
        else if (k == "src" || k == "source") out.src = v;
        else if (k == "type" && v == "file") continue;
        else return fail("--secret {:?}: unknown field {:?} (id=ID,src=PATH)", s, k);
    }
    if (out.id.empty()) return fail("--secret {:?}: id= is required", s);
    if (out.src.empty()) {  // docker: the env variable of the same name, else a file named like the id
        if (const char* v = std::getenv(out.id.c_str()); v == nullptr) return fail("--secret {:?}: src= is required", s);
        return fail("--secret {:?}: secrets from the environment are not supported yet: give src=", s);
    }
    if (::access(out.src.c_str(), R_OK) != 0) return fail("--secret {:?}: cannot read {}", s, out.src);
    return out;
}

Result<build::BuildOptions> options_from(const BuildFlags& f, const build::context::Context& ctx, const std::string& dockerfile) {
    build::BuildOptions o;
    o.context = &ctx;
    o.context_dir = ctx.root;
    if (dockerfile == "-") {
        std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
        o.dockerfile_text = text.empty() ? "\n" : text;
    } else {
        o.dockerfile_path = dockerfile;
    }
    for (auto& t : f.tags) {
        auto ref = image::parse_reference(t);
        if (!ref) return wrap(std::move(ref), fmt::format("-t {}", t));
        if (ref->digest) return fail("-t {}: a tag cannot carry a digest", t);
        o.tags.push_back(ref->str());
    }
    o.target = f.target;
    for (auto& a : f.build_args) {
        auto kv = key_value(a, "--build-arg", true);
        if (!kv) return std::unexpected(kv.error());
        o.build_args.push_back(*kv);
        if (kv->first == "SOURCE_DATE_EPOCH") {
            char* end = nullptr;
            long long v = std::strtoll(kv->second.c_str(), &end, 10);
            if (kv->second.empty() || *end != '\0' || v < 0) return fail("--build-arg SOURCE_DATE_EPOCH={}: expected unix seconds", kv->second);
            o.source_date_epoch = v;
        }
    }
    if (!o.source_date_epoch)
        if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde != nullptr && *sde != '\0') {
            char* end = nullptr;
            long long v = std::strtoll(sde, &end, 10);
            if (*end != '\0' || v < 0) return fail("SOURCE_DATE_EPOCH={}: expected unix seconds", sde);
            o.source_date_epoch = v;
        }
    for (auto& l : f.labels) {
        auto kv = key_value(l, "--label", false);
        if (!kv) return std::unexpected(kv.error());
        o.labels[kv->first] = kv->second;
    }
    o.no_cache = f.no_cache;
    if (f.pull != "never" && f.pull != "missing" && f.pull != "always" && f.pull != "true" && f.pull != "false")
        return fail("--pull={}: expected always, missing or never", f.pull);
    o.pull = f.pull == "true" ? "always" : f.pull == "false" ? "missing" : f.pull;
    if (!f.network.empty() && f.network != "none" && f.network != "host" && f.network != "default")
        return fail("--network={}: builds support none and host (bridge is not supported yet)", f.network);
    o.network = f.network == "default" ? "" : f.network;
    for (auto& s : f.secrets) {
        auto sec = parse_secret(s);
        if (!sec) return std::unexpected(sec.error());
        o.secrets.push_back(*sec);
    }
    if (!f.cgroup_parent.empty()) {
        if (f.cgroup_parent[0] != '/') return fail("--cgroup-parent {:?} must be an absolute path", f.cgroup_parent);
        o.cgroup_parent = f.cgroup_parent;
    }
    if (f.progress != "auto" && f.progress != "plain" && f.progress != "tty" && f.progress != "quiet")
        return fail("--progress={}: expected auto, plain, tty or quiet", f.progress);
    if (!f.output.empty()) {
        auto out = build::parse_output(f.output);
        if (!out) return std::unexpected(out.error());
        if (!f.tags.empty()) return fail("--output and -t cannot be used together: an exported build is not stored as an image");
        o.output = *out;
    }
    return o;
}

int run_build(const Globals& g, const BuildFlags& f) {
    auto e = open_engine(g);
    if (!e) return report_error(e.error().what(), 125);
    auto store = image::Store::open(g.root);
    if (!store) return report_error(store.error().what(), 125);
    if (f.file == "-" && f.context == "-") return report_error("-f - and a context on stdin cannot be used together", 1);
    Result<build::context::Context> ctx = f.context == "-" ? build::context::from_tar(STDIN_FILENO, g.root + "/tmp")
                                                            : build::context::open_dir(f.context, f.file);
    if (!ctx) return report_error(ctx.error().what(), 1);
    auto dockerfile = f.file == "-" ? Result<std::string>("-") : build::context::find_dockerfile(*ctx, f.file);
    if (!dockerfile) return report_error(dockerfile.error().what(), 1);
    auto opts = options_from(f, *ctx, *dockerfile);
    if (!opts) return report_error(opts.error().what(), 1);
    bool quiet = f.quiet || f.progress == "quiet";
    bool tty = f.progress == "tty" || (f.progress == "auto" && ::isatty(STDERR_FILENO) == 1);
    build::Progress progress(stderr, quiet ? build::ProgressMode::Quiet : tty ? build::ProgressMode::Tty : build::ProgressMode::Plain);
    auto r = build::build(*e, *store, *opts, progress);
    if (!r) return report_error(r.error().what(), 1);
    if (!r->warnings.empty())
        fmt::print(stderr, "[Warning] One or more build-args [{}] were not consumed\n", join(r->warnings, " "));
    if (opts->output) return 0;
    std::string id = r->image.id.str();
    if (!f.iidfile.empty())
        if (auto w = linuxfs::write_file_atomic(f.iidfile, id, 0644, false); !w) return report_error(w.error().what(), 1);
    if (quiet) fmt::print("{}\n", id);
    return 0;
}

}  // namespace

void add_build_commands(CLI::App& app, Globals& globals) {
    auto f = std::make_shared<BuildFlags>();
    auto* cmd = app.add_subcommand("build", "build an image from a Dockerfile");
    cmd->add_option("CONTEXT", f->context, "the build context: a directory, or - for a tar on stdin")->required();
    cmd->add_option("-t,--tag", f->tags, "name:tag for the image (repeatable)");
    cmd->add_option("-f,--file", f->file, "the Dockerfile (default: CONTEXT/Dockerfile, else Containerfile; - for stdin)");
    cmd->add_option("--target", f->target, "the stage to build (default: the last)");
    cmd->add_option("--build-arg", f->build_args, "KEY=VALUE for an ARG (repeatable)");
    cmd->add_option("--label", f->labels, "KEY=VALUE label on the image (repeatable)");
    cmd->add_flag("--no-cache", f->no_cache, "do not use the build cache");
    cmd->add_option("--pull", f->pull, "pull the base images: always, missing (default) or never")
        ->expected(0, 1)
        ->default_str("always");
    cmd->add_option("--network", f->network, "the network of RUN: host (default) or none");
    cmd->add_option("--secret", f->secrets, "id=ID,src=PATH: a file RUN --mount=type=secret can read (repeatable)");
    cmd->add_option("--iidfile", f->iidfile, "write the image id to this file");
    cmd->add_option("-o,--output", f->output, "type=local,dest=DIR or type=tar,dest=FILE");
    cmd->add_option("--progress", f->progress, "auto, plain, tty or quiet");
    cmd->add_option("--cgroup-parent", f->cgroup_parent, "absolute parent cgroup of RUN containers (default /brig)");
    cmd->add_flag("-q,--quiet", f->quiet, "print only the image id");
    cmd->callback([f, &globals] { globals.exit_code = run_build(globals, *f); });
}

}  // namespace brig::cli
