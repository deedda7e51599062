// The brig engine CLI: one CLI::App, each group of commands adds its subcommands from its own file.
// Adding a group: write `void add_<group>_commands(CLI::App&, Globals&)` in <group>_cmds.cpp, declare
// it here and call it from main.cpp. A subcommand's callback sets `globals.exit_code`.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace brig::cli {

struct Globals {
    std::string root = "/var/lib/brig";  // engine state: images, layers, containers, volumes, networks
    std::string runtime;                 // --runtime: an OCI runtime binary (default: brig-oci next to brig)
    bool debug = false;
    int exit_code = 0;
};

// Prints "brig: <message>" to stderr and returns the exit code to use.
int report_error(std::string_view message, int code = 1);

// docker's flags take one value each: a vector option must not swallow the words after it.
void one_value_per_flag(CLI::App& app);  // main.cpp

// A subcommand whose flags `add_flags` registers only once the command line selects it (from
// CLI11's pre-parse callback, before its arguments are read): registering every command's
// flags up front cost more than the rest of a `brig run` (callgrind: 8 M of 17 M instructions).
// `brig CMD --help` still lists them; `brig --help` needs only the name and description.
CLI::App* add_lazy_subcommand(CLI::App& parent, const std::string& name, const std::string& description,
                              std::function<void(CLI::App*)> add_flags);

void add_system_commands(CLI::App& app, Globals& globals);
void add_network_commands(CLI::App& app, Globals& globals);  // network_cmds.cpp
void add_registry_commands(CLI::App& app, Globals& globals);  // registry_cmds.cpp: pull push login logout
void add_container_commands(CLI::App& app, Globals& globals);  // container_cmds.cpp: run create start stop ps logs exec ...
void add_image_commands(CLI::App& app, Globals& globals);  // image_cmds.cpp: images rmi load save import tag image ...
void add_volume_commands(CLI::App& app, Globals& globals);  // volume_cmds.cpp: volume create ls inspect rm prune
void add_build_commands(CLI::App& app, Globals& globals);   // build_cmds.cpp: build
void add_service_commands(CLI::App& app, Globals& globals);  // service_cmds.cpp: system service (the Docker API)
void add_image_build_commands(CLI::App& app, Globals& globals);  // image_build_cmds.cpp: history diff commit export builder

}  // namespace brig::cli
