// brig: the engine a person types. Thin: parses the command line and calls the engine library.
#include "cli/brig/commands.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>

#include <unistd.h>

#include "engine/rootless.hpp"

namespace brig::cli {

int report_error(std::string_view message, int code) {
    fmt::print(stderr, "brig: {}\n", message);
    return code;
}

// docker's flags take one value each: `-p 8080:80 IMAGE CMD` must not read IMAGE and CMD as more
// ports. CLI11 lets a vector option swallow the words that follow it, so stop that everywhere.
void one_value_per_flag(CLI::App& app) {
    for (auto* opt : app.get_options([](CLI::Option* o) { return !o->get_positional() && o->get_type_size_max() > 0; }))
        opt->allow_extra_args(false);
    for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) one_value_per_flag(*sub);
}

CLI::App* add_lazy_subcommand(CLI::App& parent, const std::string& name, const std::string& description,
                              std::function<void(CLI::App*)> add_flags) {
    auto* c = parent.add_subcommand(name, description);
    c->preparse_callback([c, add = std::move(add_flags)](std::size_t) {
        add(c);
        one_value_per_flag(*c);
    });
    return c;
}

}  // namespace brig::cli

int main(int argc, char** argv) {
    using namespace brig::cli;
    Globals globals;
    // Rootless (engine/rootless.hpp): an unprivileged user joins its own user + mount namespace
    // first (single-threaded, before anything else) and keeps its state in its home.
    bool unprivileged = ::geteuid() != 0;
    if (unprivileged) globals.root = brig::engine::rootless::default_root();
    if (auto r = brig::engine::rootless::enter(); !r) return report_error(r.error().what(), 125);
    if (const char* root = std::getenv("BRIG_ROOT"); root != nullptr && *root != '\0') {
        globals.root = root;
    }

    CLI::App app{"brig: run containers from images, daemonless", "brig"};
    app.require_subcommand(1);
    app.fallthrough();  // global flags may follow the subcommand name, as docker allows
    app.add_option("--root", globals.root, "engine state directory (default /var/lib/brig; rootless: ~/.local/share/brig; or $BRIG_ROOT)");
    app.add_option("--runtime", globals.runtime, "OCI runtime binary to run containers with (default: brig-oci)");
    app.add_flag("--debug", globals.debug, "verbose diagnostics on stderr");

    add_system_commands(app, globals);
    add_network_commands(app, globals);
    add_registry_commands(app, globals);
    add_container_commands(app, globals);
    add_image_commands(app, globals);
    add_volume_commands(app, globals);
    add_build_commands(app, globals);
    add_service_commands(app, globals);
    add_image_build_commands(app, globals);
    one_value_per_flag(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return globals.exit_code;
}
