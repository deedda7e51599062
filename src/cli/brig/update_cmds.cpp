// `brig update [OPTIONS] CONTAINER...`: docker's flags -> engine::UpdateRequest.
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "cli/brig/container_shared.hpp"
#include "engine/flag_values.hpp"
#include "engine/update.hpp"

namespace brig::cli {
namespace {

struct UpdateFlags {
    std::vector<std::string> refs;
    std::string memory, memory_swap, cpus, cpuset_cpus, restart;
    int64_t cpu_shares = 0, pids_limit = 0;
};

Result<engine::UpdateRequest> request_of(const UpdateFlags& f, const CLI::App& c) {
    engine::UpdateRequest rq;
    auto given = [&c](const char* name) { return c.count(name) > 0; };
    for (auto [flag, text, out] : {std::tuple{"--memory", &f.memory, &rq.memory}, {"--memory-swap", &f.memory_swap, &rq.memory_swap}}) {
        if (!given(flag)) continue;
        auto m = engine::parse_memory_flag(flag, *text);
        if (!m) return std::unexpected(m.error());
        *out = *m;
    }
    if (given("--cpus")) {
        auto n = engine::parse_cpus(f.cpus);
        if (!n) return std::unexpected(n.error());
        rq.nano_cpus = *n;
    }
    if (given("--cpu-shares")) rq.cpu_shares = f.cpu_shares;
    if (given("--cpuset-cpus")) rq.cpuset_cpus = f.cpuset_cpus;
    if (given("--pids-limit")) rq.pids_limit = f.pids_limit;
    if (given("--restart")) {
        auto p = engine::parse_restart_policy(f.restart);
        if (!p) return std::unexpected(p.error());
        rq.restart = *p;
    }
    if (rq.empty()) return fail("you must provide one or more flags when using this command");
    return rq;
}

}  // namespace

void add_container_update_command(CLI::App& top, CLI::App& group, Globals& g) {
    for (CLI::App* app : {&top, &group}) {
        auto f = std::make_shared<UpdateFlags>();
        auto* c = app->add_subcommand("update", "change the resource limits or restart policy of containers");
        c->add_option("-m,--memory", f->memory, "memory limit (e.g. 512m)");
        c->add_option("--memory-swap", f->memory_swap, "memory plus swap limit (-1: unlimited)");
        c->add_option("--cpus", f->cpus, "number of CPUs (e.g. 1.5)");
        c->add_option("-c,--cpu-shares", f->cpu_shares, "CPU shares (relative weight)");
        c->add_option("--cpuset-cpus", f->cpuset_cpus, "CPUs to run on (0-3,5)");
        c->add_option("--pids-limit", f->pids_limit, "maximum number of processes (-1: unlimited)");
        c->add_option("--restart", f->restart, "restart policy (no, on-failure[:N], always, unless-stopped)");
        c->add_option("containers", f->refs, "containers")->required();
        c->callback([&g, f, c] {
            auto rq = request_of(*f, *c);
            if (!rq) {
                g.exit_code = report_error(rq.error().what(), 125);
                return;
            }
            g.exit_code = for_each_container(g, f->refs, [&rq](engine::Engine& e, const std::string& id) {
                engine::UpdateRequest one = *rq;
                one.id = id;
                return engine::update_container(e, one);
            });
        });
    }
}

}  // namespace brig::cli
