// The brig engine CLI: one CLI::App, each group of commands adds its subcommands from its own file.
// Adding a group: write `void add_<group>_commands(CLI::App&, Globals&)` in <group>_cmds.cpp, declare
// it here and call it from main.cpp. A subcommand's callback sets `globals.exit_code`.
#pragma once

#include <CLI/CLI.hpp>

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

void add_system_commands(CLI::App& app, Globals& globals);

}  // namespace brig::cli
