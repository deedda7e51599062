#include "engine/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>

#include "common/scope.hpp"
#include "common/strings.hpp"
#include "linux/fs.hpp"

namespace brig::engine {

using nlohmann::json;

namespace {

Result<void> mkdir_p(const std::string& path, mode_t mode) {
    for (size_t pos = 1; pos != std::string::npos;) {
        pos = path.find('/', pos + 1);
        std::string p = path.substr(0, pos);
        if (::mkdir(p.c_str(), mode) < 0 && errno != EEXIST) return sys_fail("create {}", p);
    }
    return {};
}

}  // namespace

Result<void> validate_name(std::string_view name) {
    if (name.empty()) return fail("container name must not be empty");
    if (name.size() > 253) return fail("invalid container name {:?}: too long", name);
    for (size_t i = 0; i < name.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(name[i]);
        bool ok = isalnum(c) || (i > 0 && (c == '_' || c == '.' || c == '-'));
        if (!ok) return fail("invalid container name {:?}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
    }
    return {};
}

std::string generate_name() {
    static constexpr std::array<const char*, 24> adjectives = {
        "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lucid", "merry", "nimble", "proud",
        "quiet", "rapid", "sharp", "steady", "tidy", "vivid", "wise", "zealous", "bold", "crisp", "daring", "fresh"};
    static constexpr std::array<const char*, 24> nouns = {
        "anchor", "beacon", "cove", "dock", "ensign", "ferry", "galley", "harbor", "keel", "lantern", "mast", "oar",
        "pier", "quay", "rudder", "sail", "tiller", "wharf", "buoy", "cabin", "deck", "hull", "jetty", "mooring"};
    std::string h = random_hex(4);
    unsigned v = static_cast<unsigned>(std::stoul(h, nullptr, 16));
    return fmt::format("{}_{}", adjectives[v % adjectives.size()], nouns[(v / 97) % nouns.size()]);
}

Store::Store(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

Result<void> Store::ensure() const {
    if (auto r = mkdir_p(root_, 0711); !r) return r;
    if (auto r = mkdir_p(containers_dir() + "/names", 0700); !r) return r;
    if (auto r = mkdir_p(runtime_root(), 0700); !r) return r;
    return {};
}

Result<void> Store::claim_name(const std::string& name, const std::string& id) const {
    std::string path = containers_dir() + "/names/" + name;
    for (int attempt = 0; attempt < 2; ++attempt) {
        UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (fd) {
            if (::write(fd.get(), id.data(), id.size()) != static_cast<ssize_t>(id.size()))
                return sys_fail("write {}", path);
            return {};
        }
        if (errno != EEXIST) return sys_fail("claim name {}", path);
        // Held by a live container, or stale (its directory never appeared or is gone)?
        auto owner = linuxfs::read_file(path);
        std::string owner_id(owner ? trim(*owner) : "");
        if (!owner_id.empty() && linuxfs::exists(dir(owner_id) + "/container.json")) {
            return fail("Conflict. The container name \"/{}\" is already in use by container \"{}\". "
                        "You have to remove (or rename) that container to be able to reuse that name.",
                        name, owner_id);
        }
        ::unlink(path.c_str());
    }
    return fail("claim name {:?}: raced with another brig", name);
}

Result<void> Store::create_impl(ContainerRecord& rec,
                                const std::function<Result<void>(const std::string&)>& prepare) {
    if (auto r = ensure(); !r) return r;
    auto global = lock_file(containers_dir() + "/.lock");
    if (!global) return std::unexpected(global.error());
    if (rec.id.empty()) rec.id = random_hex(32);
    bool generated = rec.name.empty();
    if (!generated) {
        if (auto r = validate_name(rec.name); !r) return r;
        if (auto r = claim_name(rec.name, rec.id); !r) return r;
    } else {
        for (int i = 0;; ++i) {
            rec.name = generate_name();
            if (claim_name(rec.name, rec.id)) break;
            if (i > 50) return fail("could not generate a free container name");
        }
    }
    std::string name_path = containers_dir() + "/names/" + rec.name;
    std::string tmp = containers_dir() + "/.new-" + rec.id;
    ScopeGuard undo([&] {
        (void)linuxfs::remove_all(tmp);
        ::unlink(name_path.c_str());
    });
    if (::mkdir(tmp.c_str(), 0700) < 0) return sys_fail("create {}", tmp);
    if (auto r = linuxfs::write_file_atomic(tmp + "/container.json", to_json(rec).dump(), 0600, false); !r) return r;
    if (auto r = prepare(tmp); !r) return r;
    if (::rename(tmp.c_str(), dir(rec.id).c_str()) < 0) return sys_fail("create {}", dir(rec.id));
    undo.dismiss();
    return {};
}

Result<void> Store::save(const ContainerRecord& rec) const {
    return linuxfs::write_file_atomic(dir(rec.id) + "/container.json", to_json(rec).dump(), 0600, false);
}

Result<ContainerRecord> Store::load(const std::string& id) const {
    auto text = linuxfs::read_file(dir(id) + "/container.json");
    if (!text) return fail("No such container: {}", id);
    try {
        return record_from_json(json::parse(*text));
    } catch (const json::exception& e) {
        return fail("container {}: corrupt record: {}", id, e.what());
    }
}

std::vector<std::string> Store::ids() const {
    std::vector<std::string> out;
    DIR* d = ::opendir(containers_dir().c_str());
    if (d == nullptr) return out;
    while (auto* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n.size() == 64 && linuxfs::exists(dir(n) + "/container.json")) out.push_back(n);
    }
    ::closedir(d);
    return out;
}

Result<std::string> Store::resolve(const std::string& ref) const {
    if (ref.empty()) return fail("No such container: (empty name)");
    std::string name = ref[0] == '/' ? ref.substr(1) : ref;
    if (ref.size() == 64 && linuxfs::exists(dir(ref) + "/container.json")) return ref;
    if (validate_name(name)) {
        if (auto owner = linuxfs::read_file(containers_dir() + "/names/" + name)) {
            std::string id(trim(*owner));
            if (!id.empty() && linuxfs::exists(dir(id) + "/container.json")) return id;
        }
    }
    std::string found;
    for (const auto& id : ids()) {
        if (id.starts_with(ref)) {
            if (!found.empty()) return fail("multiple containers match {:?}: use more of the id", ref);
            found = id;
        }
    }
    if (found.empty()) return fail("No such container: {}", ref);
    return found;
}

Result<UniqueFd> Store::lock(const std::string& id) const {
    auto fd = lock_file(dir(id) + "/lock");
    if (!fd) {
        if (fd.error().errnum == ENOENT) return fail("No such container: {}", id);
        return fd;
    }
    if (!linuxfs::exists(dir(id) + "/container.json")) return fail("No such container: {}", id);
    return fd;
}

Result<void> Store::rename(ContainerRecord& rec, const std::string& new_name) const {
    if (auto r = validate_name(new_name); !r) return r;
    auto global = lock_file(containers_dir() + "/.lock");
    if (!global) return std::unexpected(global.error());
    if (new_name == rec.name) return fail("Renaming a container with the same name as its current name");
    if (auto r = claim_name(new_name, rec.id); !r) return r;
    std::string old = rec.name;
    rec.name = new_name;
    if (auto r = save(rec); !r) {
        ::unlink((containers_dir() + "/names/" + new_name).c_str());
        rec.name = old;
        return r;
    }
    ::unlink((containers_dir() + "/names/" + old).c_str());
    return {};
}

Result<void> Store::remove(const ContainerRecord& rec) const {
    std::string trash = containers_dir() + "/.trash-" + rec.id;
    if (::rename(dir(rec.id).c_str(), trash.c_str()) < 0 && errno != ENOENT)
        return sys_fail("remove {}", dir(rec.id));
    std::string name_path = containers_dir() + "/names/" + rec.name;
    if (auto owner = linuxfs::read_file(name_path); owner && trim(*owner) == rec.id) ::unlink(name_path.c_str());
    return linuxfs::remove_all(trash);
}

void Store::sweep_trash() const {
    DIR* d = ::opendir(containers_dir().c_str());
    if (d == nullptr) return;
    std::vector<std::string> trash;
    while (auto* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n.starts_with(".trash-")) {
            // An rm still at work holds the container's lock (its file moved with the directory):
            // leave that one to it; a free lock means the rm was killed.
            UniqueFd l(::openat(dirfd(d), (n + "/lock").c_str(), O_RDWR | O_CLOEXEC));
            if (l) {
                auto r = flock_fd(l.get(), LockMode::Exclusive, LockWait::Try);
                if (!r && r.error().errnum == EWOULDBLOCK) continue;
            }
            trash.push_back(n);
        }
        // .new-<id>: a create killed before its rename (older than a minute: not in progress).
        if (n.starts_with(".new-")) {
            struct stat st {};
            if (::fstatat(dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mtime + 60 < ::time(nullptr))
                trash.push_back(n);
        }
    }
    ::closedir(d);
    for (const auto& n : trash) (void)linuxfs::remove_all(containers_dir() + "/" + n);
}

LiveState Store::live_state(const ContainerRecord& rec) const {
    LiveState s;
    auto text = linuxfs::read_file(dir(rec.id) + "/state.json");
    if (!text) return s;  // never started
    try {
        json j = json::parse(*text);
        s.status = j.value("status", "created");
        s.pid = j.value("pid", 0);
        s.pid_start = j.value("pid_start", uint64_t{0});
        s.monitor_pid = j.value("monitor_pid", 0);
        s.monitor_start = j.value("monitor_start", uint64_t{0});
        s.exit_code = j.value("exit_code", 0);
        s.started_at = j.value("started_at", "");
        s.finished_at = j.value("finished_at", "");
        s.restart_count = j.value("restart_count", 0);
        s.error = j.value("error", "");
        s.oom_killed = j.value("oom_killed", false);
        s.health = j.value("health", "");
        s.failing_streak = j.value("failing_streak", 0);
    } catch (const json::exception&) {
        s.status = "dead";
        s.error = "corrupt state.json";
        return s;
    }
    s.monitor_alive = process_alive(s.monitor_pid, s.monitor_start);
    if (s.status != "exited" && !s.monitor_alive) {
        // The monitor is gone without recording an exit: a kill -9 or a crash.
        s.error = s.status == "created" ? "the container's monitor died before the container started"
                                        : fmt::format("the container's monitor (pid {}) died", s.monitor_pid);
        s.status = "exited";
        s.exit_code = 255;
    }
    if (s.status == "running" && linuxfs::exists(dir(rec.id) + "/paused")) s.status = "paused";
    return s;
}

}  // namespace brig::engine
