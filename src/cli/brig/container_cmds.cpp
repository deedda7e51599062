// Container lifecycle commands: run, create, start, stop, restart, kill, rm, wait, pause,
// unpause, rename, attach, exec, container prune. Registered at the top level and under
// `brig container`, as docker does. The work is in the brig_engine library.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <memory>

#include <fmt/core.h>

#include "cli/brig/commands.hpp"
#include "cli/brig/container_shared.hpp"
#include "engine/attach_client.hpp"
#include "engine/engine.hpp"
#include "common/scope.hpp"
#include "engine/spec.hpp"
#include "engine/userns.hpp"
#include "network/network.hpp"
#include "runtime/container.hpp"

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
    std::vector<std::string> uidmaps, gidmaps;  // --uidmap/--gidmap (engine/userns.hpp)
    int stop_timeout = -1;
    std::string health_cmd, health_interval, health_timeout, health_start_period;
    int health_retries = 0;
    bool no_healthcheck = false;
    std::vector<std::string> volumes, mounts, volumes_from, created_volumes;  // -v, --mount; volumes made by this run
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

void set_env(std::vector<std::string>& env, const std::string& kv) {
    auto key = kv.substr(0, kv.find('='));
    std::erase_if(env, [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    env.push_back(kv);
}

// Builds the record from the flags and the image (or --rootfs directory).
Result<ContainerRecord> record_from_flags(const Globals& g, RunFlags& f, std::vector<std::string> args) {
    if (args.empty()) return fail("\"run\" requires at least 1 argument: brig run [OPTIONS] IMAGE [COMMAND] [ARG...]");
    ContainerRecord rec;
    rec.name = f.name;
    std::string image = args[0];
    args.erase(args.begin());
    rec.id = random_hex(32);
    auto img = resolve_image(g, image, f.rootfs, rec.id);
    if (!img) return std::unexpected(img.error());
    rec.rootfs_managed = img->managed;
    // Any error from here on must undo the prepared root file system.
    ScopeGuard undo([&] { release_image_rootfs(g, rec); });
    rec.image = img->name;
    rec.image_id = img->id;
    rec.rootfs = img->rootfs;
    rec.rootfs_managed = img->managed;
    rec.entrypoint = img->entrypoint;
    rec.cmd = img->cmd;
    rec.env = img->env;
    rec.workdir = img->workdir;
    rec.user = img->user;
    if (!img->stop_signal.empty()) rec.stop_signal = img->stop_signal;
    if (f.entrypoint_set) {
        rec.entrypoint = f.entrypoint.empty() ? std::vector<std::string>{} : std::vector<std::string>{f.entrypoint};
        rec.cmd.clear();
    }
    if (!args.empty()) rec.cmd = args;
    if (rec.process_args().empty()) return fail("no command specified: the image has no Cmd or Entrypoint");

    std::vector<std::string> env_from_files;
    for (const auto& p : f.env_files)
        if (auto r = read_env_file(p, env_from_files); !r) return std::unexpected(r.error());
    for (const auto& e : env_from_files) set_env(rec.env, e);
    for (const auto& e : f.env) {
        if (e.find('=') != std::string::npos) {
            set_env(rec.env, e);
        } else if (const char* v = std::getenv(e.c_str())) {
            set_env(rec.env, e + "=" + v);
        }
    }
    if (!f.workdir.empty()) {
        if (f.workdir[0] != '/') return fail("the working directory {:?} is invalid: it must be absolute", f.workdir);
        rec.workdir = f.workdir;
    }
    if (!f.user.empty()) rec.user = f.user;
    rec.hostname = f.hostname;
    for (const auto& l : f.labels) {
        auto eq = l.find('=');
        rec.labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
    }
    if (!f.stop_signal.empty()) rec.stop_signal = f.stop_signal;
    if (!brig::runtime::parse_signal(rec.stop_signal)) return fail("invalid stop signal {:?}", rec.stop_signal);
    if (f.stop_timeout >= 0) rec.stop_timeout = f.stop_timeout;
    rec.tty = f.tty;
    rec.open_stdin = f.interactive;
    rec.auto_remove = f.rm;
    rec.init = f.init;
    rec.read_only = f.read_only;
    rec.privileged = f.privileged;
    if (auto m = brig::network::parse_network_mode(f.network); !m) return fail("invalid --network {:?}: {}", f.network, m.error().message);
    rec.network_mode = f.network;
    rec.cgroup_parent = f.cgroup_parent.empty() ? "/brig" : f.cgroup_parent;
    if (rec.cgroup_parent[0] != '/') return fail("--cgroup-parent {:?} must be an absolute path", rec.cgroup_parent);
    while (rec.cgroup_parent.size() > 1 && rec.cgroup_parent.back() == '/') rec.cgroup_parent.pop_back();
    auto policy = parse_restart_policy(f.restart);
    if (!policy) return std::unexpected(policy.error());
    rec.restart = *policy;
    if (rec.auto_remove && rec.restart.name != "no")
        return fail("conflicting options: cannot specify both --restart and --rm");
    if (f.log_driver != "json-file" && f.log_driver != "none")
        return fail("invalid --log-driver {:?}: use json-file or none", f.log_driver);
    rec.log.driver = f.log_driver;
    for (const auto& o : f.log_opts) {
        auto eq = o.find('=');
        std::string k = o.substr(0, eq), v = eq == std::string::npos ? "" : o.substr(eq + 1);
        if (k == "max-size") {
            auto s = parse_size(v);
            if (!s || *s <= 0) return fail("invalid --log-opt max-size={}", v);
            rec.log.max_size = static_cast<uint64_t>(*s);
        } else if (k == "max-file") {
            int n = std::atoi(v.c_str());
            if (n < 1) return fail("invalid --log-opt max-file={}: must be a number >= 1", v);
            rec.log.max_file = n;
        } else {
            return fail("unknown --log-opt {:?}: use max-size or max-file", k);
        }
    }

    json hc = json::object();
    if (!f.memory.empty()) {
        auto m = parse_size(f.memory);
        if (!m) return fail("invalid --memory: {}", m.error().message);
        if (*m < 6 * 1024 * 1024) return fail("--memory {}: the minimum memory limit is 6MB", f.memory);
        hc["Memory"] = *m;
    }
    if (!f.memory_swap.empty()) {
        if (f.memory_swap == "-1") {
            hc["MemorySwap"] = -1;
        } else {
            auto m = parse_size(f.memory_swap);
            if (!m) return fail("invalid --memory-swap: {}", m.error().message);
            if (hc.contains("Memory") && *m < hc["Memory"].get<int64_t>())
                return fail("--memory-swap must be at least --memory");
            hc["MemorySwap"] = *m;
        }
    }
    if (!f.cpus.empty()) {
        auto n = parse_cpus(f.cpus);
        if (!n) return std::unexpected(n.error());
        hc["NanoCpus"] = *n;
    }
    if (f.cpu_shares) hc["CpuShares"] = f.cpu_shares;
    if (!f.cpuset_cpus.empty()) hc["CpusetCpus"] = f.cpuset_cpus;
    if (f.pids_limit) hc["PidsLimit"] = f.pids_limit;
    json devices = json::array();
    for (const auto& d : f.devices) {
        auto dev = parse_device(d);
        if (!dev) return std::unexpected(dev.error());
        devices.push_back(*dev);
    }
    if (!devices.empty()) hc["Devices"] = devices;
    if (!f.cap_add.empty()) hc["CapAdd"] = f.cap_add;
    if (!f.cap_drop.empty()) hc["CapDrop"] = f.cap_drop;
    if (!f.security_opt.empty()) hc["SecurityOpt"] = f.security_opt;
    json tmpfs = json::object();
    for (const auto& t : f.tmpfs) {
        auto [path, opts] = parse_tmpfs(t);
        if (path.empty() || path[0] != '/') return fail("invalid --tmpfs {:?}: the path must be absolute", t);
        tmpfs[path] = opts;
    }
    if (!tmpfs.empty()) hc["Tmpfs"] = tmpfs;
    json ulimits = json::array();
    for (const auto& u : f.ulimits) {
        auto l = parse_ulimit(u);
        if (!l) return std::unexpected(l.error());
        ulimits.push_back(*l);
    }
    if (!ulimits.empty()) hc["Ulimits"] = ulimits;
    if (auto r = engine::usermap::parse_flags(f.userns, f.uidmaps, f.gidmaps, hc); !r) return std::unexpected(r.error());
    if (!f.ip.empty()) hc["IPv4Address"] = f.ip;
    if (!f.ip6.empty()) hc["IPv6Address"] = f.ip6;
    if (!f.mac.empty()) hc["MacAddress"] = f.mac;
    if (!f.aliases.empty()) hc["NetworkAliases"] = f.aliases;
    if (!f.add_hosts.empty()) hc["ExtraHosts"] = f.add_hosts;
    if (!f.dns.empty()) hc["Dns"] = f.dns;
    if (!f.dns_search.empty()) hc["DnsSearch"] = f.dns_search;
    if (!f.dns_options.empty()) hc["DnsOptions"] = f.dns_options;
    if (!f.publish.empty()) hc["PortSpecs"] = f.publish;
    if (f.publish_all) {
        hc["PublishAllPorts"] = true;
        if (!img->exposed_ports.empty()) hc["ExposedPorts"] = img->exposed_ports;
    }
    rec.host_config = hc;
    ScopeGuard undo_volumes([&] { remove_volumes(g, f.created_volumes); });
    if (auto r = setup_container_volumes(g, rec, f.volumes, f.mounts, f.volumes_from, img->volumes,
                                         f.created_volumes); !r)
        return std::unexpected(r.error());

    if (!f.health_cmd.empty() && !f.no_healthcheck) {
        Healthcheck h;
        h.test = {"CMD-SHELL", f.health_cmd};
        auto dur = [](const std::string& s, int64_t& out, const char* flag) -> Result<void> {
            if (s.empty()) return {};
            auto d = parse_duration(s);
            if (!d || *d <= 0) return fail("invalid {} {:?}", flag, s);
            out = *d;
            return {};
        };
        if (auto r = dur(f.health_interval, h.interval_ns, "--health-interval"); !r) return std::unexpected(r.error());
        if (auto r = dur(f.health_timeout, h.timeout_ns, "--health-timeout"); !r) return std::unexpected(r.error());
        if (auto r = dur(f.health_start_period, h.start_period_ns, "--health-start-period"); !r)
            return std::unexpected(r.error());
        if (f.health_retries > 0) h.retries = f.health_retries;
        rec.health = h;
    }
    undo.dismiss();
    undo_volumes.dismiss();
    return rec;
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
    if (remove) (void)remove_container(e, rec.id, true);
    return code;
}

int do_run(Globals& g, RunFlags& f, const std::vector<std::string>& args, bool start) {
    auto e = open_engine(g);
    if (!e) return report_error(e.error().what(), 125);
    auto rec = record_from_flags(g, f, args);
    if (!rec) return report_error(rec.error().what(), 125);
    auto created = create_container(*e, *rec);
    if (!created) {
        release_image_rootfs(g, *rec);
        remove_volumes(g, f.created_volumes);
    }
    release_volume_locks();  // the record exists (or nothing does): volume rm may look now
    if (!created) return report_error(created.error().what(), 125);
    if (!start) {
        fmt::print("{}\n", rec->id);
        return 0;
    }
    bool attach = !f.detach;
    auto sock = start_container(*e, rec->id, attach);
    if (!sock) {
        int code = start_error_exit_code(sock.error().message);
        if (rec->auto_remove || !attach) {
            // docker removes an --rm container that failed to start; a detached one stays.
        }
        if (rec->auto_remove) (void)remove_container(*e, rec->id, true);
        return report_error(sock.error().what(), code);
    }
    if (!attach) {
        fmt::print("{}\n", rec->id);
        return 0;
    }
    return attach_and_wait(*e, *rec, std::move(*sock), rec->auto_remove);
}

// Resolves each reference and runs fn; prints what docker prints; returns the exit code.
int for_each_container(Globals& g, const std::vector<std::string>& refs,
                       const std::function<Result<void>(Engine&, const std::string& id)>& fn, bool echo = true) {
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

// exec in the found container: the runtime's exec with our flags; returns its exit code.
int exec_in(Engine& e, const ContainerRef& c, bool interactive, bool tty, bool detach, const std::vector<std::string>& env,
            const std::string& user, const std::string& workdir, const std::vector<std::string>& args) {
    auto live = e.store.live_state(c.rec);
    if (live.status == "paused") return report_error(fmt::format("Error response from daemon: container {} is paused, unpause the container before exec", c.id), 125);
    if (!live.running() || live.status != "running")
        return report_error(fmt::format("Error response from daemon: container {} is not running", c.id), 125);
    std::vector<std::string> argv = {c.rec.runtime, "--root", e.store.runtime_root(), "exec"};
    if (tty) argv.push_back("--tty");
    if (detach) argv.push_back("--detach");
    for (const auto& kv : env) {
        if (kv.find('=') != std::string::npos) argv.insert(argv.end(), {"--env", kv});
        else if (const char* v = std::getenv(kv.c_str())) argv.insert(argv.end(), {"--env", kv + "=" + v});
    }
    if (!workdir.empty()) argv.insert(argv.end(), {"--cwd", workdir});
    if (!user.empty()) {
        auto u = resolve_user(c.rec.rootfs, user);
        if (!u) return report_error(u.error().what(), 126);
        argv.insert(argv.end(), {"--user", fmt::format("{}:{}", u->uid, u->gid)});
        for (auto gid : u->additional_gids) argv.insert(argv.end(), {"--additional-gids", std::to_string(gid)});
    }
    argv.push_back(c.id);
    argv.insert(argv.end(), args.begin() + 1, args.end());
    pid_t child = ::fork();
    if (child < 0) return report_error("fork failed", 125);
    if (child == 0) {
        if (!interactive || detach) {
            int devnull = ::open("/dev/null", O_RDONLY);
            ::dup2(devnull, 0);
        }
        if (detach) {
            int devnull = ::open("/dev/null", O_WRONLY);
            ::dup2(devnull, 1);
            ::dup2(devnull, 2);
        }
        std::vector<char*> a;
        for (auto& s : argv) a.push_back(s.data());
        a.push_back(nullptr);
        ::execv(a[0], a.data());
        _exit(125);
    }
    // The runtime forwards signals to the process itself; ignore them while it runs.
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_IGN);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int do_exec(Globals& g, bool interactive, bool tty, bool detach, const std::vector<std::string>& env,
            const std::string& user, const std::string& workdir, const std::vector<std::string>& args) {
    if (args.size() < 2) return report_error("\"exec\" requires at least 2 arguments: brig exec [OPTIONS] CONTAINER COMMAND [ARG...]", 125);
    return with_container(g, args[0], [&](Engine& e, ContainerRef& c) {
        return exec_in(e, c, interactive, tty, detach, env, user, workdir, args);
    }, {.missing_code = 125});
}

void register_lifecycle(CLI::App& app, Globals& g, bool in_group) {
    {
        auto f = std::make_shared<RunFlags>();
        auto* c = app.add_subcommand("run", "create and start a container from an image");
        add_run_flags(c, *f, true);
        c->callback([&g, f, c] { g.exit_code = do_run(g, *f, c->remaining(), true); });
    }
    {
        auto f = std::make_shared<RunFlags>();
        auto* c = app.add_subcommand("create", "create a container without starting it");
        add_run_flags(c, *f, false);
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
                    auto r = start_container(e, id, false);
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
                auto sock = start_container(e, c.id, true);
                if (!sock) return report_error(sock.error().what(), start_error_exit_code(sock.error().message));
                return attach_and_wait(e, c.rec, std::move(*sock), c.rec.auto_remove);
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
                return stop_container(e, id, *timeout >= 0 ? std::optional<int>(*timeout) : std::nullopt);
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
                if (auto r = stop_container(e, id, *timeout >= 0 ? std::optional<int>(*timeout) : std::nullopt); !r)
                    return r;
                auto s = start_container(e, id, false);
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
                return kill_container(e, id, *sig);
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
                return remove_container(e, id, *force, *volumes);
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
                return pause_container(e, id, pause);
            });
        });
    }
    {
        auto args = std::make_shared<std::vector<std::string>>();
        auto* c = app.add_subcommand("rename", "rename a container");
        c->add_option("names", *args, "CONTAINER NEW_NAME")->required()->expected(2);
        c->callback([&g, args] {
            g.exit_code = with_container(g, (*args)[0], [&](Engine& e, ContainerRef& c) {
                if (auto r = e.store.rename(c.rec, (*args)[1]); !r)
                    return report_error(fmt::format("Error response from daemon: {}", r.error().what()), 1);
                return 0;
            }, {.lock = true});
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
            bool interactive = false, tty = false, detach = false;
            std::vector<std::string> env;
            std::string user, workdir;
        };
        auto f = std::make_shared<ExecFlags>();
        auto* c = app.add_subcommand("exec", "run a command in a running container");
        c->add_flag("-i,--interactive", f->interactive, "keep stdin open");
        c->add_flag("-t,--tty", f->tty, "allocate a terminal");
        c->add_flag("-d,--detach", f->detach, "run the command in the background");
        c->add_option("-e,--env", f->env, "set an environment variable");
        c->add_option("-u,--user", f->user, "user[:group]");
        c->add_option("-w,--workdir", f->workdir, "working directory");
        c->prefix_command();
    c->fallthrough(false);  // IMAGE/CONTAINER and the command stay here, not with the parent
    c->allow_extras();
        c->callback([&g, f, c] {
            g.exit_code = do_exec(g, f->interactive, f->tty, f->detach, f->env, f->user, f->workdir, c->remaining());
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
        e->store.sweep_trash();
        fmt::print("Deleted Containers:\n");
        for (const auto& id : e->store.ids()) {
            auto rec = e->store.load(id);
            if (!rec) continue;
            auto live = e->store.live_state(*rec);
            if (live.running() || (live.status == "created" && live.monitor_alive)) continue;
            if (remove_container(*e, id, false)) fmt::print("{}\n", id);
        }
        fmt::print("\nTotal reclaimed space: 0B\n");
        globals.exit_code = 0;
    });
    add_container_info_commands(app, *group, globals);
}

}  // namespace brig::cli
