// brig volume create|ls|inspect|rm|prune (the work is in engine/volumes.hpp).
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include <fmt/core.h>

#include "cli/brig/commands.hpp"
#include "cli/brig/container_shared.hpp"
#include "common/strings.hpp"
#include "engine/volumes.hpp"
#include "image/inspect.hpp"

namespace brig::cli {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

void add_volume_commands(CLI::App& app, Globals& g) {
    auto* vol = app.add_subcommand("volume", "manage volumes");
    vol->require_subcommand(1);

    {
        struct F {
            std::vector<std::string> labels, opts;
            std::string driver = "local", name;
        };
        auto f = std::make_shared<F>();
        auto* c = vol->add_subcommand("create", "create a volume");
        c->add_option("-d,--driver", f->driver, "volume driver (only local)");
        c->add_option("-l,--label", f->labels, "KEY=VALUE label (repeatable)")->allow_extra_args(false);
        c->add_option("-o,--opt", f->opts, "driver option: type=, device=, o= (as mount(8))")->allow_extra_args(false);
        c->add_option("name", f->name, "volume name (random when omitted)");
        c->callback([f, &g] {
            if (f->driver != "local") {
                g.exit_code = report_error(fmt::format("volume driver {:?} is not supported (only local)", f->driver), 125);
                return;
            }
            std::map<std::string, std::string> opts;
            for (const auto& o : f->opts) {
                auto eq = o.find('=');
                if (eq == std::string::npos) {
                    g.exit_code = report_error(fmt::format("invalid volume option {:?}: expected KEY=VALUE", o), 125);
                    return;
                }
                opts[o.substr(0, eq)] = o.substr(eq + 1);
            }
            auto v = engine::volumes::create(g.root, f->name, key_value_map(f->labels), opts);
            if (!v) {
                g.exit_code = report_error(v.error().what(), 125);
                return;
            }
            fmt::print("{}\n", v->name);
            g.exit_code = 0;
        });
    }
    {
        struct F {
            bool quiet = false;
            std::string format;
            std::vector<std::string> filters;
        };
        auto f = std::make_shared<F>();
        auto* c = vol->add_subcommand("ls", "list volumes");
        c->alias("list");
        c->add_flag("-q,--quiet", f->quiet, "only names");
        c->add_option("--format", f->format, "json: one JSON object per volume");
        c->add_option("-f,--filter", f->filters, "dangling=true|false, name=SUBSTRING, label=KEY[=VALUE], driver=local")
            ->allow_extra_args(false);
        c->callback([f, &g] {
            auto vols = engine::volumes::list(g.root);
            std::map<std::string, std::vector<std::string>> users;
            bool need_users = false;
            for (const auto& flt : f->filters) need_users = need_users || flt.starts_with("dangling=");
            if (need_users) {
                auto e = open_engine(g);
                if (!e) {
                    g.exit_code = report_error(e.error().what(), 125);
                    return;
                }
                users = engine::volumes::users(e->store);
            }
            for (const auto& flt : f->filters) {
                auto eq = flt.find('=');
                std::string k = flt.substr(0, eq), val = eq == std::string::npos ? "" : flt.substr(eq + 1);
                std::function<bool(const engine::volumes::Volume&)> keep;
                if (k == "dangling" && (val == "true" || val == "1" || val == "false" || val == "0")) {
                    bool want = val == "true" || val == "1";
                    keep = [&users, want](const engine::volumes::Volume& v) { return !users.contains(v.name) == want; };
                } else if (k == "name") {
                    keep = [val](const engine::volumes::Volume& v) { return v.name.find(val) != std::string::npos; };
                } else if (k == "driver") {
                    keep = [val](const engine::volumes::Volume& v) { return v.driver == val; };
                } else if (k == "label" && !val.empty()) {
                    auto leq = val.find('=');
                    std::string lk = val.substr(0, leq);
                    std::optional<std::string> lv;
                    if (leq != std::string::npos) lv = val.substr(leq + 1);
                    keep = [lk, lv](const engine::volumes::Volume& v) {
                        auto it = v.labels.find(lk);
                        return it != v.labels.end() && (!lv || it->second == *lv);
                    };
                } else {
                    g.exit_code = report_error(fmt::format("invalid filter {:?}: use dangling=, name=, label= or driver=", flt), 125);
                    return;
                }
                std::erase_if(vols, [&](const engine::volumes::Volume& v) { return !keep(v); });
            }
            if (f->quiet) {
                for (const auto& v : vols) fmt::print("{}\n", v.name);
            } else if (f->format == "json" || f->format == "{{json .}}") {
                for (const auto& v : vols) {
                    std::string labels;
                    for (const auto& [k, val] : v.labels) labels += (labels.empty() ? "" : ",") + k + "=" + val;
                    ojson j = {{"Driver", v.driver}, {"Labels", labels},   {"Links", "N/A"}, {"Mountpoint", v.mountpoint},
                               {"Name", v.name},     {"Scope", "local"}, {"Size", "N/A"}};
                    fmt::print("{}\n", j.dump());
                }
            } else if (!f->format.empty()) {
                g.exit_code = report_error(fmt::format("unsupported --format {:?}: use json", f->format), 125);
                return;
            } else {
                fmt::print("{:<10}{}\n", "DRIVER", "VOLUME NAME");
                for (const auto& v : vols) fmt::print("{:<10}{}\n", v.driver, v.name);
            }
            g.exit_code = 0;
        });
    }
    {
        auto names = std::make_shared<std::vector<std::string>>();
        auto* c = vol->add_subcommand("inspect", "show volumes as JSON");
        c->add_option("names", *names, "volumes")->required();
        c->callback([names, &g] {
            ojson out = ojson::array();
            int rc = 0;
            for (const auto& n : *names) {
                auto v = engine::volumes::get(g.root, n);
                if (!v) {
                    rc = report_error(fmt::format("Error response from daemon: get {}: {}", n, v.error().message), 1);
                    continue;
                }
                out.push_back(engine::volumes::inspect_json(*v));
            }
            fmt::print("{}\n", out.dump(4));
            g.exit_code = rc;
        });
    }
    {
        auto names = std::make_shared<std::vector<std::string>>();
        auto force = std::make_shared<bool>(false);
        auto* c = vol->add_subcommand("rm", "remove volumes (not while a container uses them)");
        c->alias("remove");
        c->add_flag("-f,--force", *force, "no error for volumes that do not exist");
        c->add_option("names", *names, "volumes")->required();
        c->callback([names, force, &g] {
            auto e = open_engine(g);
            if (!e) {
                g.exit_code = report_error(e.error().what(), 125);
                return;
            }
            int rc = 0;
            for (const auto& n : *names) {
                if (auto r = engine::volumes::remove_unused(e->store, n); !r) {
                    if (*force && !engine::volumes::get(g.root, n)) continue;
                    rc = report_error(fmt::format("Error response from daemon: {}", r.error().message), 1);
                    continue;
                }
                fmt::print("{}\n", n);
            }
            g.exit_code = rc;
        });
    }
    {
        auto force = std::make_shared<bool>(false);
        auto all = std::make_shared<bool>(false);
        auto* c = vol->add_subcommand("prune", "remove unused anonymous volumes (-a: all unused volumes)");
        c->add_flag("-f,--force", *force, "do not ask for confirmation");
        c->add_flag("-a,--all", *all, "named volumes too");
        c->callback([all, &g] {
            auto e = open_engine(g);
            if (!e) {
                g.exit_code = report_error(e.error().what(), 125);
                return;
            }
            auto r = engine::volumes::prune(e->store, *all);
            fmt::print("Deleted Volumes:\n");
            for (const auto& name : r.deleted) fmt::print("{}\n", name);
            fmt::print("\nTotal reclaimed space: {}\n", image::human_size(static_cast<int64_t>(r.bytes)));
            g.exit_code = 0;
        });
    }
}

}  // namespace brig::cli
