// Commands that look at containers: ps, inspect, logs, top, stats, cp, port.
#include <dirent.h>
#include <sys/stat.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <fmt/core.h>

#include "cli/brig/container_shared.hpp"
#include "engine/cp.hpp"
#include "engine/logs.hpp"
#include "engine/netwire.hpp"
#include "engine/present.hpp"
#include "engine/stats.hpp"
#include "engine/top.hpp"
#include "image/inspect.hpp"
#include "image/store.hpp"

namespace brig::cli {

using namespace brig::engine;
using ojson = nlohmann::ordered_json;

namespace {

struct Listed {
    ContainerRecord rec;
    LiveState live;
};

std::vector<Listed> list_all(const Engine& e) {
    std::vector<Listed> out;
    for (const auto& id : e.store.ids()) {
        auto rec = e.store.load(id);
        if (!rec) continue;
        out.push_back({*rec, e.store.live_state(*rec)});
    }
    std::sort(out.begin(), out.end(), [](const Listed& a, const Listed& b) { return a.rec.created > b.rec.created; });
    return out;
}

Result<bool> matches(const Listed& c, const std::string& filter) {
    auto eq = filter.find('=');
    if (eq == std::string::npos) return fail("bad format of filter (expected name=value): {}", filter);
    std::string k = filter.substr(0, eq), v = filter.substr(eq + 1);
    if (k == "id") return c.rec.id.starts_with(v);
    if (k == "name") return c.rec.name.find(v) != std::string::npos;
    if (k == "status") return c.live.status == v;
    if (k == "ancestor") return c.rec.image == v || c.rec.image_id.starts_with(v);
    if (k == "exited") return c.live.status == "exited" && std::to_string(c.live.exit_code) == v;
    if (k == "health") return c.live.health == v || (v == "none" && c.live.health.empty());
    if (k == "label") {
        auto leq = v.find('=');
        std::string lk = v.substr(0, leq);
        auto it = c.rec.labels.find(lk);
        if (it == c.rec.labels.end()) return false;
        return leq == std::string::npos || it->second == v.substr(leq + 1);
    }
    return fail("invalid filter '{}'", k);
}

// Columns separated by three spaces, widths from the content (docker's tabwriter).
void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width;
    auto cells = [](const std::string& s) {
        size_t n = 0;
        for (unsigned char ch : s) n += (ch & 0xc0) != 0x80;  // count UTF-8 code points
        return n;
    };
    for (const auto& r : rows)
        for (size_t i = 0; i < r.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], cells(r[i]));
        }
    for (const auto& r : rows) {
        std::string line;
        for (size_t i = 0; i < r.size(); ++i) {
            line += r[i];
            if (i + 1 < r.size()) line += std::string(width[i] - cells(r[i]) + 3, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        fmt::print("{}\n", line);
    }
}

void print_templated(const std::string& format, const std::vector<ojson>& rows) {
    std::string header = template_header(format);
    if (header.find('\t') != std::string::npos || format.starts_with("table")) {
        std::vector<std::vector<std::string>> table;
        auto split_tabs = [](const std::string& s) {
            std::vector<std::string> out;
            std::stringstream in(s);
            for (std::string cell; std::getline(in, cell, '\t');) out.push_back(cell);
            return out;
        };
        if (!header.empty()) table.push_back(split_tabs(header));
        for (const auto& r : rows) table.push_back(split_tabs(render_template(format, r)));
        print_table(table);
        return;
    }
    for (const auto& r : rows) fmt::print("{}\n", render_template(format, r));
}

int do_ps(Globals& g, bool all, bool quiet, bool no_trunc, bool latest, int last, const std::vector<std::string>& filters,
          const std::string& format) {
    auto e = open_engine(g);
    if (!e) return report_error(e.error().what(), 125);
    std::vector<ojson> rows;
    std::vector<Listed> shown;
    for (auto& c : list_all(*e)) {
        bool ok = all || latest || last > 0 || c.live.running() || !filters.empty();
        if (filters.empty() && !all && !latest && last <= 0) ok = c.live.running();
        for (const auto& f : filters) {
            auto m = matches(c, f);
            if (!m) return report_error(m.error().what(), 125);
            if (!*m) ok = false;
        }
        if (!filters.empty() && !all) {
            bool status_filter = std::any_of(filters.begin(), filters.end(),
                                             [](const std::string& f) { return f.starts_with("status=") || f.starts_with("exited="); });
            if (!status_filter && !c.live.running()) ok = false;
        }
        if (ok) shown.push_back(std::move(c));
    }
    if (latest && shown.size() > 1) shown.resize(1);
    if (last > 0 && shown.size() > static_cast<size_t>(last)) shown.resize(static_cast<size_t>(last));
    for (const auto& c : shown) {
        rows.push_back(ps_row(c.rec, c.live, no_trunc));
        rows.back()["Networks"] = ps_networks(e->store.root(), c.rec);
        rows.back()["Ports"] = ps_ports(e->store.root(), c.rec);
    }
    if (quiet) {
        for (const auto& r : rows) fmt::print("{}\n", r["ID"].get<std::string>());
        return 0;
    }
    if (format == "json") {
        for (const auto& r : rows) fmt::print("{}\n", r.dump());
        return 0;
    }
    if (!format.empty() && format != "table") {
        print_templated(format, rows);
        return 0;
    }
    std::vector<std::vector<std::string>> table = {{"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
    for (const auto& r : rows)
        table.push_back({r["ID"], r["Image"], r["Command"], r["RunningFor"], r["Status"], r["Ports"], r["Names"]});
    print_table(table);
    return 0;
}

std::optional<ojson> image_inspect_json(const Globals& g, const std::string& ref) {
    auto store = image::Store::open(g.root);
    if (!store) return std::nullopt;
    auto rec = store->find_image(ref);
    if (!rec) return std::nullopt;
    auto j = image::inspect_json(*store, *rec);
    if (!j) return std::nullopt;
    return *j;
}

int do_inspect(Globals& g, const std::vector<std::string>& refs, const std::string& format, bool size) {
    (void)size;
    auto e = open_engine(g);
    if (!e) return report_error(e.error().what(), 125);
    ojson out = ojson::array();
    int rc = 0;
    for (const auto& ref : refs) {
        auto c = find_container(*e, ref);
        if (!c) {
            // docker's top-level inspect falls back to images.
            if (auto img = image_inspect_json(g, ref)) {
                out.push_back(std::move(*img));
                continue;
            }
            rc = report_error(fmt::format("Error: No such object: {}", ref), 1);
            continue;
        }
        out.push_back(inspect_json(*e, c->rec, e->store.live_state(c->rec)));
    }
    if (!format.empty()) {
        for (const auto& o : out) fmt::print("{}\n", render_template(format, o));
    } else {
        fmt::print("{}\n", out.dump(4));
    }
    return rc;
}

// docker top: the container's processes, from its cgroups.
int print_top(Engine& e, const ContainerRef& c) {
    auto top = top_container(e, c.id);
    if (!top) return report_error(fmt::format("Error response from daemon: {}", top.error().message), 1);
    std::vector<std::vector<std::string>> table = {top->titles};
    table.insert(table.end(), top->processes.begin(), top->processes.end());
    print_table(table);
    return 0;
}

int do_top(Globals& g, const std::string& ref) {
    return with_container(g, ref, [](Engine& e, ContainerRef& c) { return print_top(e, c); });
}

int do_stats(Globals& g, const std::vector<std::string>& refs, bool all, bool no_stream, const std::string& format) {
    auto e = open_engine(g);
    if (!e) return report_error(e.error().what(), 125);
    std::vector<Listed> targets;
    if (refs.empty()) {
        for (auto& c : list_all(*e))
            if (all || c.live.running()) targets.push_back(std::move(c));
    } else {
        for (const auto& ref : refs) {
            auto c = find_container(*e, ref);
            if (!c) return report_error(fmt::format("Error response from daemon: {}", c.error().message), 1);
            targets.push_back({c->rec, e->store.live_state(c->rec)});
        }
    }
    std::vector<StatsSample> prev;
    for (const auto& t : targets) prev.push_back(sample_stats(t.rec, t.live.running() ? t.live.pid : 0));
    bool first = true;
    while (true) {
        std::this_thread::sleep_for(std::chrono::milliseconds(first ? 500 : 1000));
        first = false;
        std::vector<ojson> rows;
        for (size_t i = 0; i < targets.size(); ++i) {
            auto cur = sample_stats(targets[i].rec, targets[i].live.running() ? targets[i].live.pid : 0);
            rows.push_back(stats_row(targets[i].rec, prev[i], cur));
            prev[i] = cur;
        }
        if (!no_stream) fmt::print("\033[2J\033[H");
        if (format == "json") {
            for (const auto& r : rows) fmt::print("{}\n", r.dump());
        } else if (!format.empty() && format != "table") {
            print_templated(format, rows);
        } else {
            std::vector<std::vector<std::string>> table = {
                {"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"}};
            for (const auto& r : rows)
                table.push_back({r["ID"], r["Name"], r["CPUPerc"], r["MemUsage"], r["MemPerc"], r["NetIO"], r["BlockIO"], r["PIDs"]});
            print_table(table);
        }
        std::fflush(stdout);
        if (no_stream) return 0;
    }
}

int do_cp(Globals& g, const std::string& src, const std::string& dst) {
    auto split = [](const std::string& s) -> std::pair<std::string, std::string> {
        auto colon = s.find(':');
        if (colon == std::string::npos || s[0] == '/' || s[0] == '.') return {"", s};
        return {s.substr(0, colon), s.substr(colon + 1)};
    };
    auto [sc, sp] = split(src);
    auto [dc, dp] = split(dst);
    if (sc.empty() == dc.empty())
        return report_error("copying between containers, or between two host paths, is not supported: "
                            "one of SRC and DEST must be CONTAINER:PATH", 125);
    bool into = sc.empty();
    return with_container(g, into ? dc : sc, [&](Engine& e, ContainerRef& c) {
        auto r = copy_container(e, {.id = c.id, .into_container = into, .container_path = into ? dp : sp,
                                    .host_path = into ? sp : dp});
        return r ? 0 : report_error(r.error().what(), 1);
    });
}

}  // namespace

void add_container_info_commands(CLI::App& top, CLI::App& group, Globals& g) {
    for (CLI::App* app : {&top, &group}) {
        bool in_group = app == &group;
        {
            struct PsFlags {
                bool all = false, quiet = false, no_trunc = false, latest = false, size = false;
                int last = -1;
                std::vector<std::string> filters;
                std::string format;
            };
            auto f = std::make_shared<PsFlags>();
            auto* c = app->add_subcommand(in_group ? "ls" : "ps", "list containers");
            if (in_group) c->alias("ps")->alias("list");
            c->add_flag("-a,--all", f->all, "show all containers (default shows just running)");
            c->add_flag("-q,--quiet", f->quiet, "only ids");
            c->add_flag("--no-trunc", f->no_trunc, "do not truncate output");
            c->add_flag("-l,--latest", f->latest, "the latest created container");
            c->add_option("-n,--last", f->last, "the n last created containers");
            c->add_flag("-s,--size", f->size, "show sizes");
            c->add_option("-f,--filter", f->filters, "filter (id=, name=, status=, label=, exited=, ancestor=, health=)");
            c->add_option("--format", f->format, "json, table, or a template like {{.ID}}\\t{{.Names}}");
            c->callback([&g, f] { g.exit_code = do_ps(g, f->all, f->quiet, f->no_trunc, f->latest, f->last, f->filters, f->format); });
        }
        {
            auto refs = std::make_shared<std::vector<std::string>>();
            auto format = std::make_shared<std::string>();
            auto size = std::make_shared<bool>(false);
            if (!in_group && find_subcommand(top, "inspect") != nullptr) {
                // Another command group (images) owns the top-level inspect.
            } else {
                auto* c = app->add_subcommand("inspect", "show low-level information on containers (JSON)");
                c->add_option("-f,--format", *format, "a template like {{.State.Status}}");
                c->add_flag("-s,--size", *size, "show sizes");
                c->add_option("containers", *refs, "containers")->required();
                c->callback([&g, refs, format, size] { g.exit_code = do_inspect(g, *refs, *format, *size); });
            }
        }
        {
            struct LogsFlags {
                bool follow = false, timestamps = false, details = false;
                std::string tail = "all", since, until, ref;
            };
            auto f = std::make_shared<LogsFlags>();
            auto* c = app->add_subcommand("logs", "show a container's output");
            c->add_flag("-f,--follow", f->follow, "follow the output");
            c->add_option("-n,--tail", f->tail, "lines from the end (default all)");
            c->add_option("--since", f->since, "since a time (RFC 3339, unix seconds, or a duration like 10m)");
            c->add_option("--until", f->until, "until a time");
            c->add_flag("-t,--timestamps", f->timestamps, "show timestamps");
            c->add_flag("--details", f->details, "extra details (none)");
            c->add_option("container", f->ref, "container")->required();
            c->callback([&g, f] { g.exit_code = with_container(g, f->ref, [&](Engine& e, ContainerRef& c) {
                LogsOptions o;
                o.follow = f->follow;
                o.timestamps = f->timestamps;
                o.since = f->since;
                o.until = f->until;
                if (f->tail != "all") {
                    char* end = nullptr;
                    long n = std::strtol(f->tail.c_str(), &end, 10);
                    if (end == f->tail.c_str() || *end != '\0')
                        return report_error(fmt::format("invalid --tail {:?}: a number or \"all\"", f->tail), 125);
                    if (n >= 0) o.tail = static_cast<size_t>(n);
                }
                auto r = print_logs(e, c.rec, o);
                return r ? 0 : report_error(r.error().what(), 1);
            }); });
        }
        {
            auto args = std::make_shared<std::vector<std::string>>();
            auto* c = app->add_subcommand("top", "show the processes of a container");
            c->add_option("container", *args, "CONTAINER [ps OPTIONS]")->required();
            c->callback([&g, args] { g.exit_code = do_top(g, (*args)[0]); });
        }
        {
            struct StatsFlags {
                bool all = false, no_stream = false, no_trunc = false;
                std::string format;
                std::vector<std::string> refs;
            };
            auto f = std::make_shared<StatsFlags>();
            auto* c = app->add_subcommand("stats", "live resource usage of containers");
            c->add_flag("-a,--all", f->all, "all containers (default: running)");
            c->add_flag("--no-stream", f->no_stream, "print one sample and exit");
            c->add_flag("--no-trunc", f->no_trunc, "do not truncate");
            c->add_option("--format", f->format, "json, table, or a template");
            c->add_option("containers", f->refs, "containers");
            c->callback([&g, f] { g.exit_code = do_stats(g, f->refs, f->all, f->no_stream, f->format); });
        }
        {
            auto args = std::make_shared<std::vector<std::string>>();
            auto* c = app->add_subcommand("cp", "copy files between a container and the host");
            c->add_option("paths", *args, "SRC DEST (one of them CONTAINER:PATH)")->required()->expected(2);
            c->callback([&g, args] { g.exit_code = do_cp(g, (*args)[0], (*args)[1]); });
        }
        {
            auto args = std::make_shared<std::vector<std::string>>();
            auto* c = app->add_subcommand("port", "list a container's published ports");
            c->add_option("container", *args, "CONTAINER [PORT]")->required();
            c->callback([&g, args] { g.exit_code = with_container(g, (*args)[0], [&](Engine& e, ContainerRef& c) {
                std::string filter = args->size() > 1 ? (*args)[1] : "";
                auto lines = port_lines(e.store.root(), c.rec, filter);
                if (lines.empty() && !filter.empty())
                    return report_error(fmt::format("Error: No public port '{}' published for {}",
                                                    filter.find('/') == std::string::npos ? filter + "/tcp" : filter,
                                                    (*args)[0]), 1);
                for (const auto& l : lines) fmt::print("{}\n", l);
                return 0;
            }); });
        }
    }
}

}  // namespace brig::cli
