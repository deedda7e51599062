// Shared by the container command files (container_cmds.cpp, container_info_cmds.cpp).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "cli/brig/commands.hpp"
#include "engine/engine.hpp"

namespace brig::cli {

Result<engine::Engine> open_engine(const Globals& g);

// One container a command works on: its record, and its lock when asked for.
struct ContainerRef {
    std::string id;
    std::optional<UniqueFd> lock;  // held while this lives (with_container's `lock`)
    engine::ContainerRecord rec;
};

// Resolves `ref` (id, id prefix or name), takes the container's lock when `lock`, and loads
// the record. Errors are docker's text: "No such container: <ref>".
inline Result<ContainerRef> find_container(const engine::Engine& e, const std::string& ref, bool lock = false) {
    auto id = e.store.resolve(ref);
    if (!id) return std::unexpected(id.error());
    ContainerRef c;
    c.id = *id;
    if (lock) {
        // A container removed while we waited for its lock is gone: the same error as never found.
        auto l = e.store.lock(*id);
        if (!l) return l.error().message.starts_with("No such container") ? fail("No such container: {}", ref)
                                                                           : std::unexpected(l.error());
        c.lock.emplace(std::move(*l));
    }
    auto rec = e.store.load(*id);
    if (!rec) return rec.error().message.starts_with("No such container") ? fail("No such container: {}", ref)
                                                                           : std::unexpected(rec.error());
    c.rec = std::move(*rec);
    return c;
}

struct WithContainer {
    bool lock = false;     // hold the container's lock while fn runs
    int missing_code = 1;  // exit code when the container does not exist (docker: 1; exec/attach: 125)
};

// The sequence most container commands start with: open the engine (error: exit 125), find
// the container (find_container; error "Error response from daemon: ...", exit
// opts.missing_code), then fn(engine, container), whose result is the exit code.
inline int with_container(const Globals& g, const std::string& ref,
                          const std::function<int(engine::Engine&, ContainerRef&)>& fn, WithContainer opts = {}) {
    auto e = open_engine(g);
    if (!e) return report_error(e.error().what(), 125);
    auto c = find_container(*e, ref, opts.lock);
    if (!c) return report_error(fmt::format("Error response from daemon: {}", c.error().message), opts.missing_code);
    return fn(*e, *c);
}

// The subcommand `name` of app, or nullptr (this CLI11 has no get_subcommand_no_throw).
inline CLI::App* find_subcommand(CLI::App& app, const std::string& name) {
    auto subs = app.get_subcommands([&](const CLI::App* a) { return a->get_name() == name; });
    return subs.empty() ? nullptr : subs.front();
}

// fn(engine, id) for each of `refs` (resolved), each error reported as docker's and the rest still
// done; echo prints each ref that succeeded. Exit code 1 when any failed, 125 without an engine.
inline int for_each_container(Globals& g, const std::vector<std::string>& refs,
                       const std::function<Result<void>(engine::Engine&, const std::string& id)>& fn, bool echo = true) {
    auto e = open_engine(g);
    if (!e) return report_error(e.error().what(), 125);
    int rc = 0;
    for (const auto& ref : refs) {
        auto id = e->store.resolve(ref);
        if (!id) {
            rc = report_error(fmt::format("Error response from daemon: {}", id.error().message), 1);
            continue;
        }
        if (auto r = fn(*e, *id); !r) {
            rc = report_error(fmt::format("Error response from daemon: {}", r.error().what()), 1);
            continue;
        }
        if (echo) fmt::print("{}\n", ref);
    }
    return rc;
}

void add_container_info_commands(CLI::App& top, CLI::App& group, Globals& globals);
void add_container_update_command(CLI::App& top, CLI::App& group, Globals& globals);  // update_cmds.cpp

}  // namespace brig::cli
