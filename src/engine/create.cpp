#include "engine/create.hpp"

#include <sys/stat.h>

#include "common/scope.hpp"
#include "common/time.hpp"
#include "engine/image_source.hpp"
#include "engine/netwire.hpp"
#include "engine/rootless.hpp"
#include "engine/spec.hpp"
#include "engine/usermap.hpp"
#include "engine/volumes.hpp"
#include "linux/fs.hpp"
#include "linux/signals.hpp"
#include "network/network.hpp"
#include "oci/write.hpp"

namespace brig::engine {

namespace {

void set_env(std::vector<std::string>& env, const std::string& kv) {
    auto key = kv.substr(0, kv.find('='));
    std::erase_if(env, [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    env.push_back(kv);
}

// The record of the request on the image's defaults (rootfs and image fields come from img).
ContainerRecord record_from(const CreateRequest& req, const ImageRootfs& img) {
    ContainerRecord rec;
    rec.name = req.name;
    rec.image = img.name;
    rec.image_id = img.id;
    rec.rootfs = img.rootfs;
    rec.rootfs_managed = img.managed;
    rec.entrypoint = img.entrypoint;
    rec.cmd = img.cmd;
    if (req.entrypoint) {
        rec.entrypoint = *req.entrypoint;
        rec.cmd.clear();
    }
    if (!req.cmd.empty()) rec.cmd = req.cmd;
    rec.env = img.env;
    for (const auto& kv : req.env) set_env(rec.env, kv);
    rec.workdir = req.workdir.empty() ? img.workdir : req.workdir;
    rec.user = req.user.empty() ? img.user : req.user;
    rec.hostname = req.hostname;
    rec.labels = req.labels;
    rec.stop_signal = !req.stop_signal.empty() ? req.stop_signal : !img.stop_signal.empty() ? img.stop_signal : "SIGTERM";
    rec.stop_timeout = req.stop_timeout.value_or(10);
    rec.tty = req.tty;
    rec.open_stdin = req.open_stdin;
    rec.exposed_ports = img.exposed_ports;
    for (const auto& p : req.exposed_ports)
        if (std::ranges::find(rec.exposed_ports, p) == rec.exposed_ports.end()) rec.exposed_ports.push_back(p);
    rec.health = req.health;
    rec.host = req.host;
    rec.endpoint = req.endpoint;
    if (rec.host.cgroup_parent.empty()) rec.host.cgroup_parent = "/brig";
    while (rec.host.cgroup_parent.size() > 1 && rec.host.cgroup_parent.back() == '/') rec.host.cgroup_parent.pop_back();
    return rec;
}

// --network container:REF names the other container by its full id (or shares its mode).
Result<void> resolve_network_container(const Store& store, HostConfig& host) {
    if (!host.network_mode.starts_with("container:")) return {};
    std::string ref = host.network_mode.substr(10);
    auto other_id = store.resolve(ref);
    if (!other_id) return fail("--network container:{}: {}", ref, other_id.error().message);
    auto other = store.load(*other_id);
    if (!other) return fail("--network container:{}: {}", ref, other.error().message);
    const std::string& theirs = other->host.network_mode;
    host.network_mode = theirs == "host" || theirs.starts_with("container:") ? theirs : "container:" + *other_id;
    return {};
}

// Writes the record again (id-dependent defaults), the /etc files and the bundle into `dir`.
Result<void> write_bundle(Engine& e, ContainerRecord& rec, const std::string& dir) {
    if (rec.hostname.empty()) rec.hostname = rec.id.substr(0, 12);
    if (auto r = linuxfs::write_file_atomic(dir + "/container.json", to_json(rec).dump(), 0600, false); !r) return r;
    std::string final_dir = e.store.dir(rec.id);
    SpecInputs in;
    // Networking (netwire.hpp): the netns file and /etc files; the attachment is made at start.
    if (auto r = write_etc_files(e.store.root(), rec, dir); !r) return r;
    std::string etc_dir = rec.host.network_mode.starts_with("container:") ? etc_files_dir(e.store.root(), rec) : final_dir;
    in.hosts = etc_dir + "/hosts";
    in.hostname = etc_dir + "/hostname";
    in.resolv_conf = etc_dir + "/resolv.conf";
    in.netns = container_netns(e.store.root(), rec);
    in.init_binary = e.init_exe;
    if (!rec.uid_mappings.empty()) {
        in.root_path = usermap::mapped_root(final_dir);
        in.userns_path = usermap::userns_file(final_dir);
    }
    auto spec = build_spec(rec, in);
    if (!spec) return std::unexpected(spec.error());
    if (::mkdir((dir + "/bundle").c_str(), 0700) < 0) return sys_fail("create {}/bundle", dir);
    return linuxfs::write_file_atomic(dir + "/bundle/config.json", oci::to_string(*spec), 0600, false);
}

}  // namespace

Result<void> validate(const CreateRequest& req) {
    const HostConfig& hc = req.host;
    if (req.image.empty()) return fail("no image given: a container needs an image (or --rootfs DIR)");
    if (!req.workdir.empty() && req.workdir[0] != '/')
        return fail("the working directory {:?} is invalid: it must be absolute", req.workdir);
    if (!req.stop_signal.empty() && !signals::parse_signal(req.stop_signal))
        return fail("invalid stop signal {:?}", req.stop_signal);
    for (const auto& kv : req.env)
        if (kv.empty() || kv[0] == '=') return fail("invalid environment variable {:?}: it needs a name", kv);
    if (auto m = network::parse_network_mode(hc.network_mode); !m)
        return fail("invalid --network {:?}: {}", hc.network_mode, m.error().message);
    if (!hc.cgroup_parent.empty() && hc.cgroup_parent[0] != '/')
        return fail("--cgroup-parent {:?} must be an absolute path", hc.cgroup_parent);
    if (auto p = parse_restart_policy(hc.restart.max_retries > 0 ? fmt::format("{}:{}", hc.restart.name, hc.restart.max_retries)
                                                                  : hc.restart.name); !p)
        return std::unexpected(p.error());
    if (hc.auto_remove && hc.restart.name != "no") return fail("conflicting options: cannot specify both --restart and --rm");
    if (hc.log.driver != "json-file" && hc.log.driver != "none")
        return fail("invalid --log-driver {:?}: use json-file or none", hc.log.driver);
    if (hc.memory != 0 && hc.memory < 6 * 1024 * 1024) return fail("--memory {}: the minimum memory limit is 6MB", hc.memory);
    if (hc.memory_swap > 0 && hc.memory > 0 && hc.memory_swap < hc.memory)
        return fail("--memory-swap must be at least --memory");
    if (hc.nano_cpus < 0) return fail("invalid --cpus: must be positive");
    for (const auto& [path, opts] : hc.tmpfs)
        if (path.empty() || path[0] != '/') return fail("invalid --tmpfs {:?}: the path must be absolute", path);
    for (const auto& d : hc.devices)
        if (d.path_on_host.empty() || d.path_on_host[0] != '/' || d.path_in_container.empty() || d.path_in_container[0] != '/')
            return fail("invalid device {:?}: paths must be absolute", d.path_on_host);
    if (auto r = usermap::check_flags(hc); !r) return r;
    if (auto p = port_mappings(hc.port_bindings); !p) return std::unexpected(p.error());
    if (req.health)
        for (int64_t d : {req.health->interval_ns, req.health->timeout_ns})
            if (d <= 0) return fail("invalid health check: interval and timeout must be positive");
    return {};
}

Result<ContainerRecord> create_container(Engine& e, const CreateRequest& req) {
    if (auto r = validate(req); !r) return std::unexpected(r.error());
    e.store.sweep_trash();
    std::string id = random_hex(32);
    auto img = prepare_image_rootfs(e.store.root(), req.image, req.rootfs_dir, id);
    if (!img) return std::unexpected(img.error());
    ContainerRecord rec = record_from(req, *img);
    rec.id = id;
    // Any error from here on must undo the prepared root file system (and what follows).
    ScopeGuard undo_rootfs([&] { release_image_rootfs(e.store.root(), rec); });
    if (rec.process_args().empty()) return fail("no command specified: the image has no Cmd or Entrypoint");
    if (rec.host.runtime.empty()) rec.host.runtime = e.runtime;
    rec.created = now_rfc3339_nano();
    if (auto r = resolve_network_container(e.store, rec.host); !r) return std::unexpected(r.error());
    if (auto r = check_network_config(e.store.root(), rec); !r) return std::unexpected(r.error());
    if (auto r = rootless::check_record(rec); !r) return std::unexpected(r.error());
    auto vols = volumes::prepare(e.store, rec, img->volumes);
    if (!vols) return std::unexpected(vols.error());
    rec.mounts = vols->mounts;
    ScopeGuard undo_volumes([&] { volumes::remove_created(e.store.root(), vols->created); });
    // --userns/--uidmap (usermap.hpp): the mappings, an auto range held under its lock until recorded.
    std::vector<ContainerRecord> others;
    if (rec.host.userns_mode.starts_with("auto"))
        for (const auto& other : e.store.ids())
            if (auto o = e.store.load(other)) others.push_back(std::move(*o));
    auto userns_lock = usermap::assign(e.store.root(), others, rec);
    if (!userns_lock) return std::unexpected(userns_lock.error());
    if (auto r = e.store.create(rec, [&](const std::string& dir) { return write_bundle(e, rec, dir); }); !r)
        return std::unexpected(r.error());
    undo_rootfs.dismiss();
    undo_volumes.dismiss();
    return rec;
}

}  // namespace brig::engine
