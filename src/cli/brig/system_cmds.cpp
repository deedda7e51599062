// brig version: the engine's version (more system commands, e.g. info, join here).
#include "cli/brig/commands.hpp"

#include <fmt/core.h>

namespace brig::cli {

void add_system_commands(CLI::App& app, Globals& globals) {
    auto* version = app.add_subcommand("version", "show the brig version");
    version->callback([&globals] {
        fmt::print("brig version {}\n", BRIG_VERSION);
        globals.exit_code = 0;
    });
}

}  // namespace brig::cli
