#include "storage/volumes.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "common/fd.hpp"
#include "common/flock.hpp"
#include "common/ids.hpp"
#include "common/scope.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"
#include "linux/fs.hpp"
#include "linux/spawn.hpp"

namespace brig::storage {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

Result<UniqueFd> lock_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) return sys_fail("create {}", dir);
    return lock_file(dir + "/.lock");
}

bool is_mountpoint(const std::string& path) {
    struct stat a {}, b {};
    if (::stat(path.c_str(), &a) < 0 || ::stat((path + "/..").c_str(), &b) < 0) return false;
    return a.st_dev != b.st_dev;
}

Result<Volume> read_volume(const std::string& dir, const std::string& name) {
    auto text = linuxfs::read_file(dir + "/" + name + "/volume.json");
    if (!text) return fail("no such volume: {}", name);
    Volume v;
    try {
        auto j = json::parse(*text);
        v.name = j.at("Name").get<std::string>();
        v.driver = j.value("Driver", "local");
        v.created_at = j.value("CreatedAt", "");
        v.labels = j.value("Labels", std::map<std::string, std::string>{});
        v.options = j.value("Options", std::map<std::string, std::string>{});
        v.anonymous = j.value("Anonymous", false);
    } catch (const json::exception& e) {
        return fail("volume {}: corrupt record: {}", name, e.what());
    }
    v.mountpoint = dir + "/" + name + "/_data";
    return v;
}

bool valid_mode_word(const std::string& w) {
    static const char* words[] = {"ro", "rw", "z", "Z", "nocopy", "private", "rprivate", "shared", "rshared",
                                  "slave", "rslave", "consistent", "cached", "delegated", "U"};
    for (const char* x : words)
        if (w == x) return true;
    return false;
}

}  // namespace

ojson volume_json(const Volume& v) {
    return {{"CreatedAt", v.created_at}, {"Driver", v.driver}, {"Labels", v.labels},
            {"Mountpoint", v.mountpoint}, {"Name", v.name},   {"Options", v.options},
            {"Scope", "local"}};
}

Result<void> validate_volume_name(std::string_view name) {
    bool ok = name.size() >= 2 && std::isalnum(static_cast<unsigned char>(name[0]));
    for (char c : name)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
    if (!ok)
        return fail("{:?} includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
                    name);
    return {};
}

Result<Volume> VolumeStore::create(const std::string& name_in, const std::map<std::string, std::string>& labels,
                                   const std::map<std::string, std::string>& options, bool anonymous, bool existing_ok,
                                   bool* created) {
    if (created != nullptr) *created = false;
    std::string name = name_in.empty() ? random_hex(32) : name_in;
    if (auto r = validate_volume_name(name); !r) return std::unexpected(r.error());
    for (const auto& [k, val] : options)
        if (k != "type" && k != "device" && k != "o")
            return fail("invalid volume option {:?}: the local driver takes type, device and o", k);
    if (options.contains("type") != options.contains("device"))
        return fail("invalid volume options: type and device go together");
    std::error_code ec;
    std::filesystem::create_directories(root_, ec);
    if (ec) return fail("create {}: {}", root_, ec.message());
    auto lock = lock_dir(dir());
    if (!lock) return std::unexpected(lock.error());
    if (linuxfs::exists(dir() + "/" + name)) {
        if (!existing_ok) return fail("volume with name {} already exists", name);
        return read_volume(dir(), name);
    }
    std::string tmp = dir() + "/.tmp-" + random_hex(8);
    if (::mkdir(tmp.c_str(), 0701) < 0) return sys_fail("create {}", tmp);
    ScopeGuard undo([&] { (void)linuxfs::remove_all(tmp); });
    if (::mkdir((tmp + "/_data").c_str(), 0755) < 0) return sys_fail("create {}/_data", tmp);
    Volume v;
    v.name = name;
    v.created_at = now_rfc3339_seconds();
    v.labels = labels;
    v.options = options;
    v.anonymous = anonymous;
    v.mountpoint = dir() + "/" + name + "/_data";
    json rec = {{"Name", v.name},       {"Driver", v.driver},   {"CreatedAt", v.created_at},
                {"Labels", v.labels},   {"Options", v.options}, {"Anonymous", v.anonymous}};
    if (auto r = linuxfs::write_file_atomic(tmp + "/volume.json", rec.dump(), 0600); !r) return std::unexpected(r.error());
    if (::rename(tmp.c_str(), (dir() + "/" + name).c_str()) < 0) return sys_fail("create volume {}", name);
    undo.dismiss();
    if (created != nullptr) *created = true;
    return v;
}

Result<Volume> VolumeStore::get(const std::string& name) const {
    if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos) return fail("no such volume: {}", name);
    return read_volume(dir(), name);
}

std::vector<Volume> VolumeStore::list() const {
    std::vector<Volume> out;
    DIR* d = ::opendir(dir().c_str());
    if (d == nullptr) return out;
    while (dirent* ent = ::readdir(d)) {
        std::string n = ent->d_name;
        if (n.empty() || n[0] == '.') continue;
        if (auto v = read_volume(dir(), n)) out.push_back(std::move(*v));
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(), [](const Volume& a, const Volume& b) { return a.name < b.name; });
    return out;
}

Result<void> VolumeStore::remove(const std::string& name) {
    auto v = get(name);
    if (!v) return std::unexpected(v.error());
    auto lock = lock_dir(dir());
    if (!lock) return std::unexpected(lock.error());
    std::string path = dir() + "/" + name;
    if (!linuxfs::exists(path)) return fail("no such volume: {}", name);
    if (is_mountpoint(path + "/_data") && ::umount2((path + "/_data").c_str(), MNT_DETACH) < 0)
        return sys_fail("unmount volume {}", name);
    std::string trash = dir() + "/.trash-" + random_hex(8);
    if (::rename(path.c_str(), trash.c_str()) < 0) return sys_fail("remove volume {}", name);
    return linuxfs::remove_all(trash);
}

Result<UniqueFd> VolumeStore::lock(const std::string& name, bool exclusive) const {
    if (auto r = validate_volume_name(name); !r) return std::unexpected(r.error());
    std::error_code ec;
    std::filesystem::create_directories(dir() + "/.locks", ec);
    if (ec) return fail("create {}/.locks: {}", dir(), ec.message());
    return lock_file(dir() + "/.locks/" + name, exclusive ? LockMode::Exclusive : LockMode::Shared);
}

Result<void> VolumeStore::deactivate(const Volume& v) const {
    if (!v.options.contains("type") || !is_mountpoint(v.mountpoint)) return {};
    if (::umount2(v.mountpoint.c_str(), MNT_DETACH) < 0) return sys_fail("unmount volume {}", v.name);
    return {};
}

Result<void> VolumeStore::activate(const Volume& v) const {
    if (!v.options.contains("type")) return {};
    if (is_mountpoint(v.mountpoint)) return {};
    std::string data = v.options.contains("o") ? v.options.at("o") : "";
    if (::mount(v.options.at("device").c_str(), v.mountpoint.c_str(), v.options.at("type").c_str(), 0,
                data.empty() ? nullptr : data.c_str()) < 0)
        return sys_fail("mount volume {} (type={}, device={}, o={})", v.name, v.options.at("type"), v.options.at("device"),
                        data);
    return {};
}

bool VolumeStore::is_empty(const Volume& v) const {
    DIR* d = ::opendir(v.mountpoint.c_str());
    if (d == nullptr) return false;
    bool empty = true;
    while (dirent* ent = ::readdir(d)) {
        if (std::strcmp(ent->d_name, ".") != 0 && std::strcmp(ent->d_name, "..") != 0) {
            empty = false;
            break;
        }
    }
    ::closedir(d);
    return empty;
}

Result<void> VolumeStore::copy_up(const std::string& rootfs, const std::string& path, const Volume& v) const {
    UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return sys_fail("open {}", rootfs);
    auto src = linuxfs::open_in_root(root.get(), path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (!src) return {};  // nothing at that path in the image: the volume starts empty
    spawn::Options cp;
    cp.argv = {"/bin/cp", "-a", ".", v.mountpoint};
    cp.err = spawn::kInherit;
    cp.cwd_fd = src->get();
    auto code = spawn::run(cp);
    if (!code) return std::unexpected(code.error());
    if (*code != 0) return fail("copy the image's content at {} into volume {} failed", path, v.name);
    return {};
}

Result<MountSpec> parse_volume_flag(std::string_view s) {
    auto parts = split(s, ':');
    MountSpec m;
    if (parts.size() == 1) {
        m.type = "volume";
        m.target = parts[0];
    } else if (parts.size() == 2 || parts.size() == 3) {
        m.source = parts[0];
        m.target = parts[1];
        if (parts.size() == 3) m.mode = parts[2];
        if (m.source.empty()) return fail("invalid volume specification {:?}: empty source", s);
        m.type = (m.source[0] == '/' || m.source[0] == '.') ? "bind" : "volume";
    } else {
        return fail("invalid volume specification {:?}: expected [SOURCE:]TARGET[:OPTIONS]", s);
    }
    if (m.target.empty() || m.target[0] != '/')
        return fail("invalid volume specification {:?}: the container path {:?} must be absolute", s, m.target);
    if (m.type == "volume" && !m.source.empty())
        if (auto r = validate_volume_name(m.source); !r)
            return fail("invalid volume specification {:?}: {}", s, r.error().message);
    if (!m.mode.empty()) {
        for (const auto& w : split(m.mode, ',')) {
            if (!valid_mode_word(w)) return fail("invalid volume specification {:?}: unknown option {:?}", s, w);
            if (w == "ro") m.readonly = true;
            else if (w == "nocopy") m.nocopy = true;
            else if (w.find("private") != std::string::npos || w.find("shared") != std::string::npos ||
                     w.find("slave") != std::string::npos)
                m.propagation = w;
        }
    }
    return m;
}

Result<MountSpec> parse_mount_flag(std::string_view s) {
    MountSpec m;
    m.type = "volume";
    for (const auto& field : split(s, ',')) {
        auto [k, v, has_value] = split_key_value(field);
        std::string val(v);
        bool truthy = !has_value || val == "true" || val == "1";
        if (k == "type") m.type = val;
        else if (k == "source" || k == "src") m.source = val;
        else if (k == "target" || k == "destination" || k == "dst") m.target = val;
        else if (k == "readonly" || k == "ro") m.readonly = truthy;
        else if (k == "volume-nocopy") m.nocopy = truthy;
        else if (k == "bind-propagation") m.propagation = val;
        else if (k == "tmpfs-size") m.tmpfs_opts.push_back("size=" + val);
        else if (k == "tmpfs-mode") m.tmpfs_opts.push_back("mode=" + val);
        else if (k == "consistency" || k == "z" || k == "Z" || k == "relabel") continue;
        else return fail("invalid --mount {:?}: unknown field {:?}", s, k);
    }
    if (m.type != "volume" && m.type != "bind" && m.type != "tmpfs")
        return fail("invalid --mount {:?}: type must be volume, bind or tmpfs", s);
    if (m.target.empty() || m.target[0] != '/') return fail("invalid --mount {:?}: target must be an absolute path", s);
    if (m.type == "bind" && (m.source.empty() || m.source[0] != '/'))
        return fail("invalid --mount {:?}: a bind mount needs an absolute source path", s);
    if (m.type == "tmpfs" && !m.source.empty()) return fail("invalid --mount {:?}: a tmpfs takes no source", s);
    if (m.type == "volume" && !m.source.empty())
        if (auto r = validate_volume_name(m.source); !r) return fail("invalid --mount {:?}: {}", s, r.error().message);
    if (m.readonly) m.mode = "ro";
    return m;
}

}  // namespace brig::storage
