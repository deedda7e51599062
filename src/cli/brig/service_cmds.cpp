// brig system service [--time SECONDS] [URI]: the Docker Engine API on a unix socket
// (src/api), so docker's CLI, compose and the SDKs drive brig. Daemonless still: the service
// is a front end over the engine; containers keep running when it exits, and `brig` sees the
// same state at every moment.
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include <fmt/core.h>

#include "api/server.hpp"
#include "api/service.hpp"
#include "cli/brig/commands.hpp"
#include "cli/brig/container_shared.hpp"
#include "engine/rootless.hpp"

namespace brig::cli {

namespace {

std::string default_uri() {
    if (!engine::rootless::active()) return "unix:///run/brig/docker.sock";
    auto dir = engine::rootless::runtime_dir();  // $XDG_RUNTIME_DIR/brig
    return "unix://" + (dir ? *dir : fmt::format("/tmp/brig-run-{}", ::getuid())) + "/docker.sock";
}

int serve(Globals& g, const std::string& uri, int seconds) {
    // The engine must be usable before anyone connects (binaries found, root made).
    if (auto e = open_engine(g); !e) return report_error(e.error().what(), 125);
    std::vector<int> fds = api::systemd_listen_fds();
    std::string path;
    if (fds.empty()) {
        std::string u = uri.empty() ? default_uri() : uri;
        if (u.starts_with("tcp://"))
            return report_error("tcp:// is not supported yet: the socket is root-equivalent; use a unix socket", 125);
        if (!u.starts_with("unix://")) return report_error(fmt::format("unsupported URI {:?}: use unix:///PATH", u), 125);
        path = u.substr(7);
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
        auto fd = api::listen_unix(path, 0660);
        if (!fd) return report_error(fd.error().what(), 125);
        fds.push_back(*fd);
    }
    ::signal(SIGPIPE, SIG_IGN);
    api::Service svc{g.root, g.runtime, {}};
    api::Router router = api::make_router(svc);
    api::ServerOptions opts;
    opts.idle = std::chrono::seconds(seconds);
    if (g.debug) fmt::print(stderr, "brig: serving the Docker API on {}\n", path.empty() ? "systemd sockets" : path);
    auto r = api::serve(router, std::move(fds), opts);
    if (!path.empty()) ::unlink(path.c_str());
    if (!r) return report_error(r.error().what(), 125);
    return 0;
}

}  // namespace

void add_service_commands(CLI::App& app, Globals& globals) {
    CLI::App* system = find_subcommand(app, "system");
    if (system == nullptr) {
        system = app.add_subcommand("system", "manage brig: the Docker API service");
        system->require_subcommand(1);
    }
    struct Flags {
        int time = 5;
        std::string uri;
    };
    auto f = std::make_shared<Flags>();
    auto* c = system->add_subcommand("service", "serve the Docker Engine API (docker CLI, compose, SDKs) on a socket");
    c->add_option("-t,--time", f->time, "seconds idle before exiting (0: serve forever)")->capture_default_str();
    c->add_option("uri", f->uri, "unix:///PATH (default unix:///run/brig/docker.sock; rootless $XDG_RUNTIME_DIR/brig/docker.sock)");
    c->callback([&globals, f] { globals.exit_code = serve(globals, f->uri, f->time); });
}

}  // namespace brig::cli
