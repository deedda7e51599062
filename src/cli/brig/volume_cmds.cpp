// brig volume create|ls|inspect|rm|prune, and the container side of volumes: turning -v /
// --mount flags and the image's VOLUMEs into the record's mounts (host_config.VolumeMounts),
// creating volumes on first use and copying the image's content into empty ones.
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include <fmt/core.h>

#include "cli/brig/commands.hpp"
#include "cli/brig/container_shared.hpp"
#include "storage/volumes.hpp"

namespace brig::cli {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

std::map<std::string, std::string> key_values(const std::vector<std::string>& v) {
    std::map<std::string, std::string> out;
    for (const auto& s : v) {
        auto eq = s.find('=');
        out[s.substr(0, eq)] = eq == std::string::npos ? "" : s.substr(eq + 1);
    }
    return out;
}

// Volume name -> ids of the containers whose record mounts it.
std::map<std::string, std::vector<std::string>> volume_users(const engine::Engine& e) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& id : e.store.ids()) {
        auto rec = e.store.load(id);
        if (!rec) continue;
        for (const auto& m : rec->host_config.value("VolumeMounts", json::array()))
            if (m.value("Type", "") == "volume") out[m.value("Name", "")].push_back(id);
    }
    return out;
}

// The shared volume locks this process holds for a container being created (setup_container_volumes
// until release_volume_locks): a concurrent volume rm/prune waits, then sees the record.
std::vector<UniqueFd>& held_volume_locks() {
    static std::vector<UniqueFd> locks;
    return locks;
}

Result<void> hold_volume_lock(const storage::VolumeStore& vs, const std::string& name) {
    auto l = vs.lock(name, false);
    if (!l) return std::unexpected(l.error());
    held_volume_locks().push_back(std::move(*l));
    return {};
}

// rm and prune: under the volume's exclusive lock, refuses a volume some container's record
// mounts (read after the lock, so a container being created with it is seen), else removes it.
Result<void> remove_unused_volume(const engine::Engine& e, storage::VolumeStore& vs, const std::string& name) {
    auto lock = vs.lock(name, true);
    if (!lock) return std::unexpected(lock.error());
    auto users = volume_users(e);
    if (auto it = users.find(name); it != users.end()) {
        std::string ids;
        for (const auto& id : it->second) ids += (ids.empty() ? "" : ", ") + id;
        return fail("remove {}: volume is in use - [{}]", name, ids);
    }
    return vs.remove(name);
}

}  // namespace

void release_volume_locks() { held_volume_locks().clear(); }

Result<void> setup_container_volumes(const Globals& g, engine::ContainerRecord& rec,
                                     const std::vector<std::string>& volume_flags,
                                     const std::vector<std::string>& mount_flags,
                                     const std::vector<std::string>& volumes_from,
                                     const std::vector<std::string>& image_volumes, std::vector<std::string>& created) {
    std::vector<storage::MountSpec> specs;
    std::set<std::string> targets;
    auto add = [&](Result<storage::MountSpec> m) -> Result<void> {
        if (!m) return std::unexpected(m.error());
        while (m->target.size() > 1 && m->target.back() == '/') m->target.pop_back();
        if (!targets.insert(m->target).second) return fail("duplicate mount point: {}", m->target);
        if (m->type == "bind") {
            char real[PATH_MAX];
            if (::realpath(m->source.c_str(), real) == nullptr)
                return fail("invalid mount config for type \"bind\": bind source path does not exist: {}", m->source);
            m->source = real;
        }
        specs.push_back(std::move(*m));
        return {};
    };
    for (const auto& v : volume_flags)
        if (auto r = add(storage::parse_volume_flag(v)); !r) return r;
    for (const auto& v : mount_flags)
        if (auto r = add(storage::parse_mount_flag(v)); !r) return r;
    // --volumes-from: the other container's mounts (explicit flags win at the same path); its
    // anonymous volumes are shared, not owned: rm -v of this container leaves them.
    json inherited = json::array();
    if (!volumes_from.empty()) {
        auto e = open_engine(g);
        if (!e) return std::unexpected(e.error());
        for (const auto& vf : volumes_from) {
            auto colon = vf.rfind(':');
            std::string ref = vf, mode;
            if (colon != std::string::npos) {
                ref = vf.substr(0, colon);
                mode = vf.substr(colon + 1);
            }
            if (!mode.empty() && mode != "ro" && mode != "rw")
                return fail("invalid --volumes-from {:?}: the mode must be ro or rw", vf);
            auto id = e->store.resolve(ref);
            if (!id) return fail("--volumes-from: {}", id.error().message);
            auto other = e->store.load(*id);
            if (!other) return std::unexpected(other.error());
            storage::VolumeStore vs(g.root);
            for (auto m : other->host_config.value("VolumeMounts", json::array())) {
                std::string dest = m.value("Destination", "");
                if (!targets.insert(dest).second) continue;
                if (m.value("Type", "") == "volume")
                    if (auto r = hold_volume_lock(vs, m.value("Name", "")); !r) return r;
                if (!mode.empty()) m["RW"] = mode == "rw";
                m["Anonymous"] = false;
                inherited.push_back(m);
            }
        }
    }
    for (auto path : image_volumes) {
        while (path.size() > 1 && path.back() == '/') path.pop_back();
        if (path.empty() || path[0] != '/' || targets.contains(path)) continue;
        storage::MountSpec m;
        m.type = "volume";
        m.target = path;
        (void)add(m);
    }
    if (specs.empty() && inherited.empty()) return {};

    storage::VolumeStore vs(g.root);
    json mounts = json::array();
    for (const auto& m : specs) {
        json entry;
        if (m.type == "volume") {
            bool made = false;
            // The name first (anonymous: a new random one), then its lock, then the volume:
            // no rm or prune can take it away before this container's record exists.
            std::string name = m.source.empty() ? engine::random_hex(32) : m.source;
            if (auto r = hold_volume_lock(vs, name); !r) return r;
            auto vol = vs.create(name, {}, {}, m.source.empty(), true, &made);
            if (!vol) return std::unexpected(vol.error());
            if (made) created.push_back(vol->name);
            if (auto r = vs.activate(*vol); !r) return r;
            if (!m.nocopy && vs.is_empty(*vol))
                if (auto r = vs.copy_up(rec.rootfs, m.target, *vol); !r) return r;
            entry = {{"Type", "volume"},     {"Name", vol->name},   {"Source", vol->mountpoint},
                     {"Destination", m.target}, {"Driver", "local"}, {"Mode", m.mode},
                     {"RW", !m.readonly},    {"Propagation", ""},   {"Anonymous", vol->anonymous}};
        } else if (m.type == "bind") {
            entry = {{"Type", "bind"},         {"Source", m.source}, {"Destination", m.target},
                     {"Mode", m.mode},         {"RW", !m.readonly},  {"Propagation", m.propagation.empty() ? "rprivate" : m.propagation}};
        } else {
            entry = {{"Type", "tmpfs"}, {"Source", ""},      {"Destination", m.target}, {"Mode", ""},
                     {"RW", !m.readonly}, {"Propagation", ""}, {"Options", m.tmpfs_opts}};
        }
        mounts.push_back(entry);
    }
    for (const auto& m : inherited) mounts.push_back(m);
    rec.host_config["VolumeMounts"] = mounts;
    return {};
}

void remove_volumes(const Globals& g, const std::vector<std::string>& names) {
    storage::VolumeStore vs(g.root);
    for (const auto& n : names) (void)vs.remove(n);
}

void add_volume_commands(CLI::App& app, Globals& g) {
    auto* vol = app.add_subcommand("volume", "manage volumes");
    vol->require_subcommand(1);

    {
        struct F {
            std::vector<std::string> labels, opts;
            std::string driver = "local", name;
        };
        auto f = std::make_shared<F>();
        auto* c = vol->add_subcommand("create", "create a volume");
        c->add_option("-d,--driver", f->driver, "volume driver (only local)");
        c->add_option("-l,--label", f->labels, "KEY=VALUE label (repeatable)")->allow_extra_args(false);
        c->add_option("-o,--opt", f->opts, "driver option: type=, device=, o= (as mount(8))")->allow_extra_args(false);
        c->add_option("name", f->name, "volume name (random when omitted)");
        c->callback([f, &g] {
            if (f->driver != "local") {
                g.exit_code = report_error(fmt::format("volume driver {:?} is not supported (only local)", f->driver), 125);
                return;
            }
            std::map<std::string, std::string> opts;
            for (const auto& o : f->opts) {
                auto eq = o.find('=');
                if (eq == std::string::npos) {
                    g.exit_code = report_error(fmt::format("invalid volume option {:?}: expected KEY=VALUE", o), 125);
                    return;
                }
                opts[o.substr(0, eq)] = o.substr(eq + 1);
            }
            storage::VolumeStore vs(g.root);
            auto v = vs.create(f->name, key_values(f->labels), opts);
            if (!v) {
                g.exit_code = report_error(v.error().what(), 125);
                return;
            }
            fmt::print("{}\n", v->name);
            g.exit_code = 0;
        });
    }
    {
        struct F {
            bool quiet = false;
            std::string format;
            std::vector<std::string> filters;
        };
        auto f = std::make_shared<F>();
        auto* c = vol->add_subcommand("ls", "list volumes");
        c->alias("list");
        c->add_flag("-q,--quiet", f->quiet, "only names");
        c->add_option("--format", f->format, "json: one JSON object per volume");
        c->add_option("-f,--filter", f->filters, "dangling=true|false, name=SUBSTRING, label=KEY[=VALUE], driver=local")
            ->allow_extra_args(false);
        c->callback([f, &g] {
            storage::VolumeStore vs(g.root);
            auto vols = vs.list();
            std::map<std::string, std::vector<std::string>> users;
            bool need_users = false;
            for (const auto& flt : f->filters) need_users = need_users || flt.starts_with("dangling=");
            if (need_users) {
                auto e = open_engine(g);
                if (!e) {
                    g.exit_code = report_error(e.error().what(), 125);
                    return;
                }
                users = volume_users(*e);
            }
            for (const auto& flt : f->filters) {
                auto eq = flt.find('=');
                std::string k = flt.substr(0, eq), val = eq == std::string::npos ? "" : flt.substr(eq + 1);
                std::function<bool(const storage::Volume&)> keep;
                if (k == "dangling" && (val == "true" || val == "1" || val == "false" || val == "0")) {
                    bool want = val == "true" || val == "1";
                    keep = [&users, want](const storage::Volume& v) { return !users.contains(v.name) == want; };
                } else if (k == "name") {
                    keep = [val](const storage::Volume& v) { return v.name.find(val) != std::string::npos; };
                } else if (k == "driver") {
                    keep = [val](const storage::Volume& v) { return v.driver == val; };
                } else if (k == "label" && !val.empty()) {
                    auto leq = val.find('=');
                    std::string lk = val.substr(0, leq);
                    std::optional<std::string> lv;
                    if (leq != std::string::npos) lv = val.substr(leq + 1);
                    keep = [lk, lv](const storage::Volume& v) {
                        auto it = v.labels.find(lk);
                        return it != v.labels.end() && (!lv || it->second == *lv);
                    };
                } else {
                    g.exit_code = report_error(fmt::format("invalid filter {:?}: use dangling=, name=, label= or driver=", flt), 125);
                    return;
                }
                std::erase_if(vols, [&](const storage::Volume& v) { return !keep(v); });
            }
            if (f->quiet) {
                for (const auto& v : vols) fmt::print("{}\n", v.name);
            } else if (f->format == "json" || f->format == "{{json .}}") {
                for (const auto& v : vols) {
                    std::string labels;
                    for (const auto& [k, val] : v.labels) labels += (labels.empty() ? "" : ",") + k + "=" + val;
                    ojson j = {{"Driver", v.driver}, {"Labels", labels},   {"Links", "N/A"}, {"Mountpoint", v.mountpoint},
                               {"Name", v.name},     {"Scope", "local"}, {"Size", "N/A"}};
                    fmt::print("{}\n", j.dump());
                }
            } else if (!f->format.empty()) {
                g.exit_code = report_error(fmt::format("unsupported --format {:?}: use json", f->format), 125);
                return;
            } else {
                fmt::print("{:<10}{}\n", "DRIVER", "VOLUME NAME");
                for (const auto& v : vols) fmt::print("{:<10}{}\n", v.driver, v.name);
            }
            g.exit_code = 0;
        });
    }
    {
        auto names = std::make_shared<std::vector<std::string>>();
        auto* c = vol->add_subcommand("inspect", "show volumes as JSON");
        c->add_option("names", *names, "volumes")->required();
        c->callback([names, &g] {
            storage::VolumeStore vs(g.root);
            ojson out = ojson::array();
            int rc = 0;
            for (const auto& n : *names) {
                auto v = vs.get(n);
                if (!v) {
                    rc = report_error(fmt::format("Error response from daemon: get {}: {}", n, v.error().message), 1);
                    continue;
                }
                out.push_back(storage::volume_json(*v));
            }
            fmt::print("{}\n", out.dump(4));
            g.exit_code = rc;
        });
    }
    {
        auto names = std::make_shared<std::vector<std::string>>();
        auto force = std::make_shared<bool>(false);
        auto* c = vol->add_subcommand("rm", "remove volumes (not while a container uses them)");
        c->alias("remove");
        c->add_flag("-f,--force", *force, "no error for volumes that do not exist");
        c->add_option("names", *names, "volumes")->required();
        c->callback([names, force, &g] {
            auto e = open_engine(g);
            if (!e) {
                g.exit_code = report_error(e.error().what(), 125);
                return;
            }
            storage::VolumeStore vs(g.root);
            int rc = 0;
            for (const auto& n : *names) {
                if (auto r = remove_unused_volume(*e, vs, n); !r) {
                    if (*force && !vs.get(n)) continue;
                    rc = report_error(fmt::format("Error response from daemon: {}", r.error().message), 1);
                    continue;
                }
                fmt::print("{}\n", n);
            }
            g.exit_code = rc;
        });
    }
    {
        auto force = std::make_shared<bool>(false);
        auto all = std::make_shared<bool>(false);
        auto* c = vol->add_subcommand("prune", "remove unused anonymous volumes (-a: all unused volumes)");
        c->add_flag("-f,--force", *force, "do not ask for confirmation");
        c->add_flag("-a,--all", *all, "named volumes too");
        c->callback([all, &g] {
            auto e = open_engine(g);
            if (!e) {
                g.exit_code = report_error(e.error().what(), 125);
                return;
            }
            auto users = volume_users(*e);
            storage::VolumeStore vs(g.root);
            fmt::print("Deleted Volumes:\n");
            for (const auto& v : vs.list()) {
                if (users.contains(v.name) || (!*all && !v.anonymous)) continue;
                if (remove_unused_volume(*e, vs, v.name)) fmt::print("{}\n", v.name);
            }
            fmt::print("\nTotal reclaimed space: 0B\n");
            g.exit_code = 0;
        });
    }
}

}  // namespace brig::cli
