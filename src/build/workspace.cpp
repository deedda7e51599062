#include "build/workspace.hpp"

#include <dirent.h>
#include <unistd.h>

#include "common/flock.hpp"
#include "common/ids.hpp"
#include "image/fsutil.hpp"

namespace brig::build {
namespace {

std::string locks_dir(const image::Store& store) { return store.root() + "/build-locks"; }

}  // namespace

Result<Workspace> Workspace::open(const image::Store& store, const std::vector<image::LayerRecord>& layers) {
    auto cs = storage::ContainerStorage::open(store);
    if (!cs) return std::unexpected(std::move(cs.error()));
    if (auto r = image::fsutil::mkdirs(locks_dir(store), 0700); !r) return std::unexpected(r.error());
    std::string id = "build-" + random_hex(12);
    auto lock = lock_file(locks_dir(store) + "/" + id);
    if (!lock) return std::unexpected(std::move(lock.error()));
    image::ImageRecord img;
    img.layers = layers;
    auto rootfs = cs->prepare(id, img);
    if (!rootfs) {
        ::unlink((locks_dir(store) + "/" + id).c_str());
        return std::unexpected(std::move(rootfs.error()).context("build step root file system"));
    }
    return Workspace(std::move(*cs), id, std::move(*rootfs), std::move(*lock));
}

Workspace::~Workspace() {
    if (id_.empty()) return;
    (void)storage_.remove(id_);
    // The lock file goes last: until then a sweeper sees the lock held.
    std::string base = storage_.dir(id_);
    std::string root = base.substr(0, base.rfind("/containers-storage/"));
    ::unlink((root + "/build-locks/" + id_).c_str());
}

void sweep_stale_workspaces(const image::Store& store, const std::function<void(const std::string&)>& cleanup) {
    auto cs = storage::ContainerStorage::open(store);
    if (!cs) return;
    std::string base = store.root() + "/containers-storage";
    DIR* d = ::opendir(base.c_str());
    if (d == nullptr) return;
    std::vector<std::string> ids;
    while (auto* de = ::readdir(d)) {
        std::string n = de->d_name;
        if (n.starts_with("build-")) ids.push_back(n);
    }
    ::closedir(d);
    for (auto& id : ids) {
        std::string lock_path = locks_dir(store) + "/" + id;
        auto lock = lock_file(lock_path, LockMode::Exclusive, LockWait::Try);
        if (!lock) continue;  // a running build's
        if (cleanup) cleanup(id);
        (void)cs->remove(id);
        ::unlink(lock_path.c_str());
    }
}

}  // namespace brig::build
