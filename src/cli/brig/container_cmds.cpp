// Container lifecycle commands: run, create, start, stop, restart, kill, rm, wait, pause,
// unpause, rename, attach, exec, container prune. Registered at the top level and under
// `brig container`, as docker does. The work is in the brig_engine library.
#include <fstream>
#include <memory>
#include <tuple>

#include <fmt/core.h>

#include "cli/brig/commands.hpp"
#include "cli/brig/container_shared.hpp"
#include "common/strings.hpp"
#include "engine/attach_client.hpp"
#include "engine/create.hpp"
#include "engine/engine.hpp"
#include "engine/exec.hpp"
#include "engine/flag_values.hpp"
#include "engine/netwire.hpp"
#include "engine/prune.hpp"
#include "engine/volumes.hpp"
#include "image/inspect.hpp"

namespace brig::cli {

using namespace brig::engine;
using nlohmann::json;

Result<Engine> open_engine(const Globals& g) { return Engine::open(g.root, g.runtime); }

namespace {

struct RunFlags {
    bool rm = false, detach = false, interactive = false, tty = false, rootfs = false;
    std::vector<std::string> env, env_files, labels;
    std::string workdir, user, name, entrypoint, hostname;
    bool entrypoint_set = false;
    std::string memory, memory_swap, cpus, cpuset_cpus, restart = "no", log_driver = "json-file", network = "bridge";
    int64_t cpu_shares = 0, pids_limit = 0;
    std::vector<std::string> devices, cap_add, cap_drop, security_opt, tmpfs, ulimits, log_opts;
    bool read_only = false, init = false, privileged = false;
    std::string userns, cgroup_parent, stop_signal;
    std::vector<std::string> uidmaps, gidmaps;  // --uidmap/--gidmap (engine/usermap.hpp)
    int stop_timeout = -1;
    std::string health_cmd, health_interval, health_timeout, health_start_period;
    int health_retries = 0;
    bool no_healthcheck = false;
    std::vector<std::string> volumes, mounts, volumes_from;  // -v, --mount, --volumes-from
    // networking (engine/netwire.hpp)
    std::string ip, ip6, mac;
    std::vector<std::string> aliases, add_hosts, dns, dns_search, dns_options, publish;
    bool publish_all = false;
};

void add_run_flags(CLI::App* c, RunFlags& f, bool is_run) {
    c->set_help_flag("--help", "print this help");  // -h is --hostname, as in docker
    if (is_run) {
        c->add_flag("--rm", f.rm, "remove the container when it exits");
        c->add_flag("-d,--detach", f.detach, "run in the background and print the container id");
    } else {
        c->add_flag("--rm", f.rm, "remove the container when it exits");
    }
    c->add_flag("-i,--interactive", f.interactive, "keep stdin open");
    c->add_flag("-t,--tty", f.tty, "allocate a terminal");
    c->add_option("-e,--env", f.env, "set an environment variable (NAME=VALUE, or NAME from the caller)");
    c->add_option("--env-file", f.env_files, "read environment variables from a file");
    c->add_option("-w,--workdir", f.workdir, "working directory in the container");
    c->add_option("-u,--user", f.user, "user[:group] to run as (name or id)");
    c->add_option("--name", f.name, "the container's name");
    c->add_option("--entrypoint", f.entrypoint, "override the image's entrypoint")->each([&f](const std::string&) {
        f.entrypoint_set = true;
    });
    c->add_option("-h,--hostname", f.hostname, "the container's host name");
    c->add_option("-l,--label", f.labels, "set a label (KEY=VALUE)");
    c->add_flag("--rootfs", f.rootfs, "the first argument is a root file system directory, not an image");
    c->add_option("-m,--memory", f.memory, "memory limit (e.g. 512m)");
    c->add_option("--memory-swap", f.memory_swap, "memory plus swap limit (-1: unlimited)");
    c->add_option("--cpus", f.cpus, "number of CPUs (e.g. 1.5)");
    c->add_option("-c,--cpu-shares", f.cpu_shares, "relative CPU weight");
    c->add_option("--cpuset-cpus", f.cpuset_cpus, "CPUs to run on (0-3,5)");
    c->add_option("--pids-limit", f.pids_limit, "maximum number of processes (-1: unlimited)");
    c->add_option("--device", f.devices, "add a host device (HOST[:CONTAINER[:rwm]])");
    c->add_option("--cap-add", f.cap_add, "add a capability (or ALL)");
    c->add_option("--cap-drop", f.cap_drop, "drop a capability (or ALL)");
    c->add_option("--security-opt", f.security_opt, "seccomp=PROFILE|unconfined, no-new-privileges, apparmor=, label=");
    c->add_flag("--read-only", f.read_only, "mount the root file system read-only");
    c->add_option("--tmpfs", f.tmpfs, "mount a tmpfs (PATH[:OPTIONS])");
    c->add_option("--ulimit", f.ulimits, "resource limit (NAME=SOFT[:HARD])");
    c->add_flag("--init", f.init, "run a small init as pid 1 that reaps zombies and forwards signals");
    c->add_option("--userns", f.userns, "user namespace: host (default), auto or auto:size=N");
    c->add_option("--uidmap", f.uidmaps, "a uid mapping CONTAINER_ID:HOST_ID:AMOUNT (a user namespace of its own)");
    c->add_option("--gidmap", f.gidmaps, "a gid mapping CONTAINER_ID:HOST_ID:AMOUNT (default: as --uidmap)");
    c->add_flag("--privileged", f.privileged, "all capabilities, all devices, no seccomp or masked paths");
    c->add_option("--restart", f.restart, "restart policy: no, on-failure[:N], always, unless-stopped");
    c->add_option("--log-driver", f.log_driver, "json-file or none");
    c->add_option("--log-opt", f.log_opts, "max-size=SIZE, max-file=N");
    c->add_option("--network,--net", f.network, "bridge (default), a network's name, none, host or container:NAME|ID");
    c->add_option("--ip", f.ip, "IPv4 address on the network");
    c->add_option("--ip6", f.ip6, "IPv6 address on the network");
    c->add_option("--mac-address", f.mac, "MAC address of the container's interface");
    c->add_option("--network-alias,--net-alias", f.aliases, "another name of the container on a user-defined network");
    c->add_option("--add-host", f.add_hosts, "an /etc/hosts entry (NAME:IP)");
    c->add_option("--dns", f.dns, "a DNS server for /etc/resolv.conf");
    c->add_option("--dns-search", f.dns_search, "a DNS search domain");
    c->add_option("--dns-option", f.dns_options, "a resolv.conf option");
    c->add_option("-p,--publish", f.publish, "publish a port: [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]");
    c->add_flag("-P,--publish-all", f.publish_all, "publish the image's exposed ports on random host ports");
    c->add_option("--cgroup-parent", f.cgroup_parent, "absolute parent cgroup (default /brig)");
    c->add_option("--stop-signal", f.stop_signal, "signal that stops the container");
    c->add_option("--stop-timeout", f.stop_timeout, "seconds before stop kills the container");
    c->add_option("--health-cmd", f.health_cmd, "command that checks the container's health");
    c->add_option("--health-interval", f.health_interval, "time between health checks (30s)");
    c->add_option("--health-timeout", f.health_timeout, "maximum time for one check (30s)");
    c->add_option("--health-start-period", f.health_start_period, "start period during which failures do not count");
    c->add_option("--health-retries", f.health_retries, "failures in a row before unhealthy (3)");
    c->add_flag("--no-healthcheck", f.no_healthcheck, "disable the image's health check");
    c->add_option("-v,--volume", f.volumes, "mount a volume (NAME:PATH[:ro], /HOST:PATH[:ro] or PATH)")
        ->allow_extra_args(false);
    c->add_option("--volumes-from", f.volumes_from, "mount the volumes of another container (CONTAINER[:ro|:rw])")
        ->allow_extra_args(false);
    c->add_option("--mount", f.mounts, "mount: type=volume|bind|tmpfs,source=,target=,readonly")
        ->allow_extra_args(false);
    // IMAGE [COMMAND [ARG...]]: everything after the image belongs to the command.
    c->prefix_command();
    c->fallthrough(false);  // IMAGE/CONTAINER and the command stay here, not with the parent
    c->allow_extras();
}

Result<void> read_env_file(const std::string& path, std::vector<std::string>& out) {
    std::ifstream in(path);
    if (!in) return fail("open env file {}: No such file or directory", path);
    for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        size_t start = line.find_first_not_of(' ');
        if (start == std::string::npos || line[start] == '#') continue;
        line = line.substr(start);
        if (line.find('=') == std::string::npos) {
            const char* v = std::getenv(line.c_str());
            if (v == nullptr) continue;
            line += std::string("=") + v;
        }
        out.push_back(line);
    }
    return {};
}

Result<void> log_options(const std::vector<std::string>& opts, LogConfig& log) {
    for (const auto& o : opts) {
        auto eq = o.find('=');
        std::string k = o.substr(0, eq), v = eq == std::string::npos ? "" : o.substr(eq + 1);
        if (k == "max-size") {
            auto s = parse_size(v);
            if (!s || *s <= 0) return fail("invalid --log-opt max-size={}", v);
            log.max_size = static_cast<uint64_t>(*s);
        } else if (k == "max-file") {
            int n = std::atoi(v.c_str());
            if (n < 1) return fail("invalid --log-opt max-file={}: must be a number >= 1", v);
            log.max_file = n;
        } else {
            return fail("unknown --log-opt {:?}: use max-size or max-file", k);
        }
    }
    return {};
}

// The resource flags: sizes, cpus, devices, ulimits, tmpfs.
Result<void> resource_flags(const RunFlags& f, HostConfig& hc) {
    for (auto [flag, text, out] : {std::tuple{"--memory", &f.memory, &hc.memory}, {"--memory-swap", &f.memory_swap, &hc.memory_swap}}) {
        if (text->empty()) continue;
        auto m = parse_memory_flag(flag, *text);
        if (!m) return std::unexpected(m.error());
        *out = *m;
    }
    if (!f.cpus.empty()) {
        auto n = parse_cpus(f.cpus);
        if (!n) return std::unexpected(n.error());
        hc.nano_cpus = *n;
    }
    hc.cpu_shares = f.cpu_shares;
    hc.cpuset_cpus = f.cpuset_cpus;
    hc.pids_limit = f.pids_limit;
    for (const auto& d : f.devices) {
        auto dev = parse_device(d);
        if (!dev) return std::unexpected(dev.error());
        hc.devices.push_back(*dev);
    }
    for (const auto& t : f.tmpfs) {
        auto [path, opts] = parse_tmpfs(t);
        if (path.empty() || path[0] != '/') return fail("invalid --tmpfs {:?}: the path must be absolute", t);
        hc.tmpfs[path] = opts;
    }
    for (const auto& u : f.ulimits) {
        auto l = parse_ulimit(u);
        if (!l) return std::unexpected(l.error());
        hc.ulimits.push_back(*l);
    }
    return {};
}

Result<std::optional<Healthcheck>> health_flags(const RunFlags& f) {
    if (f.health_cmd.empty() || f.no_healthcheck) return std::nullopt;
    Healthcheck h;
    h.test = {"CMD-SHELL", f.health_cmd};
    auto dur = [](const std::string& s, int64_t& out, const char* flag) -> Result<void> {
        if (s.empty()) return {};
        auto d = parse_duration(s);
        if (!d) return fail("invalid {} {:?}: {}", flag, s, d.error().message);
        if (d->count() <= 0) return fail("invalid {} {:?}: must be positive", flag, s);
        out = d->count();
        return {};
    };
    if (auto r = dur(f.health_interval, h.interval_ns, "--health-interval"); !r) return std::unexpected(r.error());
    if (auto r = dur(f.health_timeout, h.timeout_ns, "--health-timeout"); !r) return std::unexpected(r.error());
    if (auto r = dur(f.health_start_period, h.start_period_ns, "--health-start-period"); !r)
        return std::unexpected(r.error());
    if (f.health_retries > 0) h.retries = f.health_retries;
    return h;
}

// The create request of `run`/`create`: flags turned into values; the engine checks and does the rest.
Result<CreateRequest> request_from_flags(const RunFlags& f, std::vector<std::string> args) {
    if (args.empty()) return fail("\"run\" requires at least 1 argument: brig run [OPTIONS] IMAGE [COMMAND] [ARG...]");
    CreateRequest rq;
    rq.name = f.name;
    rq.image = args[0];
    rq.rootfs_dir = f.rootfs;
    rq.cmd.assign(args.begin() + 1, args.end());
    if (f.entrypoint_set)
        rq.entrypoint = f.entrypoint.empty() ? std::vector<std::string>{} : std::vector<std::string>{f.entrypoint};
    for (const auto& p : f.env_files)
        if (auto r = read_env_file(p, rq.env); !r) return std::unexpected(r.error());
    for (const auto& e : f.env) {
        if (e.find('=') != std::string::npos) rq.env.push_back(e);
        else if (const char* v = std::getenv(e.c_str())) rq.env.push_back(e + "=" + v);
    }
    rq.workdir = f.workdir;
    rq.user = f.user;
    rq.hostname = f.hostname;
    rq.labels = key_value_map(f.labels);
    rq.stop_signal = f.stop_signal;
    if (f.stop_timeout >= 0) rq.stop_timeout = f.stop_timeout;
    rq.tty = f.tty;
    rq.open_stdin = f.interactive;
    auto health = health_flags(f);
    if (!health) return std::unexpected(health.error());
    rq.health = *health;

    HostConfig& hc = rq.host;
    hc.auto_remove = f.rm;
    hc.init = f.init;
    hc.read_only = f.read_only;
    hc.privileged = f.privileged;
    hc.network_mode = f.network;
    hc.cgroup_parent = f.cgroup_parent;
    auto policy = parse_restart_policy(f.restart);
    if (!policy) return std::unexpected(policy.error());
    hc.restart = *policy;
    hc.log.driver = f.log_driver;
    if (auto r = log_options(f.log_opts, hc.log); !r) return std::unexpected(r.error());
    if (auto r = resource_flags(f, hc); !r) return std::unexpected(r.error());
    hc.cap_add = f.cap_add;
    hc.cap_drop = f.cap_drop;
    hc.security_opt = f.security_opt;
    hc.userns_mode = f.userns;
    hc.uid_maps = f.uidmaps;
    hc.gid_maps = f.gidmaps;
    hc.binds = f.volumes;
    for (const auto& m : f.mounts) {
        auto mm = volumes::parse_mount_flag(m);
        if (!mm) return std::unexpected(mm.error());
        hc.mounts.push_back(std::move(*mm));
    }
    hc.volumes_from = f.volumes_from;
    hc.extra_hosts = f.add_hosts;
    hc.dns = f.dns;
    hc.dns_search = f.dns_search;
    hc.dns_options = f.dns_options;
    auto ports = parse_publish(f.publish);
    if (!ports) return std::unexpected(ports.error());
    hc.port_bindings = std::move(*ports);
    hc.publish_all_ports = f.publish_all;
    rq.endpoint = {f.ip, f.ip6, f.mac, f.aliases};
    return rq;
}

// Foreground: stream the container until it exits; returns its exit code.
int attach_and_wait(Engine& e, const ContainerRecord& rec, UniqueFd sock, bool remove) {
    AttachOptions ao;
    ao.tty = rec.tty;
    ao.stdin_open = rec.open_stdin;
    int code = attach_pump(sock.get(), ao);
    sock.reset();
    if (code < 0) {
        auto w = wait_container(e, rec.id);
        code = w ? *w : 125;
    }
    if (remove) (void)remove_container(e, {.id = rec.id, .force = true});
    return code;
}

int do_run(Globals& g, const RunFlags& f, const std::vector<std::string>& args, bool start) {
    auto e = open_engine(g);
    if (!e) return report_error(e.error().what(), 125);
    auto rq = request_from_flags(f, args);
    if (!rq) return report_error(rq.error().what(), 125);
    auto rec = create_container(*e, *rq);
    if (!rec) return report_error(rec.error().what(), 125);
    if (!start) {
        fmt::print("{}\n", rec->id);
        return 0;
    }
    bool attach = !f.detach;
    auto sock = start_container(*e, {.id = rec->id, .attach = attach});
    if (!sock) {
        int code = start_error_exit_code(sock.error().message);
        // docker removes an --rm container that failed to start.
        if (rec->host.auto_remove) (void)remove_container(*e, {.id = rec->id, .force = true});
        return report_error(sock.error().what(), code);
    }
    if (!attach) {
        fmt::print("{}\n", rec->id);
        return 0;
    }
    return attach_and_wait(*e, *rec, std::move(*sock), rec->host.auto_remove);
}

// Resolves each reference and runs fn; prints what docker prints; returns the exit code.
int do_exec(Globals& g, bool interactive, bool tty, bool detach, bool privileged, const std::vector<std::string>& env,
            const std::string& user, const std::string& workdir, const std::vector<std::string>& args) {
    if (args.size() < 2) return report_error("\"exec\" requires at least 2 arguments: brig exec [OPTIONS] CONTAINER COMMAND [ARG...]", 125);
    return with_container(g, args[0], [&](Engine& e, ContainerRef& c) {
        ExecRequest rq{c.id, {args.begin() + 1, args.end()}, {}, user, workdir, tty, interactive, detach, privileged};
        for (const auto& kv : env) {
            if (kv.find('=') != std::string::npos) rq.env.push_back(kv);
            else if (const char* v = std::getenv(kv.c_str())) rq.env.push_back(kv + "=" + v);
        }
        auto code = exec_container(e, rq);
        if (!code) {
            const auto& err = code.error();
            if (err.shown) return err.exit_code;  // the runtime printed it on our stderr
            return report_error(err.exit_code == 125 ? fmt::format("Error response from daemon: {}", err.message) : err.message,
                                err.exit_code);
        }
        return *code;
    }, {.missing_code = 125});
}

void register_lifecycle(CLI::App& app, Globals& g, bool in_group) {
    {
        auto f = std::make_shared<RunFlags>();
        auto* c = add_lazy_subcommand(app, "run", "create and start a container from an image", [f](CLI::App* c) { add_run_flags(c, *f, true); });
        c->callback([&g, f, c] { g.exit_code = do_run(g, *f, c->remaining(), true); });
    }
    {
        auto f = std::make_shared<RunFlags>();
        auto* c = add_lazy_subcommand(app, "create", "create a container without starting it", [f](CLI::App* c) { add_run_flags(c, *f, false); });
        c->callback([&g, f, c] { g.exit_code = do_run(g, *f, c->remaining(), false); });
    }
    {
        auto refs = std::make_shared<std::vector<std::string>>();
        auto attach = std::make_shared<bool>(false);
        auto interactive = std::make_shared<bool>(false);
        auto* c = app.add_subcommand("start", "start one or more stopped containers");
        c->add_flag("-a,--attach", *attach, "attach stdout/stderr and wait for the exit");
        c->add_flag("-i,--interactive", *interactive, "attach stdin");
        c->add_option("containers", *refs, "containers")->required();
        c->callback([&g, refs, attach] {
            if (!*attach) {
                g.exit_code = for_each_container(g, *refs, [](Engine& e, const std::string& id) -> Result<void> {
                    auto r = start_container(e, {.id = id});
                    if (!r) return std::unexpected(r.error());
                    return {};
                });
                return;
            }
            if (refs->size() != 1) {
                g.exit_code = report_error("you cannot start and attach multiple containers at once", 125);
                return;
            }
            g.exit_code = with_container(g, (*refs)[0], [](Engine& e, ContainerRef& c) {
                auto sock = start_container(e, {.id = c.id, .attach = true});
                if (!sock) return report_error(sock.error().what(), start_error_exit_code(sock.error().message));
                return attach_and_wait(e, c.rec, std::move(*sock), c.rec.host.auto_remove);
            }, {.missing_code = 125});
        });
    }
    {
        auto refs = std::make_shared<std::vector<std::string>>();
        auto timeout = std::make_shared<int>(-1);
        auto* c = app.add_subcommand("stop", "stop running containers (stop signal, then SIGKILL)");
        c->add_option("-t,--time,--timeout", *timeout, "seconds to wait before killing");
        c->add_option("containers", *refs, "containers")->required();
        c->callback([&g, refs, timeout] {
            g.exit_code = for_each_container(g, *refs, [timeout](Engine& e, const std::string& id) {
                return stop_container(e, {.id = id, .timeout = *timeout >= 0 ? std::optional<int>(*timeout) : std::nullopt});
            });
        });
    }
    {
        auto refs = std::make_shared<std::vector<std::string>>();
        auto timeout = std::make_shared<int>(-1);
        auto* c = app.add_subcommand("restart", "restart containers");
        c->add_option("-t,--time,--timeout", *timeout, "seconds to wait before killing");
        c->add_option("containers", *refs, "containers")->required();
        c->callback([&g, refs, timeout] {
            g.exit_code = for_each_container(g, *refs, [timeout](Engine& e, const std::string& id) -> Result<void> {
                if (auto r = stop_container(e, {.id = id, .timeout = *timeout >= 0 ? std::optional<int>(*timeout) : std::nullopt}); !r)
                    return r;
                auto s = start_container(e, {.id = id});
                if (!s) return std::unexpected(s.error());
                return {};
            });
        });
    }
    {
        auto refs = std::make_shared<std::vector<std::string>>();
        auto sig = std::make_shared<std::string>("KILL");
        auto* c = app.add_subcommand("kill", "send a signal to containers (default SIGKILL)");
        c->add_option("-s,--signal", *sig, "signal to send");
        c->add_option("containers", *refs, "containers")->required();
        c->callback([&g, refs, sig] {
            g.exit_code = for_each_container(g, *refs, [sig](Engine& e, const std::string& id) {
                return kill_container(e, {.id = id, .signal = *sig});
            });
        });
    }
    {
        auto refs = std::make_shared<std::vector<std::string>>();
        auto force = std::make_shared<bool>(false);
        auto volumes = std::make_shared<bool>(false);
        auto* c = app.add_subcommand(in_group ? "rm" : "rm", "remove containers");
        if (in_group) c->alias("remove");
        c->add_flag("-f,--force", *force, "kill and remove a running container");
        c->add_flag("-v,--volumes", *volumes, "remove anonymous volumes too");
        c->add_option("containers", *refs, "containers")->required();
        c->callback([&g, refs, force, volumes] {
            g.exit_code = for_each_container(g, *refs, [force, volumes](Engine& e, const std::string& id) -> Result<void> {
                return remove_container(e, {.id = id, .force = *force, .volumes = *volumes});
            });
        });
    }
    {
        auto refs = std::make_shared<std::vector<std::string>>();
        auto* c = app.add_subcommand("wait", "block until containers stop, then print their exit codes");
        c->add_option("containers", *refs, "containers")->required();
        c->callback([&g, refs] {
            g.exit_code = for_each_container(
                g, *refs,
                [](Engine& e, const std::string& id) -> Result<void> {
                    auto code = wait_container(e, id);
                    if (!code) return std::unexpected(code.error());
                    fmt::print("{}\n", *code);
                    std::fflush(stdout);
                    return {};
                },
                false);
        });
    }
    for (bool pause : {true, false}) {
        auto refs = std::make_shared<std::vector<std::string>>();
        auto* c = app.add_subcommand(pause ? "pause" : "unpause",
                                     pause ? "pause all processes of containers" : "resume paused containers");
        c->add_option("containers", *refs, "containers")->required();
        c->callback([&g, refs, pause] {
            g.exit_code = for_each_container(g, *refs, [pause](Engine& e, const std::string& id) {
                return pause_container(e, {.id = id, .pause = pause});
            });
        });
    }
    {
        auto args = std::make_shared<std::vector<std::string>>();
        auto* c = app.add_subcommand("rename", "rename a container");
        c->add_option("names", *args, "CONTAINER NEW_NAME")->required()->expected(2);
        c->callback([&g, args] {
            g.exit_code = with_container(g, (*args)[0], [&](Engine& e, ContainerRef& c) {
                if (auto r = rename_container(e, {.id = c.id, .name = (*args)[1]}); !r)
                    return report_error(fmt::format("Error response from daemon: {}", r.error().what()), 1);
                return 0;
            });
        });
    }
    {
        auto ref = std::make_shared<std::string>();
        auto no_stdin = std::make_shared<bool>(false);
        auto sig_proxy = std::make_shared<bool>(true);
        auto* c = app.add_subcommand("attach", "attach to a running container's stdio");
        c->add_flag("--no-stdin", *no_stdin, "do not attach stdin");
        c->add_flag("--sig-proxy,!--no-sig-proxy", *sig_proxy, "proxy signals to the container");
        c->add_option("container", *ref, "container")->required();
        c->callback([&g, ref, no_stdin, sig_proxy] {
            g.exit_code = with_container(g, *ref, [&](Engine& e, ContainerRef& c) {
                auto sock = attach_container(e, c.id);
                if (!sock) return report_error(sock.error().what(), 125);
                AttachOptions ao;
                ao.tty = c.rec.tty;
                ao.stdin_open = c.rec.open_stdin && !*no_stdin;
                ao.sig_proxy = *sig_proxy;
                int code = attach_pump(sock->get(), ao);
                return code < 0 ? 0 : code;
            }, {.missing_code = 125});
        });
    }
    {
        struct ExecFlags {
            bool interactive = false, tty = false, detach = false, privileged = false;
            std::vector<std::string> env;
            std::string user, workdir;
        };
        auto f = std::make_shared<ExecFlags>();
        auto* c = app.add_subcommand("exec", "run a command in a running container");
        c->add_flag("-i,--interactive", f->interactive, "keep stdin open");
        c->add_flag("-t,--tty", f->tty, "allocate a terminal");
        c->add_flag("-d,--detach", f->detach, "run the command in the background");
        c->add_flag("--privileged", f->privileged, "every capability brig can grant");
        c->add_option("-e,--env", f->env, "set an environment variable");
        c->add_option("-u,--user", f->user, "user[:group]");
        c->add_option("-w,--workdir", f->workdir, "working directory");
        c->prefix_command();
    c->fallthrough(false);  // IMAGE/CONTAINER and the command stay here, not with the parent
    c->allow_extras();
        c->callback([&g, f, c] {
            g.exit_code = do_exec(g, f->interactive, f->tty, f->detach, f->privileged, f->env, f->user, f->workdir, c->remaining());
        });
    }
}

}  // namespace

void add_container_commands(CLI::App& app, Globals& globals) {
    register_lifecycle(app, globals, false);
    auto* group = find_subcommand(app, "container");
    if (group == nullptr) {
        group = app.add_subcommand("container", "manage containers");
        group->require_subcommand(1);
    }
    register_lifecycle(*group, globals, true);
    auto force = std::make_shared<bool>(false);
    auto* prune = group->add_subcommand("prune", "remove all stopped containers");
    prune->add_flag("-f,--force", *force, "do not ask for confirmation");
    prune->callback([&globals] {
        auto e = open_engine(globals);
        if (!e) {
            globals.exit_code = report_error(e.error().what(), 125);
            return;
        }
        auto r = prune_containers(*e);
        fmt::print("Deleted Containers:\n");
        for (const auto& id : r.deleted) fmt::print("{}\n", id);
        fmt::print("\nTotal reclaimed space: {}\n", image::human_size(static_cast<int64_t>(r.bytes)));
        globals.exit_code = 0;
    });
    add_container_info_commands(app, *group, globals);
    add_container_update_command(app, *group, globals);
}

}  // namespace brig::cli
