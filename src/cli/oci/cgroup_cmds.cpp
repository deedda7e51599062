#include "cli/oci/cgroup_cmds.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/oci/args.hpp"
#include "common/fd.hpp"
#include "common/units.hpp"
#include "linux/spawn.hpp"
#include "runtime/cgroup_ops.hpp"
#include "runtime/state.hpp"


namespace brig::cli {
namespace {

Result<std::string> need_id(const Parsed& p, std::string_view cmd, bool extra_allowed = false) {
    if (p.positional.empty()) return fail("{}: a container id is required (brig-oci {} ID)", cmd, cmd);
    if (!extra_allowed && p.positional.size() > 1) return fail("{}: too many arguments", cmd);
    return p.positional[0];
}

// `ps ARGS...`, stdout and stderr together (as runc reads it).
Result<std::string> run_ps(const std::vector<std::string>& args) {
    spawn::Options o;
    o.argv = {"ps"};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.search_path = true;
    spawn::Capture c;
    c.err = spawn::Capture::Err::merged;
    auto got = spawn::run_capture(std::move(o), c);
    if (!got) return std::unexpected(std::move(got.error()).context("ps"));
    std::string out = std::move(got->out);
    if (got->status != 0)
        return fail("ps: `ps` failed: {}", out.empty() ? fmt::format("exit status {}", got->status) : out);
    return out;
}

std::vector<std::string> fields(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

int cmd_ps(std::span<char* const> args, const runtime::StateStore& store,
           const std::function<int(const Error&)>& report) {
    static constexpr FlagDef defs[] = {{"format", "f", true}};
    auto p = parse_flags(args, defs, "ps");
    if (!p) return report(p.error());
    auto id = need_id(*p, "ps", true);
    if (!id) return report(id.error());
    std::string format = p->get("format", "table");
    if (format != "table" && format != "json")
        return report(Error{0, fmt::format("ps: invalid --format {:?} (table or json)", format)});
    auto pids = runtime::container_pids(store, *id);
    if (!pids) return report(pids.error());
    if (format == "json") {
        if (p->positional.size() > 1) return report(Error{0, "ps: ps options cannot be given with --format json"});
        fmt::print("{}\n", nlohmann::json(*pids).dump());
        return 0;
    }
    std::vector<std::string> ps_args(p->positional.begin() + 1, p->positional.end());
    if (ps_args.empty()) ps_args = {"-ef"};
    auto out = run_ps(ps_args);
    if (!out) return report(out.error());
    std::istringstream in(*out);
    std::string header;
    std::getline(in, header);
    auto head = fields(header);
    auto it = std::find(head.begin(), head.end(), "PID");
    if (it == head.end()) return report(Error{0, "ps: no PID column in the output of ps"});
    size_t col = static_cast<size_t>(it - head.begin());
    fmt::print("{}\n", header);
    for (std::string line; std::getline(in, line);) {
        auto f = fields(line);
        if (f.size() <= col) continue;
        char* end = nullptr;
        long pid = std::strtol(f[col].c_str(), &end, 10);
        if (*end != 0) continue;
        if (std::binary_search(pids->begin(), pids->end(), static_cast<pid_t>(pid))) fmt::print("{}\n", line);
    }
    return 0;
}

int cmd_update(std::span<char* const> args, const runtime::StateStore& store,
               const std::function<int(const Error&)>& report) {
    static constexpr FlagDef defs[] = {
        {"resources", "r", true},        {"blkio-weight", nullptr, true},   {"cpu-period", nullptr, true},
        {"cpu-quota", nullptr, true},    {"cpu-burst", nullptr, true},      {"cpu-share", nullptr, true},
        {"cpu-rt-period", nullptr, true}, {"cpu-rt-runtime", nullptr, true}, {"cpu-idle", nullptr, true},
        {"cpuset-cpus", nullptr, true},  {"cpuset-mems", nullptr, true},    {"memory", nullptr, true},
        {"memory-reservation", nullptr, true}, {"memory-swap", nullptr, true}, {"kernel-memory", nullptr, true},
        {"kernel-memory-tcp", nullptr, true}, {"pids-limit", nullptr, true}, {"l3-cache-schema", nullptr, true},
        {"mem-bw-schema", nullptr, true},
    };
    auto p = parse_flags(args, defs, "update");
    if (!p) return report(p.error());
    auto id = need_id(*p, "update");
    if (!id) return report(id.error());
    Result<runtime::ResourceUpdate> res;
    if (p->has("resources")) {
        // As runc: the JSON replaces the individual flags.
        res = runtime::load_resource_update(p->get("resources"));
    } else {
        std::map<std::string, std::string> flags;
        for (auto& [name, values] : p->values) flags[name] = values.back();
        if (flags.empty())
            return report(Error{0, "update: nothing to change (give --resources FILE or a limit such as --memory)"});
        res = runtime::resource_update_from_flags(flags);
    }
    if (!res) return report(std::move(res.error()).context("update"));
    if (auto r = runtime::update_container(store, *id, *res); !r) return report(r.error());
    return 0;
}

int cmd_events(std::span<char* const> args, const runtime::StateStore& store,
               const std::function<int(const Error&)>& report) {
    static constexpr FlagDef defs[] = {{"stats", nullptr, false}, {"interval", nullptr, true}};
    auto p = parse_flags(args, defs, "events");
    if (!p) return report(p.error());
    auto id = need_id(*p, "events");
    if (!id) return report(id.error());
    if (p->has("stats")) {
        auto line = runtime::container_stats(store, *id);
        if (!line) return report(line.error());
        fmt::print("{}\n", *line);
        return 0;
    }
    auto interval = parse_duration(p->get("interval", "5s"));
    if (!interval) return report(std::move(interval.error()).context("events: --interval"));
    if (interval->count() < 0) return report(Error{0, "events: --interval must not be negative"});
    auto every = std::chrono::duration_cast<std::chrono::milliseconds>(*interval);
    auto r = runtime::container_events(store, *id, every, [](const std::string& line) {
        fmt::print("{}\n", line);
        std::fflush(stdout);
    });
    if (!r) return report(r.error());
    return 0;
}

}  // namespace

std::optional<int> run_cgroup_command(const std::string& cmd, std::span<char* const> args, const std::string& root,
                                      const std::function<int(const brig::Error&)>& report) {
    runtime::StateStore store(root);
    if (cmd == "pause" || cmd == "resume") {
        auto p = parse_flags(args, {}, cmd);
        if (!p) return report(p.error());
        auto id = need_id(*p, cmd);
        if (!id) return report(id.error());
        auto r = cmd == "pause" ? runtime::pause_container(store, *id) : runtime::resume_container(store, *id);
        if (!r) return report(r.error());
        return 0;
    }
    if (cmd == "update") return cmd_update(args, store, report);
    if (cmd == "ps") return cmd_ps(args, store, report);
    if (cmd == "events") return cmd_events(args, store, report);
    return std::nullopt;
}

}  // namespace brig::cli
