#include "runtime/state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <nlohmann/json.hpp>

#include "common/flock.hpp"
#include "linux/fs.hpp"

namespace brig::runtime {

using nlohmann::json;

const char* to_string(Status s) {
    switch (s) {
        case Status::Creating: return "creating";
        case Status::Created: return "created";
        case Status::Running: return "running";
        case Status::Paused: return "paused";
        case Status::Stopped: return "stopped";
    }
    return "unknown";
}

Result<void> validate_id(std::string_view id) {
    if (id.empty()) return fail("container id must not be empty");
    if (id == "." || id == "..") return fail("invalid container id {:?}", id);
    if (id.size() > 1024) return fail("container id is too long ({} bytes)", id.size());
    for (char c : id)
        if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' || c == '.'))
            return fail("invalid container id {:?}: only letters, digits and _+-. are allowed", id);
    return {};
}

Result<void> StateStore::ensure_root() const {
    // mkdir -p with 0700 on the last component.
    for (size_t pos = 1; pos != std::string::npos;) {
        pos = root_.find('/', pos + 1);
        std::string p = root_.substr(0, pos);
        if (::mkdir(p.c_str(), pos == std::string::npos ? 0700 : 0755) < 0 && errno != EEXIST)
            return sys_fail("create state root {}", p);
    }
    return {};
}

Result<void> StateStore::claim(const std::string& id) const {
    if (auto r = ensure_root(); !r) return r;
    if (::mkdir(dir(id).c_str(), 0700) < 0) {
        if (errno == EEXIST) return fail("container with id {:?} already exists", id);
        return sys_fail("create state directory {}", dir(id));
    }
    return {};
}

Result<void> StateStore::save(const StateRecord& r) const {
    json j = {{"id", r.id},           {"bundle", r.bundle},         {"rootfs", r.rootfs},
              {"created", r.created}, {"owner", r.owner},           {"pid", r.pid},
              {"start_time", r.start_time}, {"own_pid_ns", r.own_pid_ns},
              {"annotations", r.annotations}, {"cgroup_dirs", r.cgroup_dirs},
              {"cgroup_created", r.cgroup_created}, {"hooks", r.hooks_json}};
    if (!r.notify_socket.empty()) j["notify_socket"] = r.notify_socket;
    // Atomic (rename) but not fsync'd: what delete must find survives any crash of the
    // runtime; a machine crash takes the containers with it, and --root lives on tmpfs.
    return linuxfs::write_file_atomic(dir(r.id) + "/state.json", j.dump(), 0600, false);
}

Result<StateRecord> StateStore::load(const std::string& id) const {
    if (auto v = validate_id(id); !v) return std::unexpected(v.error());
    std::string path = dir(id) + "/state.json";
    auto text = linuxfs::read_file(path);
    if (!text) {
        if (text.error().errnum == ENOENT) {
            if (linuxfs::exists(dir(id))) {
                StateRecord rec;  // a create in progress, or one that crashed
                rec.id = id;
                return rec;
            }
            return fail("container {:?} does not exist", id);
        }
        return std::unexpected(text.error());
    }
    try {
        json j = json::parse(*text);
        StateRecord r;
        r.id = j.at("id").get<std::string>();
        r.bundle = j.at("bundle").get<std::string>();
        r.rootfs = j.at("rootfs").get<std::string>();
        r.created = j.at("created").get<std::string>();
        r.owner = j.value("owner", "");
        r.pid = j.at("pid").get<pid_t>();
        r.start_time = j.at("start_time").get<uint64_t>();
        r.own_pid_ns = j.value("own_pid_ns", false);
        r.annotations = j.value("annotations", std::map<std::string, std::string>{});
        r.cgroup_dirs = j.value("cgroup_dirs", std::vector<std::string>{});
        r.cgroup_created = j.value("cgroup_created", std::vector<std::string>{});
        r.hooks_json = j.value("hooks", "");
        r.notify_socket = j.value("notify_socket", "");
        return r;
    } catch (const std::exception& e) {
        return fail("{}: corrupt state file: {}", path, e.what());
    }
}

Result<void> StateStore::remove(const std::string& id) const { return linuxfs::remove_all(dir(id)); }

std::vector<std::string> StateStore::ids() const {
    std::vector<std::string> out;
    DIR* d = ::opendir(root_.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == ".." || !validate_id(n)) continue;
        if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) out.push_back(n);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

Result<UniqueFd> StateStore::lock(const std::string& id, bool wait) const {
    UniqueFd fd(::open(dir(id).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return fail("container {:?} does not exist", id);
        return sys_fail("open state directory {}", dir(id));
    }
    if (auto r = flock_fd(fd.get(), LockMode::Exclusive, wait ? LockWait::Block : LockWait::Try); !r) {
        if (r.error().errnum == EWOULDBLOCK) return fail("container {:?} is busy (another operation holds its lock)", id);
        return errno_fail(r.error().errnum, "lock state directory {}", dir(id));
    }
    return fd;
}

Status status_of(const StateStore& store, const StateRecord& rec) {
    if (rec.pid == 0) return rec.created.empty() ? Status::Creating : Status::Stopped;
    if (!proc::is_running(rec.pid, rec.start_time)) return Status::Stopped;  // a zombie init too, as in runc
    if (rec.created.empty()) return Status::Creating;  // init cloned, not yet Ready
    if (linuxfs::exists(store.fifo(rec.id))) return Status::Created;
    // The v1 freezer when the container has one (pause uses it first, see cgroup::freeze);
    // otherwise cgroup.freeze, which only cgroup2 directories have.
    for (auto& d : rec.cgroup_dirs)
        if (d.find("/freezer/") != std::string::npos)
            if (auto f = linuxfs::read_file(d + "/freezer.state"))
                return f->starts_with("FROZEN") ? Status::Paused : Status::Running;
    for (auto& d : rec.cgroup_dirs)
        if (auto f = linuxfs::read_file(d + "/cgroup.freeze"); f && f->starts_with("1")) return Status::Paused;
    return Status::Running;
}

Result<void> write_pid_file(const std::string& path, pid_t pid) {
    if (path.empty()) return {};
    std::string full = path;
    if (full.front() != '/') {
        char cwd[PATH_MAX];
        if (::getcwd(cwd, sizeof cwd)) full = std::string(cwd) + "/" + full;
    }
    if (auto w = linuxfs::write_file_atomic(full, std::to_string(pid), 0644, false); !w)
        return std::unexpected(std::move(w.error()).context("--pid-file"));
    return {};
}

}  // namespace brig::runtime
