// brig history / diff / commit / export / builder prune, and their places under `brig image`
// and `brig container`, as docker has them. Flags only: the work is in src/build (diff.hpp,
// commit.hpp, output.hpp, cache_prune.hpp) and the image store.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "build/cache_prune.hpp"
#include "build/commit.hpp"
#include "build/diff.hpp"
#include "build/output.hpp"
#include "cli/brig/commands.hpp"
#include "cli/brig/container_shared.hpp"
#include "common/scope.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"
#include "engine/image_source.hpp"
#include "engine/present.hpp"
#include "image/inspect.hpp"
#include "linux/fs.hpp"

namespace brig::cli {
namespace {

using ojson = nlohmann::ordered_json;

// ---- history

size_t display_width(std::string_view s) {
    size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xc0) != 0x80;  // UTF-8 code points
    return n;
}

// docker's formatter.Ellipsis: at most `width` characters, the last one "…" when cut.
std::string ellipsis(const std::string& s, size_t width) {
    if (display_width(s) <= width) return s;
    size_t chars = 0, i = 0;
    for (; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80 && ++chars == width) break;
    return s.substr(0, i) + "…";
}

// One row per history entry, newest first, with docker's fields (ID is the image's on the
// top row only: brig keeps no parent images).
Result<std::vector<ojson>> history_rows(const image::Store& store, const image::ImageRecord& img, bool trunc, bool human) {
    auto entries = image::history(store, img);
    if (!entries) return std::unexpected(entries.error());
    std::vector<ojson> rows;
    int64_t now = ::time(nullptr);
    for (auto& h : *entries) {
        auto ns = parse_rfc3339_ns(h.created);
        std::string at = ns ? format_rfc3339(*ns / 1'000'000'000) : "";
        std::replace(h.created_by.begin(), h.created_by.end(), '\t', ' ');
        rows.push_back(ojson{{"Comment", h.comment},
                             {"CreatedAt", at},
                             {"CreatedBy", trunc ? ellipsis(h.created_by, 45) : h.created_by},
                             {"CreatedSince", human ? image::human_since(h.created, now) : at},
                             {"ID", "<missing>"},
                             {"Size", human ? image::human_size(h.size) : std::to_string(h.size)}});
    }
    if (!rows.empty()) rows.front()["ID"] = trunc ? img.id.short_id() : img.id.str();
    return rows;
}

// docker's tabwriter (minimum width 10, padding 3): every tab-ended cell padded to its column.
void print_tabbed(const std::vector<std::string>& lines) {
    std::vector<std::vector<std::string>> cells;
    std::vector<size_t> width;
    for (const auto& l : lines) {
        cells.push_back(split(l, '\t'));
        for (size_t i = 0; i + 1 < cells.back().size(); ++i) {
            if (width.size() <= i) width.push_back(10);
            width[i] = std::max(width[i], display_width(cells.back()[i]) + 3);
        }
    }
    for (const auto& row : cells) {
        std::string out;
        for (size_t i = 0; i < row.size(); ++i)
            out += i + 1 < row.size() ? row[i] + std::string(width[i] - display_width(row[i]), ' ') : row[i];
        fmt::print("{}\n", out);
    }
}

void add_history(CLI::App* parent, Globals& g) {
    struct Opts {
        std::string image, format;
        bool no_trunc = false, quiet = false, human = true;
    };
    auto o = std::make_shared<Opts>();
    auto* c = parent->add_subcommand("history", "show the history of an image");
    c->add_flag("--no-trunc", o->no_trunc, "do not truncate ids and commands");
    c->add_flag("-q,--quiet", o->quiet, "only the image ids");
    c->add_flag("-H,--human", o->human, "sizes and dates in human form (default true; --human=false: bytes and RFC 3339 times)");
    c->add_option("--format", o->format, "table, json, or a Go-template subset ({{.ID}}\\t{{.CreatedBy}})");
    c->add_option("image", o->image, "the image")->required();
    c->callback([o, &g] {
        auto store = image::Store::open(g.root);
        if (!store) return void(g.exit_code = report_error(store.error().what()));
        auto img = store->find_image(o->image);
        if (!img) return void(g.exit_code = report_error(fmt::format("Error response from daemon: {}", img.error().message)));
        auto rows = history_rows(*store, *img, !o->no_trunc, o->human);
        if (!rows) return void(g.exit_code = report_error(rows.error().what()));
        std::string tmpl = o->format.empty() || o->format == "table" ? "" : o->format == "json" ? "{{json .}}" : o->format;
        if (tmpl.empty())
            tmpl = o->quiet ? "{{.ID}}"
                 : o->human ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
                            : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
        std::vector<std::string> lines;
        if (tmpl.starts_with("table")) {
            ojson heads = {{"ID", "IMAGE"},           {"CreatedAt", "CREATED AT"}, {"CreatedSince", "CREATED"},
                           {"CreatedBy", "CREATED BY"}, {"Size", "SIZE"},          {"Comment", "COMMENT"}};
            lines.push_back(engine::render_template(tmpl, heads));
        }
        for (const auto& r : *rows) lines.push_back(engine::render_template(tmpl, r));
        if (tmpl.starts_with("table")) return print_tabbed(lines);
        for (const auto& l : lines) fmt::print("{}\n", l);
    });
}

// ---- diff, commit

void add_diff(CLI::App* parent, Globals& g) {
    auto ref = std::make_shared<std::string>();
    auto* c = parent->add_subcommand("diff", "list the files a container added (A), changed (C) or deleted (D)");
    c->add_option("container", *ref, "the container")->required();
    c->callback([ref, &g] {
        g.exit_code = with_container(g, *ref, [&](engine::Engine&, ContainerRef& ct) {
            if (!ct.rec.rootfs_managed) return report_error(fmt::format("container {} runs on a directory of its own (--rootfs): there is no image to compare it with", ct.rec.name));
            auto store = image::Store::open(g.root);
            if (!store) return report_error(store.error().what());
            auto changes = build::container_changes(*store, ct.id);
            if (!changes) return report_error(changes.error().what());
            for (const auto& ch : *changes) fmt::print("{} {}\n", ch.kind, ch.path);
            return 0;
        });
    });
}

void add_commit(CLI::App* parent, Globals& g) {
    auto o = std::make_shared<build::CommitOptions>();
    auto ref = std::make_shared<std::string>();
    auto* c = parent->add_subcommand("commit", "create a new image from a container's changes");
    c->add_option("-a,--author", o->author, "author (\"Jane Doe <jane@example.com>\")");
    c->add_option("-m,--message", o->message, "commit message");
    c->add_option("-c,--change", o->changes, "apply a Dockerfile instruction (CMD ENTRYPOINT ENV EXPOSE LABEL ONBUILD STOPSIGNAL USER VOLUME WORKDIR)");
    c->add_flag("-p,--pause", o->pause, "pause the container while committing (default true; --pause=false)");
    c->add_option("container", *ref, "the container")->required();
    c->add_option("reference", o->reference, "REPOSITORY[:TAG]");
    c->callback([o, ref, &g] {
        g.exit_code = with_container(g, *ref, [&](engine::Engine& e, ContainerRef& ct) {
            auto store = image::Store::open(g.root);
            if (!store) return report_error(store.error().what());
            auto img = build::commit_container(e, *store, ct.rec, *o);
            if (!img) return report_error(fmt::format("commit {}: {}", *ref, img.error().what()));
            fmt::print("{}\n", img->id.str());
            return 0;
        });
    });
}

// ---- export

void add_export(CLI::App* parent, Globals& g) {
    struct Opts {
        std::string container, output;
    };
    auto o = std::make_shared<Opts>();
    auto* c = parent->add_subcommand("export", "write a container's file system as a tar archive");
    c->add_option("-o,--output", o->output, "write to a file instead of stdout");
    c->add_option("container", o->container, "the container")->required();
    c->callback([o, &g] {
        if (o->output.empty() && ::isatty(1))
            return void(g.exit_code = report_error("cowardly refusing to save to a terminal. Use the -o flag or redirect"));
        g.exit_code = with_container(g, o->container, [&](engine::Engine& e, ContainerRef& ct) {
            auto export_to = [&](int fd) {
                return engine::with_container_rootfs(e.store, ct.rec, [fd](const std::string& root) {
                    return build::export_tree_tar(root, fd);
                });
            };
            if (o->output.empty()) {
                auto r = export_to(STDOUT_FILENO);
                return r ? 0 : report_error(fmt::format("export {}: {}", o->container, r.error().what()));
            }
            // Into a temp file next to the output, renamed when complete: never half a tar.
            std::string tmp = o->output + ".brig-tmp";
            UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
            if (!fd) return report_error(fmt::format("export: open {}: {}", tmp, std::strerror(errno)));
            ScopeGuard drop([&] { ::unlink(tmp.c_str()); });
            if (auto r = export_to(fd.get()); !r)
                return report_error(fmt::format("export {}: {}", o->container, r.error().what()));
            if (::fsync(fd.get()) < 0 || ::rename(tmp.c_str(), o->output.c_str()) < 0)
                return report_error(fmt::format("export: write {}: {}", o->output, std::strerror(errno)));
            drop.dismiss();
            return 0;
        });
    });
}

// ---- builder prune

void add_builder_prune(CLI::App& app, Globals& g) {
    struct Opts {
        bool all = false, force = false;
    };
    auto o = std::make_shared<Opts>();
    auto* grp = app.add_subcommand("builder", "manage the build cache");
    grp->require_subcommand(1);
    auto* c = grp->add_subcommand("prune", "remove the build cache: step results and cache mounts no build uses");
    c->add_flag("-a,--all", o->all, "all of the cache (brig's cache is all of one kind: the same as without)");
    c->add_flag("-f,--force", o->force, "do not prompt for confirmation");
    c->callback([o, &g] {
        if (!o->force) {
            fmt::print("WARNING! This will remove all {}build cache. Are you sure you want to continue? [y/N] ", o->all ? "" : "dangling ");
            std::fflush(stdout);
            std::string answer;
            std::getline(std::cin, answer);
            if (answer != "y" && answer != "Y" && answer != "yes")
                return void(g.exit_code = report_error("builder prune has been cancelled"));
        }
        auto store = image::Store::open(g.root);
        if (!store) return void(g.exit_code = report_error(store.error().what()));
        auto cache = build::prune_build_cache(*store);
        if (!cache) return void(g.exit_code = report_error(cache.error().what()));
        auto keep = engine::layers_in_use(*store);
        if (!keep) return void(g.exit_code = report_error(keep.error().what()));
        auto st = store->gc(*keep);
        if (!st) return void(g.exit_code = report_error(st.error().what()));
        if (!cache->deleted.empty()) fmt::print("Deleted build cache objects:\n{}\n\n", fmt::join(cache->deleted, "\n"));
        fmt::print("Total reclaimed space: {}\n", image::human_size(static_cast<int64_t>(cache->bytes + st->bytes_freed)));
    });
}

}  // namespace

void add_image_build_commands(CLI::App& app, Globals& g) {
    for (CLI::App* parent : {&app, find_subcommand(app, "image")})
        if (parent != nullptr) add_history(parent, g);
    for (CLI::App* parent : {&app, find_subcommand(app, "container")}) {
        if (parent == nullptr) continue;
        add_diff(parent, g);
        add_commit(parent, g);
        add_export(parent, g);
    }
    add_builder_prune(app, g);
}

}  // namespace brig::cli
