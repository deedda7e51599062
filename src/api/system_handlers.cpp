// GET/HEAD /_ping, GET /version, GET /info.
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "api/service.hpp"
#include "engine/rootless.hpp"
#include "image/store.hpp"

namespace brig::api {

using ojson = nlohmann::ordered_json;

namespace {

Response ping(const Request& req) {
    Response r;
    r.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Cache-Control", "no-cache, no-store, must-revalidate"},
                 {"Pragma", "no-cache"}, {"Builder-Version", "1"}};  // the classic builder (POST /build)
    if (req.method != "HEAD") r.body = "OK";
    return r;
}

ojson version_json() {
    utsname u{};
    ::uname(&u);
    std::string arch = u.machine;
    if (arch == "x86_64") arch = "amd64";
    else if (arch == "aarch64") arch = "arm64";
    ojson details = {{"ApiVersion", std::string(kApiVersion)}, {"Arch", arch}, {"BuildTime", ""},
                     {"Experimental", "false"}, {"GitCommit", ""}, {"GoVersion", "none (brig is C++)"},
                     {"KernelVersion", u.release}, {"MinAPIVersion", std::string(kMinApiVersion)}, {"Os", "linux"}};
    return {
        {"Platform", {{"Name", "brig"}}},
        {"Components", ojson::array({{{"Name", "Engine"}, {"Version", BRIG_VERSION}, {"Details", details}}})},
        {"Version", BRIG_VERSION},
        {"ApiVersion", std::string(kApiVersion)},
        {"MinAPIVersion", std::string(kMinApiVersion)},
        {"GitCommit", ""},
        {"GoVersion", "none (brig is C++)"},
        {"Os", "linux"},
        {"Arch", arch},
        {"KernelVersion", u.release},
        {"BuildTime", ""},
    };
}

Result<Response> info(const Service& s) {
    auto e = s.engine();
    if (!e) return std::unexpected(e.error());
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
    size_t images = 0;
    if (auto st = image::Store::open(s.root))
        if (auto list = st->list_images()) images = list->size();
    utsname u{};
    ::uname(&u);
    struct sysinfo si {};
    ::sysinfo(&si);
    auto cg = engine::cgroup_info();
    ojson j = {
        {"ID", ""},
        {"Containers", total},
        {"ContainersRunning", running},
        {"ContainersPaused", paused},
        {"ContainersStopped", stopped},
        {"Images", images},
        {"Driver", "overlay2"},
        {"DriverStatus", ojson::array()},
        {"Plugins", {{"Volume", {"local"}}, {"Network", {"bridge", "host", "none"}}, {"Authorization", nullptr},
                     {"Log", {"json-file"}}}},
        {"MemoryLimit", true},
        {"SwapLimit", true},
        {"CpuCfsPeriod", true},
        {"CpuCfsQuota", true},
        {"CPUShares", true},
        {"CPUSet", true},
        {"PidsLimit", true},
        {"IPv4Forwarding", true},
        {"Debug", false},
        {"NFd", 0},
        {"NGoroutines", 0},
        {"SystemTime", ""},
        {"LoggingDriver", "json-file"},
        {"CgroupDriver", "cgroupfs"},
        {"CgroupVersion", cg.version},
        {"NEventsListener", 0},
        {"KernelVersion", u.release},
        {"OperatingSystem", "Linux"},
        {"OSType", "linux"},
        {"Architecture", u.machine},
        {"NCPU", ::sysconf(_SC_NPROCESSORS_ONLN)},
        {"MemTotal", static_cast<uint64_t>(si.totalram) * si.mem_unit},
        {"IndexServerAddress", "https://index.docker.io/v1/"},
        {"RegistryConfig", {{"IndexConfigs", ojson::object()}, {"InsecureRegistryCIDRs", ojson::array()}, {"Mirrors", ojson::array()}}},
        {"DockerRootDir", s.root},
        {"HttpProxy", ""},
        {"HttpsProxy", ""},
        {"NoProxy", ""},
        {"Name", u.nodename},
        {"Labels", ojson::array()},
        {"ExperimentalBuild", false},
        {"ServerVersion", BRIG_VERSION},
        {"Runtimes", {{"brig-oci", {{"path", e->runtime}}}}},
        {"DefaultRuntime", "brig-oci"},
        {"Swarm", {{"NodeID", ""}, {"NodeAddr", ""}, {"LocalNodeState", "inactive"}, {"ControlAvailable", false},
                   {"Error", ""}, {"RemoteManagers", nullptr}}},
        {"LiveRestoreEnabled", true},
        {"Isolation", ""},
        {"InitBinary", e->init_exe},
        {"SecurityOptions", engine::rootless::active() ? ojson{"name=seccomp,profile=builtin", "name=rootless"}
                                                        : ojson{"name=seccomp,profile=builtin"}},
        {"Warnings", ojson::array()},
    };
    return Response::json(200, j);
}

}  // namespace

void add_system_routes(Router& r, Service& s) {
    r.add("GET", "/_ping", [](Request& req) -> Result<Response> { return ping(req); });
    r.add("HEAD", "/_ping", [](Request& req) -> Result<Response> { return ping(req); });
    r.add("GET", "/version", [](Request&) -> Result<Response> { return Response::json(200, version_json()); });
    r.add("GET", "/info", [&s](Request&) { return info(s); });
}

}  // namespace brig::api
