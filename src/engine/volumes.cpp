#include "engine/volumes.hpp"

#include <climits>
#include <cstdlib>
#include <set>

#include "linux/fs.hpp"

namespace brig::engine::volumes {

namespace {

storage::MountSpec spec_of(const Mount& m) {
    storage::MountSpec s;
    s.type = m.type;
    s.source = m.source;
    s.target = m.target;
    s.readonly = m.read_only;
    s.nocopy = m.no_copy;
    s.propagation = m.propagation;
    s.tmpfs_opts = m.tmpfs_opts;
    return s;
}

std::set<std::string> volume_names(const ContainerRecord& r) {
    std::set<std::string> out;
    for (const auto& m : r.mounts)
        if (m.type == "volume") out.insert(m.name);
    return out;
}

// Adds one mount spec at a target not taken yet; bind sources are made absolute.
Result<void> add_spec(Result<storage::MountSpec> m, std::vector<storage::MountSpec>& specs, std::set<std::string>& targets) {
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
}

// --volumes-from: the other container's mounts (explicit flags win at the same path); its
// anonymous volumes are shared, not owned: rm -v of this container leaves them.
Result<void> inherit(const Store& store, const ContainerRecord& rec, std::set<std::string>& targets, Prepared& out,
                     const storage::VolumeStore& vs) {
    for (const auto& vf : rec.host.volumes_from) {
        auto colon = vf.rfind(':');
        std::string ref = vf, mode;
        if (colon != std::string::npos) {
            ref = vf.substr(0, colon);
            mode = vf.substr(colon + 1);
        }
        if (!mode.empty() && mode != "ro" && mode != "rw")
            return fail("invalid --volumes-from {:?}: the mode must be ro or rw", vf);
        auto id = store.resolve(ref);
        if (!id) return fail("--volumes-from: {}", id.error().message);
        auto other = store.load(*id);
        if (!other) return std::unexpected(other.error());
        for (auto m : other->mounts) {
            if (!targets.insert(m.destination).second) continue;
            if (m.type == "volume") {
                auto l = vs.lock(m.name, false);
                if (!l) return std::unexpected(l.error());
                out.locks.push_back(std::move(*l));
            }
            if (!mode.empty()) m.rw = mode == "rw";
            m.anonymous = false;
            out.mounts.push_back(std::move(m));
        }
    }
    return {};
}

}  // namespace

Result<Prepared> prepare(const Store& store, const ContainerRecord& rec, const std::vector<std::string>& image_volumes) {
    Prepared out;
    std::set<std::string> targets;
    storage::VolumeStore vs(store.root());
    // -v and --mount first, then --volumes-from, then the image's VOLUMEs at paths still free.
    std::vector<storage::MountSpec> specs;
    for (const auto& v : rec.host.binds)
        if (auto r = add_spec(storage::parse_volume_flag(v), specs, targets); !r) return std::unexpected(r.error());
    for (const auto& m : rec.host.mounts)
        if (auto r = add_spec(spec_of(m), specs, targets); !r) return std::unexpected(r.error());
    if (auto r = inherit(store, rec, targets, out, vs); !r) return std::unexpected(r.error());
    std::vector<MountPoint> inherited = std::move(out.mounts);
    out.mounts.clear();
    for (auto path : image_volumes) {
        while (path.size() > 1 && path.back() == '/') path.pop_back();
        if (path.empty() || path[0] != '/' || targets.contains(path)) continue;
        storage::MountSpec m;
        m.type = "volume";
        m.target = path;
        (void)add_spec(m, specs, targets);
    }
    auto fail_undo = [&](Error e) -> Result<Prepared> {
        remove_created(store.root(), out.created);
        return std::unexpected(std::move(e));
    };
    for (const auto& m : specs) {
        MountPoint mp;
        mp.type = m.type;
        mp.destination = m.target;
        mp.mode = m.mode;
        mp.rw = !m.readonly;
        if (m.type == "volume") {
            bool made = false;
            // The name first (anonymous: a new random one), then its lock, then the volume:
            // no rm or prune can take it away before this container's record exists.
            std::string name = m.source.empty() ? random_hex(32) : m.source;
            auto l = vs.lock(name, false);
            if (!l) return fail_undo(l.error());
            out.locks.push_back(std::move(*l));
            auto vol = vs.create(name, {}, {}, m.source.empty(), true, &made);
            if (!vol) return fail_undo(vol.error());
            if (made) out.created.push_back(vol->name);
            if (auto r = vs.activate(*vol); !r) return fail_undo(r.error());
            if (!m.nocopy && vs.is_empty(*vol))
                if (auto r = vs.copy_up(rec.rootfs, m.target, *vol); !r) return fail_undo(r.error());
            mp.name = vol->name;
            mp.source = vol->mountpoint;
            mp.driver = "local";
            mp.anonymous = vol->anonymous;
        } else if (m.type == "bind") {
            mp.source = m.source;
            mp.propagation = m.propagation.empty() ? "rprivate" : m.propagation;
        } else {
            mp.mode = "";
            mp.options = m.tmpfs_opts;
        }
        out.mounts.push_back(std::move(mp));
    }
    out.mounts.insert(out.mounts.end(), inherited.begin(), inherited.end());
    return out;
}

void remove_created(const std::string& root, const std::vector<std::string>& names) {
    storage::VolumeStore vs(root);
    for (const auto& n : names) (void)vs.remove(n);
}

Result<std::vector<UniqueFd>> activate(const std::string& root, const ContainerRecord& rec) {
    std::vector<UniqueFd> locks;
    storage::VolumeStore vs(root);
    for (const auto& name : volume_names(rec)) {
        auto l = vs.lock(name, false);
        if (!l) return fail("container {}: volume {}: {}", rec.name, name, l.error().message);
        locks.push_back(std::move(*l));
        auto v = vs.get(name);
        if (!v) return fail("container {}: volume {}: {}", rec.name, name, v.error().message);
        if (auto r = vs.activate(*v); !r) return std::unexpected(r.error());
    }
    return locks;
}

void release(const Store& store, const ContainerRecord& rec) {
    storage::VolumeStore vs(store.root());
    for (const auto& name : volume_names(rec)) {
        auto v = vs.get(name);
        if (!v || !v->options.contains("type")) continue;
        auto lock = vs.lock(name, true);
        if (!lock) continue;
        bool used = false;
        for (const auto& id : store.ids()) {
            if (id == rec.id) continue;
            auto other = store.load(id);
            if (other && volume_names(*other).contains(name) && store.live_state(*other).running()) {
                used = true;
                break;
            }
        }
        if (!used) (void)vs.deactivate(*v);
    }
}

void remove_anonymous(const Store& store, const ContainerRecord& rec) {
    storage::VolumeStore vs(store.root());
    for (const auto& m : rec.mounts) {
        if (m.type != "volume" || !m.anonymous) continue;
        auto vlock = vs.lock(m.name, true);
        if (!vlock) continue;
        if (!users(store).contains(m.name)) (void)vs.remove(m.name);
    }
}

Result<Mount> parse_mount_flag(std::string_view s) {
    auto m = storage::parse_mount_flag(s);
    if (!m) return std::unexpected(m.error());
    return Mount{m->type, m->source, m->target, m->readonly, m->nocopy, m->propagation, m->tmpfs_opts};
}

Result<Volume> create(const std::string& root, const std::string& name, const std::map<std::string, std::string>& labels,
                      const std::map<std::string, std::string>& options, bool existing_ok) {
    return storage::VolumeStore(root).create(name, labels, options, false, existing_ok);
}

std::vector<Volume> list(const std::string& root) { return storage::VolumeStore(root).list(); }

Result<Volume> get(const std::string& root, const std::string& name) { return storage::VolumeStore(root).get(name); }

nlohmann::ordered_json inspect_json(const Volume& v) { return storage::volume_json(v); }

std::map<std::string, std::vector<std::string>> users(const Store& store) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& id : store.ids()) {
        auto rec = store.load(id);
        if (!rec) continue;
        for (const auto& name : volume_names(*rec)) out[name].push_back(id);
    }
    return out;
}

Result<void> remove_unused(const Store& store, const std::string& name) {
    storage::VolumeStore vs(store.root());
    auto lock = vs.lock(name, true);
    if (!lock) return std::unexpected(lock.error());
    auto u = users(store);
    if (auto it = u.find(name); it != u.end()) {
        std::string ids;
        for (const auto& id : it->second) ids += (ids.empty() ? "" : ", ") + id;
        return fail("remove {}: volume is in use - [{}]", name, ids);
    }
    return vs.remove(name);
}

PruneReport prune(const Store& store, bool all, const std::function<bool(const Volume&)>& select) {
    PruneReport out;
    auto in_use = users(store);
    for (const auto& v : list(store.root())) {
        if (in_use.contains(v.name) || (!all && !v.anonymous) || (select && !select(v))) continue;
        uint64_t bytes = linuxfs::tree_bytes(v.mountpoint);
        if (!remove_unused(store, v.name)) continue;  // a container took it meanwhile
        out.deleted.push_back(v.name);
        out.bytes += bytes;
    }
    return out;
}

}  // namespace brig::engine::volumes
