#include "engine/image_source.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

#include "image/default_image.hpp"
#include "image/store.hpp"
#include "storage/overlay.hpp"

namespace brig::engine {

Result<ImageRootfs> prepare_image_rootfs(const std::string& root, const std::string& ref, bool rootfs_dir,
                                         const std::string& container_id) {
    struct stat st {};
    bool is_dir = ::stat(ref.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (rootfs_dir || (is_dir && ref.find('/') != std::string::npos)) {
        if (!is_dir) return fail("--rootfs {}: not a directory", ref);
        char real[PATH_MAX];
        if (::realpath(ref.c_str(), real) == nullptr) return sys_fail("--rootfs {}", ref);
        ImageRootfs out;
        out.name = real;
        out.rootfs = real;
        return out;
    }
    auto store = image::Store::open(root);
    if (!store) return std::unexpected(store.error());
    auto img = image::find_or_load_default(*store, ref);
    if (!img) return fail("Unable to find image '{}' locally: {}", ref, img.error().what());
    auto config = store->image_config(*img);
    if (!config) return std::unexpected(config.error());
    auto cs = storage::ContainerStorage::open(*store);
    if (!cs) return std::unexpected(cs.error());
    auto rootfs = cs->prepare(container_id, *img);
    if (!rootfs) return fail("prepare the root file system: {}", rootfs.error().what());
    ImageRootfs out;
    out.name = ref;
    out.id = img->id.str();
    out.rootfs = *rootfs;
    out.managed = true;
    out.entrypoint = config->entrypoint.value_or(std::vector<std::string>{});
    out.cmd = config->cmd.value_or(std::vector<std::string>{});
    out.env = config->env;
    out.workdir = config->working_dir;
    out.user = config->user;
    out.stop_signal = config->stop_signal;
    out.volumes = config->volumes;
    out.exposed_ports = config->exposed_ports;
    return out;
}

Result<void> ensure_image_rootfs(const std::string& root, const ContainerRecord& rec) {
    if (!rec.rootfs_managed) return {};
    auto store = image::Store::open(root);
    if (!store) return std::unexpected(store.error());
    auto cs = storage::ContainerStorage::open(*store);
    if (!cs) return std::unexpected(cs.error());
    if (cs->is_mounted(rec.id)) return {};
    auto r = cs->mount(rec.id);
    if (!r) return std::unexpected(r.error());
    return {};
}

void release_image_rootfs(const std::string& root, const ContainerRecord& rec) {
    if (!rec.rootfs_managed) return;
    auto store = image::Store::open(root);
    if (!store) return;
    auto cs = storage::ContainerStorage::open(*store);
    if (!cs) return;
    (void)cs->remove(rec.id);
}

Result<void> with_container_rootfs(const Store& store, const ContainerRecord& rec,
                                   const std::function<Result<void>(const std::string& rootfs)>& use) {
    if (!rec.rootfs_managed) return use(rec.rootfs);
    auto images = image::Store::open(store.root());
    if (!images) return std::unexpected(images.error());
    auto cs = storage::ContainerStorage::open(*images);
    if (!cs) return std::unexpected(cs.error());
    if (cs->is_mounted(rec.id)) return use(cs->rootfs_path(rec.id));
    auto lock = store.lock(rec.id);
    if (!lock) return std::unexpected(lock.error());
    bool mounted_before = cs->is_mounted(rec.id);
    auto root = cs->mount(rec.id);
    if (!root) return std::unexpected(root.error());
    auto r = use(*root);
    if (!mounted_before)
        if (auto u = cs->unmount(rec.id); !u && r) return u;
    return r;
}

Result<std::vector<std::string>> containers_using_image(const image::Store& store, const std::string& image_id) {
    auto cs = storage::ContainerStorage::open(store);
    if (!cs) return std::unexpected(cs.error());
    return cs->containers_using(image_id);
}

Result<std::set<std::string>> images_in_use(const image::Store& store) {
    auto cs = storage::ContainerStorage::open(store);
    if (!cs) return std::unexpected(cs.error());
    auto containers = cs->list();
    if (!containers) return std::unexpected(containers.error());
    std::set<std::string> used;
    for (const auto& ct : *containers) used.insert(ct.image_id);
    return used;
}

Result<std::set<std::string>> layers_in_use(const image::Store& store) {
    auto cs = storage::ContainerStorage::open(store);
    if (!cs) return std::unexpected(cs.error());
    return cs->referenced_layers();
}

}  // namespace brig::engine
