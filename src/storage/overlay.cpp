#include "storage/overlay.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/scope.hpp"
#include "linux/fs.hpp"
#include "linux/userns.hpp"

namespace brig::storage {

using nlohmann::json;

namespace {

constexpr size_t kMountDataMax = 4096 - 1;  // one page, NUL included

Result<void> mkdir_mode(const std::string& p, mode_t mode) {
    if (::mkdir(p.c_str(), mode) < 0 && errno != EEXIST) return sys_fail("mkdir {}", p);
    return {};
}

// Mount overlay with relative lowerdirs: a forked child chdirs to `cwd` and mounts (the
// parent's cwd, shared with its threads, is never touched).
// fsuid/fsgid (when not 0): the mounter's file system ids, which overlayfs keeps for its own work
// in the upper dir (an id-mapped upper needs ids inside its mapping); the capabilities the change
// clears are raised again.
Result<void> mount_overlay_in(const std::string& cwd, const std::string& data, const std::string& target,
                              uid_t fsuid = 0, gid_t fsgid = 0) {
    pid_t pid = ::fork();
    if (pid < 0) return sys_fail("fork");
    if (pid == 0) {
        if (fsuid != 0 || fsgid != 0) {
            ::setfsgid(fsgid);
            ::setfsuid(fsuid);
            __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
            __user_cap_data_struct caps[2]{};
            if (::syscall(SYS_capget, &hdr, caps) < 0) ::_exit(101);
            for (auto& c : caps) c.effective = c.permitted;
            if (::syscall(SYS_capset, &hdr, caps) < 0) ::_exit(101);
        }
        if (::chdir(cwd.c_str()) < 0) ::_exit(100);
        if (::mount("overlay", target.c_str(), "overlay", 0, data.c_str()) < 0) ::_exit(errno & 0x7f);
        ::_exit(0);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return sys_fail("wait for mount helper");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    if (WIFEXITED(status) && WEXITSTATUS(status) == 100) return fail("chdir {} failed", cwd);
    int e = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
    return errno_fail(e, "mount overlay on {}", target);
}

bool mounted_at(const std::string& path) {
    // A mount point has a different device or is the root of its mount: compare with the parent.
    struct stat a {}, b {};
    if (::stat(path.c_str(), &a) < 0) return false;
    if (::stat((path + "/..").c_str(), &b) < 0) return false;
    if (a.st_dev != b.st_dev) return true;
    return false;
}

}  // namespace

Result<std::string> overlay_options(const std::vector<std::string>& lowers, const std::string& upper, const std::string& work) {
    std::string data = "lowerdir=";
    for (size_t i = 0; i < lowers.size(); ++i) {
        if (i) data += ':';
        data += lowers[i];
    }
    data += ",upperdir=" + upper + ",workdir=" + work;
    // Rootless brig (a user namespace): overlay's own xattrs are user.overlay.*, as the layers' opaque marks.
    if (userns::running_in_user_ns()) data += ",userxattr";
    if (data.size() > kMountDataMax)
        return fail("overlay mount options for {} layers are {} bytes, over the kernel's {} byte limit", lowers.size(),
                    data.size(), kMountDataMax);
    return data;
}

Result<ContainerStorage> ContainerStorage::open(const image::Store& store) {
    std::string base = store.root() + "/containers-storage";
    if (auto r = mkdir_mode(base, 0711); !r) return std::unexpected(r.error());
    if (auto r = mkdir_mode(store.root() + "/layers/empty", 0755); !r) return std::unexpected(r.error());
    return ContainerStorage(store, base);
}

Result<void> ContainerStorage::validate_id(std::string_view id) const {
    if (id.empty() || id.size() > 128 || id.find('/') != std::string_view::npos || id == "." || id == ".." || id.starts_with("."))
        return fail("invalid container id '{}'", id);
    return {};
}

std::string ContainerStorage::dir(std::string_view id) const { return fmt::format("{}/{}", base_, id); }
bool ContainerStorage::exists(std::string_view id) const { return ::access((dir(id) + "/meta.json").c_str(), F_OK) == 0; }
bool ContainerStorage::is_mounted(std::string_view id) const { return mounted_at(rootfs_path(id)); }

Result<std::string> ContainerStorage::prepare(std::string_view id, const image::ImageRecord& image) {
    if (auto r = validate_id(id); !r) return std::unexpected(r.error());
    auto lease = store_->lease();  // GC must not remove the layers between here and meta.json
    if (!lease) return std::unexpected(std::move(lease.error()));
    for (auto& l : image.layers)
        if (!store_->has_layer(l.diff_id)) return fail("image {}: layer {} is missing from the store", image.id.short_id(), l.diff_id.str());
    std::string d = dir(id);
    if (::mkdir(d.c_str(), 0711) < 0) {  // traversable: a user-namespaced init reaches merged/
        if (errno == EEXIST) return fail("container storage for '{}' already exists", id);
        return sys_fail("mkdir {}", d);
    }
    ScopeGuard undo([&] {
        ::umount2((d + "/merged").c_str(), MNT_DETACH);
        (void)linuxfs::remove_all(d);
    });
    for (const char* sub : {"/diff", "/work", "/merged"})
        if (auto r = mkdir_mode(d + sub, 0755); !r) return std::unexpected(r.error());
    json meta = {{"id", std::string(id)}, {"image", image.id.str()}, {"layers", json::array()}};
    for (auto& l : image.layers) meta["layers"].push_back(l.diff_id.str());
    if (auto r = linuxfs::write_file_atomic(d + "/meta.json", meta.dump(), 0600, true); !r) return std::unexpected(r.error());
    auto m = mount(id);
    if (!m) return std::unexpected(std::move(m.error()));
    undo.dismiss();
    return m;
}

Result<std::vector<std::string>> ContainerStorage::lower_links(std::string_view id, const std::string& d) const {
    auto text = linuxfs::read_file(d + "/meta.json");
    if (!text) return fail("no container storage for '{}'", id);
    json meta = json::parse(*text, nullptr, false);
    if (meta.is_discarded() || !meta.contains("layers")) return fail("{}/meta.json: corrupt", d);
    std::vector<std::string> lowers;
    auto layers = meta["layers"].get<std::vector<std::string>>();
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
        auto dg = image::Digest::parse(*it);
        if (!dg) return std::unexpected(dg.error());
        auto link = store_->layer_link(*dg);
        if (!link) return std::unexpected(std::move(link.error()));
        lowers.push_back("l/" + *link);
    }
    if (lowers.empty()) lowers.push_back("empty");
    return lowers;
}

Result<std::string> ContainerStorage::mount(std::string_view id) {
    if (auto r = validate_id(id); !r) return std::unexpected(r.error());
    std::string d = dir(id);
    std::string merged = d + "/merged";
    if (mounted_at(merged)) return merged;
    auto lowers = lower_links(id, d);
    if (!lowers) return std::unexpected(std::move(lowers.error()));
    auto data = overlay_options(*lowers, d + "/diff", d + "/work");
    if (!data) return std::unexpected(std::move(data.error()));
    if (auto r = mount_overlay_in(store_->root() + "/layers", *data, merged); !r) return std::unexpected(r.error());
    return merged;
}

Result<void> ContainerStorage::mount_from(std::string_view id, const std::string& layers_dir, const std::string& own_dir,
                                          const std::string& target, uid_t fsuid, gid_t fsgid) {
    if (auto r = validate_id(id); !r) return r;
    std::string d = dir(id);
    auto lowers = lower_links(id, d);
    if (!lowers) return std::unexpected(std::move(lowers.error()));
    auto data = overlay_options(*lowers, own_dir + "/diff", own_dir + "/work");
    if (!data) return std::unexpected(std::move(data.error()));
    return mount_overlay_in(layers_dir, *data, target, fsuid, fsgid);
}

Result<void> ContainerStorage::unmount(std::string_view id) {
    if (auto r = validate_id(id); !r) return r;
    std::string merged = rootfs_path(id);
    if (!mounted_at(merged)) return {};
    if (::umount2(merged.c_str(), 0) < 0) {
        if (errno == EBUSY && ::umount2(merged.c_str(), MNT_DETACH) == 0) return {};
        if (errno != EINVAL && errno != ENOENT) return sys_fail("unmount {}", merged);
    }
    return {};
}

Result<void> ContainerStorage::remove(std::string_view id) {
    if (auto r = validate_id(id); !r) return r;
    if (::access(dir(id).c_str(), F_OK) != 0) return {};
    if (auto r = unmount(id); !r) return r;
    return linuxfs::remove_all(dir(id));
}

Result<std::vector<ContainerLayers>> ContainerStorage::list() const {
    std::vector<ContainerLayers> out;
    DIR* dp = ::opendir(base_.c_str());
    if (!dp) return sys_fail("open {}", base_);
    ScopeGuard close_dir([&] { ::closedir(dp); });
    while (auto* e = ::readdir(dp)) {
        std::string name = e->d_name;
        if (name.starts_with(".")) continue;
        auto text = linuxfs::read_file(base_ + "/" + name + "/meta.json");
        if (!text) continue;
        json meta = json::parse(*text, nullptr, false);
        if (meta.is_discarded()) continue;
        ContainerLayers c;
        c.id = name;
        c.image_id = meta.value("image", "");
        c.diff_ids = meta.value("layers", std::vector<std::string>{});
        out.push_back(std::move(c));
    }
    return out;
}

Result<std::set<std::string>> ContainerStorage::referenced_layers() const {
    auto l = list();
    if (!l) return std::unexpected(std::move(l.error()));
    std::set<std::string> out;
    for (auto& c : *l)
        for (auto& d : c.diff_ids)
            if (d.starts_with("sha256:")) out.insert(d.substr(7));
    return out;
}

Result<std::vector<std::string>> ContainerStorage::containers_using(const std::string& image_id) const {
    auto l = list();
    if (!l) return std::unexpected(std::move(l.error()));
    std::vector<std::string> out;
    for (auto& c : *l)
        if (c.image_id == image_id) out.push_back(c.id);
    return out;
}

}  // namespace brig::storage
