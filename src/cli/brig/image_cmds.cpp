// brig images / rmi / load / save / import / tag / image {ls,rm,inspect,prune,...}: the local
// image store (src/image) and its GC, which keeps what containers (src/storage) still use.
#include "cli/brig/commands.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "build/cache_prune.hpp"
#include "common/scope.hpp"
#include "image/archive.hpp"
#include "image/inspect.hpp"
#include "image/reference.hpp"
#include "image/registry/http.hpp"
#include "image/registry/progress.hpp"
#include "image/store.hpp"
#include "engine/image_ops.hpp"
#include "engine/image_source.hpp"
#include "engine/present.hpp"

namespace brig::cli {

namespace {

using namespace brig::image;
using ojson = nlohmann::ordered_json;

Result<Store> open_store(const Globals& g) { return Store::open(g.root); }

struct Row {
    std::string repository, tag, id, created_since, created_at, size, digest;
    int64_t size_bytes = 0;
};

std::vector<Row> rows_of(const ImageRecord& r, int64_t now) {
    std::vector<Row> out;
    Row base;
    base.id = r.id.short_id();
    base.created_since = human_since(r.created, now);
    base.created_at = r.created;
    base.size = human_size(r.size);
    base.size_bytes = r.size;
    base.digest = "<none>";
    if (!r.repo_digests.empty()) {
        auto at = r.repo_digests.front().find('@');
        if (at != std::string::npos) base.digest = r.repo_digests.front().substr(at + 1);
    }
    if (r.names.empty()) {
        base.repository = base.tag = "<none>";
        out.push_back(base);
    }
    for (auto& n : r.names) {
        Row row = base;
        auto ref = parse_reference(n);
        row.repository = ref ? ref->familiar_repository() : n;
        row.tag = ref ? ref->tag : "<none>";
        out.push_back(row);
    }
    return out;
}

ojson row_json(const Row& r) {
    return {{"Containers", "N/A"}, {"CreatedAt", r.created_at}, {"CreatedSince", r.created_since}, {"Digest", r.digest},
            {"ID", r.id},          {"Repository", r.repository}, {"SharedSize", "N/A"},         {"Size", r.size},
            {"Tag", r.tag},        {"UniqueSize", "N/A"},        {"VirtualSize", r.size}};
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> w;
    for (auto& r : rows)
        for (size_t i = 0; i < r.size(); ++i) {
            if (w.size() <= i) w.push_back(0);
            w[i] = std::max(w[i], r[i].size());
        }
    for (auto& r : rows) {
        std::string line;
        for (size_t i = 0; i < r.size(); ++i) {
            line += r[i];
            if (i + 1 < r.size()) line += std::string(w[i] - r[i].size() + 3, ' ');
        }
        fmt::print("{}\n", line);
    }
}

// ---- images

void add_images(CLI::App* parent, Globals& g, const char* name) {
    struct Opts {
        bool quiet = false, all = false, no_trunc = false, digests = false;
        std::string format, filter_ref;
    };
    auto o = std::make_shared<Opts>();
    auto* c = parent->add_subcommand(name, "list images");
    c->add_flag("-q,--quiet", o->quiet, "only image ids");
    c->add_flag("-a,--all", o->all, "all images (brig keeps no intermediate images: same as without)");
    c->add_flag("--no-trunc", o->no_trunc, "full image ids");
    c->add_flag("--digests", o->digests, "show digests");
    c->add_option("--format", o->format, "json, table, or a Go-template subset ({{.Repository}}:{{.Tag}})");
    c->add_option("reference", o->filter_ref, "only images matching REPOSITORY[:TAG]");
    c->callback([o, &g] {
        auto store = open_store(g);
        if (!store) return void(g.exit_code = report_error(store.error().what()));
        auto imgs = store->list_images();
        if (!imgs) return void(g.exit_code = report_error(imgs.error().what()));
        std::sort(imgs->begin(), imgs->end(), [](auto& a, auto& b) { return a.added > b.added; });
        int64_t now = ::time(nullptr);
        std::vector<Row> rows;
        for (auto& r : *imgs)
            for (auto& row : rows_of(r, now)) {
                if (o->no_trunc) row.id = r.id.str();
                if (!o->filter_ref.empty()) {
                    auto want = parse_reference(o->filter_ref);
                    auto colon = o->filter_ref.rfind(':'), slash = o->filter_ref.rfind('/');
                    bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
                    if (!want || row.repository != want->familiar_repository() || (has_tag && row.tag != want->tag)) continue;
                }
                rows.push_back(row);
            }
        if (o->quiet) {
            std::set<std::string> seen;
            for (auto& r : rows)
                if (seen.insert(r.id).second) fmt::print("{}\n", r.id);
            return;
        }
        if (o->format == "json") {
            for (auto& r : rows) fmt::print("{}\n", row_json(r).dump());
            return;
        }
        if (!o->format.empty() && o->format != "table") {
            for (auto& r : rows) fmt::print("{}\n", engine::render_template(o->format, row_json(r)));
            return;
        }
        std::vector<std::vector<std::string>> table;
        if (o->digests) table.push_back({"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"});
        else table.push_back({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
        for (auto& r : rows) {
            if (o->digests) table.push_back({r.repository, r.tag, r.digest, r.id, r.created_since, r.size});
            else table.push_back({r.repository, r.tag, r.id, r.created_since, r.size});
        }
        print_table(table);
    });
}

// ---- rmi

void add_rmi(CLI::App* parent, Globals& g, const char* name) {
    struct Opts {
        bool force = false;
        std::vector<std::string> images;
    };
    auto o = std::make_shared<Opts>();
    auto* c = parent->add_subcommand(name, "remove images");
    c->add_flag("-f,--force", o->force, "remove even with several names or containers using it");
    c->add_option("image", o->images, "images (name[:tag], id, or name@digest)")->required();
    c->callback([o, &g] {
        auto store = open_store(g);
        if (!store) return void(g.exit_code = report_error(store.error().what()));
        int rc = 0;
        for (auto& name : o->images) {
            auto rec = store->find_image(name);
            if (!rec) {
                rc = report_error(rec.error().message);
                continue;
            }
            auto users = engine::containers_using_image(*store, rec->id.str());
            bool only_untag = rec->names.size() > 1 && !looks_like_id(name);
            if (users && !users->empty() && !o->force && !only_untag) {
                rc = report_error(fmt::format("conflict: unable to remove repository reference \"{}\" (must force) - container {} is using its referenced image {}",
                                              name, users->front().substr(0, 12), rec->id.short_id()));
                continue;
            }
            auto r = store->remove_image(name, o->force);
            if (!r) {
                rc = report_error(r.error().message);
                continue;
            }
            for (auto& u : r->untagged) fmt::print("Untagged: {}\n", u);
            for (auto& d : r->deleted) fmt::print("Deleted: {}\n", d);
        }
        g.exit_code = rc;
    });
}

// ---- load

void add_load(CLI::App* parent, Globals& g) {
    struct Opts {
        std::string input = "-", platform;
        bool quiet = false;
    };
    auto o = std::make_shared<Opts>();
    auto* c = parent->add_subcommand("load", "load images from a docker-archive or OCI archive/layout (any compression)");
    c->add_option("-i,--input", o->input, "archive file or OCI layout directory (default: stdin)");
    c->add_flag("-q,--quiet", o->quiet, "no progress output");
    c->add_option("--platform", o->platform, "os/arch[/variant] to pick from multi-platform archives (default: this host)");
    c->callback([o, &g] {
        if (o->input == "-" && ::isatty(0)) return void(g.exit_code = report_error("requested load from stdin, but stdin is empty (use -i FILE)"));
        auto platform = o->platform.empty() ? Result<Platform>(Platform::host()) : Platform::parse(o->platform);
        if (!platform) return void(g.exit_code = report_error(platform.error().what()));
        auto store = open_store(g);
        if (!store) return void(g.exit_code = report_error(store.error().what()));
        LoadHooks hooks;
        if (!o->quiet && g.debug) hooks.log = [](const std::string& s) { fmt::print(stderr, "{}\n", s); };
        // On a terminal each layer gets a progress line as docker draws it; otherwise the
        // output stays plain (only the "Loaded image" lines).
        std::optional<registry::TransferProgress> progress;
        if (!o->quiet && ::isatty(STDERR_FILENO) == 1) {
            progress.emplace(stderr, true);
            hooks.layer_start = [&progress](const std::string& id, int64_t size) { return progress->add(id, size, "Loading layer"); };
            hooks.layer_bytes = [&progress](size_t slot, uint64_t done) { progress->set_bytes(slot, done); };
            hooks.layer_done = [&progress](size_t slot, bool ok, bool present) {
                progress->set_status(slot, !ok ? "Failed" : present ? "Already exists" : "Loaded", true);
            };
        }
        auto r = load_archive(*store, o->input, *platform, hooks);
        if (progress) progress->finish();
        if (!r) return void(g.exit_code = report_error(r.error().what()));
        for (auto& n : r->names) fmt::print("Loaded image: {}\n", n);
        for (auto& id : r->ids) fmt::print("Loaded image ID: {}\n", id.str());
    });
}

// ---- save

void add_save(CLI::App* parent, Globals& g) {
    struct Opts {
        std::string output, format = "docker-archive";
        std::vector<std::string> images;
    };
    auto o = std::make_shared<Opts>();
    auto* c = parent->add_subcommand("save", "save images to a tar archive (docker-archive or oci-archive)");
    c->add_option("-o,--output", o->output, "write to a file instead of stdout");
    c->add_option("--format", o->format, "docker-archive (default) or oci-archive")
        ->check(CLI::IsMember({"docker-archive", "oci-archive"}));
    c->add_option("image", o->images, "images")->required();
    c->callback([o, &g] {
        if (o->output.empty() && ::isatty(1))
            return void(g.exit_code = report_error("cowardly refusing to save to a terminal. Use the -o flag or redirect"));
        auto store = open_store(g);
        if (!store) return void(g.exit_code = report_error(store.error().what()));
        auto found = engine::save_items(*store, o->images);
        if (!found) return void(g.exit_code = report_error(found.error().message));
        const auto& items = *found;
        auto format = o->format == "oci-archive" ? ArchiveFormat::Oci : ArchiveFormat::Docker;
        if (o->output.empty()) {
            auto r = save_archive(*store, items, format, 1);
            if (!r) g.exit_code = report_error(r.error().what());
            return;
        }
        // Into a temp file next to the output, renamed when complete: never a half archive.
        std::string tmp = o->output + ".brig-tmp";
        UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!fd) return void(g.exit_code = report_error(fmt::format("open {}: {}", tmp, std::strerror(errno))));
        ScopeGuard drop([&] { ::unlink(tmp.c_str()); });
        auto r = save_archive(*store, items, format, fd.get());
        if (!r) return void(g.exit_code = report_error(r.error().what()));
        if (::fsync(fd.get()) < 0 || ::rename(tmp.c_str(), o->output.c_str()) < 0)
            return void(g.exit_code = report_error(fmt::format("write {}: {}", o->output, std::strerror(errno))));
        drop.dismiss();
    });
}

// ---- import

// The tarball: a file, "-" for stdin, or an http(s) URL streamed through libcurl (as docker's
// `import URL`): bytes are hashed, inflated and unpacked while they arrive.
Result<std::unique_ptr<ByteSource>> open_import_source(const std::string& file) {
    if (file.starts_with("http://") || file.starts_with("https://")) {
        registry::HttpRequest req;
        req.url = file;
        req.max_body = 64u << 10;  // of an error document
        auto body = registry::HttpBodySource::open(req, 0);
        if (!body) return std::unexpected(body.error());
        if (long st = (*body)->status(); st < 200 || st >= 300) return fail("GET {}: HTTP status {}", file, st);
        return std::unique_ptr<ByteSource>(std::move(*body));
    }
    UniqueFd fd(file == "-" ? ::dup(0) : ::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_fail("open {}", file);
    return std::unique_ptr<ByteSource>(std::make_unique<FdSource>(std::move(fd)));
}

void add_import(CLI::App* parent, Globals& g) {
    struct Opts {
        std::string file, name, message, platform;
        std::vector<std::string> changes;
    };
    auto o = std::make_shared<Opts>();
    auto* c = parent->add_subcommand("import", "create an image from a root file system tarball");
    c->add_option("-c,--change", o->changes, "apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, VOLUME, LABEL, STOPSIGNAL)")
        ->allow_extra_args(false);
    c->add_option("-m,--message", o->message, "commit message");
    c->add_option("--platform", o->platform, "os/arch[/variant] of the image (default: this host)");
    c->add_option("file", o->file, "tarball (any compression), an http(s) URL, or - for stdin")->required();
    c->add_option("reference", o->name, "REPOSITORY[:TAG]");
    c->callback([o, &g] {
        auto store = open_store(g);
        if (!store) return void(g.exit_code = report_error(store.error().what()));
        ImportOptions opts;
        opts.name = o->name;
        opts.message = o->message;
        opts.changes = o->changes;
        if (!o->platform.empty()) {
            auto p = Platform::parse(o->platform);
            if (!p) return void(g.exit_code = report_error(p.error().what()));
            opts.platform = *p;
        }
        auto src = open_import_source(o->file);
        if (!src) return void(g.exit_code = report_error(src.error().what()));
        auto rec = import_rootfs(*store, **src, opts);
        if (!rec) return void(g.exit_code = report_error(fmt::format("import {}: {}", o->file, rec.error().what())));
        fmt::print("{}\n", rec->id.str());
    });
}

// ---- tag

void add_tag(CLI::App* parent, Globals& g) {
    struct Opts {
        std::string source, target;
    };
    auto o = std::make_shared<Opts>();
    auto* c = parent->add_subcommand("tag", "give an image another name");
    c->add_option("source", o->source, "SOURCE_IMAGE[:TAG] or id")->required();
    c->add_option("target", o->target, "TARGET_IMAGE[:TAG]")->required();
    c->callback([o, &g] {
        auto store = open_store(g);
        if (!store) return void(g.exit_code = report_error(store.error().what()));
        if (auto r = store->tag(o->source, o->target); !r) g.exit_code = report_error(r.error().message);
    });
}

// ---- image inspect

void add_inspect(CLI::App* parent, Globals& g) {
    struct Opts {
        std::string format;
        std::vector<std::string> images;
    };
    auto o = std::make_shared<Opts>();
    auto* c = parent->add_subcommand("inspect", "show images' details (docker-compatible JSON)");
    c->add_option("-f,--format", o->format, "a Go-template subset ({{.Id}}, {{json .Config}})");
    c->add_option("image", o->images, "images")->required();
    c->callback([o, &g] {
        auto store = open_store(g);
        if (!store) return void(g.exit_code = report_error(store.error().what()));
        ojson arr = ojson::array();
        int rc = 0;
        for (auto& name : o->images) {
            auto rec = store->find_image(name);
            if (!rec) {
                rc = report_error(rec.error().message);
                continue;
            }
            auto j = inspect_json(*store, *rec);
            if (!j) {
                rc = report_error(j.error().what());
                continue;
            }
            arr.push_back(*j);
        }
        if (!o->format.empty()) {
            for (auto& j : arr) fmt::print("{}\n", engine::render_template(o->format, j));
        } else {
            fmt::print("{}\n", arr.dump(4));
        }
        g.exit_code = rc;
    });
}

// ---- image prune

void add_prune(CLI::App* parent, Globals& g) {
    struct Opts {
        bool all = false, force = false, build_cache = false;
    };
    auto o = std::make_shared<Opts>();
    auto* c = parent->add_subcommand("prune", "remove unused images, then unreferenced blobs and layers");
    c->add_flag("-a,--all", o->all, "remove all images no container uses, not just dangling ones");
    c->add_flag("-f,--force", o->force, "do not prompt (brig never prompts)");
    c->add_flag("--build-cache", o->build_cache, "also remove the build cache and the cache mounts no build uses (as builder prune)");
    c->callback([o, &g] {
        auto store = open_store(g);
        if (!store) return void(g.exit_code = report_error(store.error().what()));
        auto pruned = engine::prune_images(*store, o->all);
        if (!pruned) return void(g.exit_code = report_error(pruned.error().what()));
        std::vector<std::string> lines;
        for (auto& u : pruned->untagged) lines.push_back("untagged: " + u);
        for (auto& d : pruned->deleted) lines.push_back("deleted: " + d);
        build::CachePrune cache;
        if (o->build_cache) {  // before the gc, so the layers only the cache held go with it
            auto c = build::prune_build_cache(*store);
            if (!c) return void(g.exit_code = report_error(c.error().what()));
            cache = std::move(*c);
        }
        auto freed = engine::collect_garbage(*store);
        if (!freed) return void(g.exit_code = report_error(freed.error().what()));
        if (!lines.empty()) {
            fmt::print("Deleted Images:\n");
            for (auto& l : lines) fmt::print("{}\n", l);
            fmt::print("\n");
        }
        if (!cache.deleted.empty()) fmt::print("Deleted build cache objects:\n{}\n\n", fmt::join(cache.deleted, "\n"));
        fmt::print("Total reclaimed space: {}\n", human_size(static_cast<int64_t>(*freed + cache.bytes)));
    });
}

CLI::App* image_group(CLI::App& app) {
    try {
        return app.get_subcommand("image");
    } catch (const CLI::OptionNotFound&) {
        auto* grp = app.add_subcommand("image", "manage images");
        grp->require_subcommand(1);
        return grp;
    }
}

}  // namespace

void add_image_commands(CLI::App& app, Globals& g) {
    add_images(&app, g, "images");
    add_rmi(&app, g, "rmi");
    add_load(&app, g);
    add_save(&app, g);
    add_import(&app, g);
    add_tag(&app, g);
    CLI::App* grp = image_group(app);
    add_images(grp, g, "ls");
    add_rmi(grp, g, "rm");
    add_load(grp, g);
    add_save(grp, g);
    add_import(grp, g);
    add_tag(grp, g);
    add_inspect(grp, g);
    add_prune(grp, g);
}

}  // namespace brig::cli
