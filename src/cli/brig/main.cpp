// brig: the engine a person types. Thin: parses the command line and calls the engine library.
#include "cli/brig/commands.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>

namespace brig::cli {

int report_error(std::string_view message, int code) {
    fmt::print(stderr, "brig: {}\n", message);
    return code;
}

}  // namespace brig::cli

int main(int argc, char** argv) {
    using namespace brig::cli;
    Globals globals;
    if (const char* root = std::getenv("BRIG_ROOT"); root != nullptr && *root != '\0') {
        globals.root = root;
    }

    CLI::App app{"brig: run containers from images, daemonless", "brig"};
    app.require_subcommand(1);
    app.fallthrough();  // global flags may follow the subcommand name, as docker allows
    app.add_option("--root", globals.root, "engine state directory (default /var/lib/brig, or $BRIG_ROOT)");
    app.add_option("--runtime", globals.runtime, "OCI runtime binary to run containers with (default: brig-oci)");
    app.add_flag("--debug", globals.debug, "verbose diagnostics on stderr");

    add_system_commands(app, globals);
    add_network_commands(app, globals);
    add_registry_commands(app, globals);
    add_container_commands(app, globals);
    add_image_commands(app, globals);
    add_volume_commands(app, globals);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return globals.exit_code;
}
