// Container root file systems: one overlay mount per container, lowerdirs = the image's layers
// (shared, read-only, from the image store), upper + work private to the container.
//
//   <root>/containers-storage/<id>/diff     upperdir (the container's changes)
//   <root>/containers-storage/<id>/work     workdir
//   <root>/containers-storage/<id>/merged   the mounted rootfs handed to the runtime
//   <root>/containers-storage/<id>/meta.json image id and layer diff ids (GC keeps them)
//
// Many layers: each lowerdir is given as a short relative link (l/<10 chars>, resolved from
// <root>/layers by a forked helper that chdirs there), so 120 layers take ~1.6 KB of the
// one-page mount data limit (the same trick as containers/storage; kernel 6.1 lacks lowerdir+).
//
// Engine usage:
//   auto store = image::Store::open(root);  auto img = store->find_image("busybox");
//   auto cs = storage::ContainerStorage::open(*store);
//   auto rootfs = cs->prepare(id, *img);   // mounted; spec root.path = *rootfs
//   ... run ...;  cs->unmount(id) when stopped (prepare/mount again to restart);  cs->remove(id)
#pragma once

#include <sys/types.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "image/store.hpp"

namespace brig::storage {

struct ContainerLayers {
    std::string id;
    std::string image_id;                 // sha256:...
    std::vector<std::string> diff_ids;    // sha256:..., base first
};

class ContainerStorage {
public:
    static Result<ContainerStorage> open(const image::Store& store);

    // Create the container's dirs and mount its rootfs. Returns the mounted path. An existing
    // container of this id is an error; nothing is left behind on failure.
    Result<std::string> prepare(std::string_view container_id, const image::ImageRecord& image);
    // Mount an existing container's rootfs (after unmount or a reboot); no-op when mounted.
    Result<std::string> mount(std::string_view container_id);
    Result<void> unmount(std::string_view container_id);  // not mounted: fine
    // The same overlay mounted at `target`, from other views of its dirs (--userns: id-mapped
    // binds): `layers_dir` stands for <root>/layers (where l/ resolves), `own_dir` for dir(id).
    // fsuid/fsgid: the mounter's file system ids (id-mapped upper: the host ids of the container's root).
    // Never while the plain overlay (rootfs_path) is mounted: they share the upper dir.
    Result<void> mount_from(std::string_view container_id, const std::string& layers_dir, const std::string& own_dir,
                            const std::string& target, uid_t fsuid = 0, gid_t fsgid = 0);
    Result<void> remove(std::string_view container_id);   // unmount + delete; missing: fine

    bool exists(std::string_view container_id) const;
    bool is_mounted(std::string_view container_id) const;
    std::string dir(std::string_view container_id) const;
    std::string rootfs_path(std::string_view container_id) const { return dir(container_id) + "/merged"; }
    std::string upper_path(std::string_view container_id) const { return dir(container_id) + "/diff"; }

    Result<std::vector<ContainerLayers>> list() const;
    // Diff-id hexes used by any container (pass to Store::gc).
    Result<std::set<std::string>> referenced_layers() const;
    // Containers whose rootfs is built from image `image_id` (sha256:...).
    Result<std::vector<std::string>> containers_using(const std::string& image_id) const;

private:
    ContainerStorage(const image::Store& store, std::string base) : store_(&store), base_(std::move(base)) {}
    // The overlay lowerdir entries of container d's layers ("l/<link>", top layer first), from its meta.json.
    Result<std::vector<std::string>> lower_links(std::string_view id, const std::string& d) const;
    Result<void> validate_id(std::string_view id) const;
    const image::Store* store_;
    std::string base_;  // <root>/containers-storage
};

// The overlay mount data (pure; unit-tested): lowerdir=l/a:l/b (top layer first),upperdir=..,workdir=..
// Fails when it would not fit the kernel's one-page limit.
Result<std::string> overlay_options(const std::vector<std::string>& lower_links_top_first, const std::string& upper,
                                    const std::string& work);

}  // namespace brig::storage
