// brig version, brig info: the engine's version and a summary of the host and the engine's state.
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/core.h>

#include "cli/brig/commands.hpp"
#include "cli/brig/container_shared.hpp"
#include "engine/present.hpp"
#include "engine/rootless.hpp"

namespace brig::cli {

void add_system_commands(CLI::App& app, Globals& globals) {
    auto* version = app.add_subcommand("version", "show the brig version");
    version->callback([&globals] {
        fmt::print("brig version {}\n", BRIG_VERSION);
        globals.exit_code = 0;
    });

    auto format = std::make_shared<std::string>();
    auto* info = app.add_subcommand("info", "show system-wide information");
    info->add_option("-f,--format", *format, "json, or a template like {{.Containers}}");
    info->callback([&globals, format] {
        auto e = open_engine(globals);
        if (!e) {
            globals.exit_code = report_error(e.error().what(), 125);
            return;
        }
        int running = 0, paused = 0, stopped = 0, total = 0;
        for (const auto& id : e->store.ids()) {
            auto rec = e->store.load(id);
            if (!rec) continue;
            auto live = e->store.live_state(*rec);
            ++total;
            if (live.status == "paused") ++paused;
            else if (live.running()) ++running;
            else ++stopped;
        }
        struct utsname u {};
        ::uname(&u);
        struct sysinfo si {};
        ::sysinfo(&si);
        auto cg = engine::cgroup_info();
        const std::string& cgroup_version = cg.version;
        const std::string& cgroup_layout = cg.layout;
        nlohmann::ordered_json j = {
            {"ID", ""},
            {"Containers", total},
            {"ContainersRunning", running},
            {"ContainersPaused", paused},
            {"ContainersStopped", stopped},
            {"Driver", "overlay"},
            {"LoggingDriver", "json-file"},
            {"CgroupDriver", "cgroupfs"},
            {"CgroupVersion", cgroup_version},
            {"CgroupLayout", cgroup_layout},
            {"KernelVersion", u.release},
            {"OperatingSystem", "Linux"},
            {"OSType", "linux"},
            {"Architecture", u.machine},
            {"NCPU", ::sysconf(_SC_NPROCESSORS_ONLN)},
            {"MemTotal", static_cast<uint64_t>(si.totalram) * si.mem_unit},
            {"Name", u.nodename},
            {"DockerRootDir", globals.root},
            {"DefaultRuntime", e->runtime},
            {"ServerVersion", BRIG_VERSION},
            {"SecurityOptions", {"name=seccomp,profile=builtin"}},
            {"InitBinary", e->init_exe},
        };
        std::string no_cgroups;
        bool rootless = engine::rootless::active();
        if (rootless && !engine::rootless::cgroups_available(&no_cgroups)) j["CgroupDriver"] = "none";
        j["Rootless"] = rootless;
        if (rootless) j["RootlessCgroups"] = no_cgroups.empty() ? "available" : "none: " + no_cgroups;
        globals.exit_code = 0;
        if (*format == "json") {
            fmt::print("{}\n", j.dump());
            return;
        }
        if (!format->empty()) {
            fmt::print("{}\n", engine::render_template(*format, j));
            return;
        }
        fmt::print("Client: brig {}\n\nServer: (daemonless)\n", BRIG_VERSION);
        fmt::print(" Containers: {}\n  Running: {}\n  Paused: {}\n  Stopped: {}\n", total, running, paused, stopped);
        fmt::print(" Storage Driver: overlay\n Logging Driver: json-file\n Cgroup Driver: cgroupfs\n");
        fmt::print(" Cgroup Version: {} ({})\n Runtime: {}\n Init Binary: {}\n", cgroup_version, cgroup_layout,
                   e->runtime, e->init_exe);
        fmt::print(" Security Options:\n  seccomp\n   Profile: builtin\n{}", rootless ? "  rootless\n" : "");
        if (rootless) {
            std::string map = engine::rootless::uid_map_text();
            for (auto& c : map)
                if (c == '\n') c = ';';
            fmt::print(" Rootless: true (uid {}, id map {})\n", engine::rootless::host_uid(), map);
            if (!no_cgroups.empty()) fmt::print(" Cgroups: none ({}): resource limits are refused\n", no_cgroups);
        }
        fmt::print(" Kernel Version: {}\n Operating System: Linux\n Architecture: {}\n CPUs: {}\n",
                   u.release, u.machine, ::sysconf(_SC_NPROCESSORS_ONLN));
        fmt::print(" Total Memory: {}\n Name: {}\n Brig Root Dir: {}\n",
                   fmt::format("{:.4g}GiB", static_cast<double>(si.totalram) * si.mem_unit / (1 << 30)),
                   u.nodename, globals.root);
    });
}

}  // namespace brig::cli
