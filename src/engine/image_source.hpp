// Where a container's root file system and process defaults come from: an image in the store
// (an overlay prepared by brig_storage, the embedded busybox loaded on first use) or, with
// --rootfs, an existing directory used as is.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "engine/record.hpp"
#include "engine/store.hpp"

namespace brig::image {
class Store;
}

namespace brig::engine {

struct ImageRootfs {
    std::string name;  // as shown (the reference, or the directory)
    std::string id;    // image id ("" for a directory)
    std::string rootfs;
    bool managed = false;  // true: release_image_rootfs undoes it
    std::vector<std::string> entrypoint, cmd, env;
    std::string workdir, user, stop_signal;
    std::vector<std::string> volumes;  // the image's VOLUMEs (anonymous volumes)
    std::vector<std::string> exposed_ports;  // "80/tcp" (for -P)
};

// For an image, mounts the container's overlay (keyed by container_id).
Result<ImageRootfs> prepare_image_rootfs(const std::string& root, const std::string& ref, bool rootfs_dir,
                                         const std::string& container_id);
// Mounts a managed rootfs again if needed (after a reboot); no-op otherwise.
Result<void> ensure_image_rootfs(const std::string& root, const ContainerRecord& rec);
void release_image_rootfs(const std::string& root, const ContainerRecord& rec);

// Calls `use` with the container's root file system (export, cp of a stopped container). An
// image's overlay that is not mounted now (after a reboot) is mounted for the call and
// unmounted again, holding the container's lock, so no start comes between and loses its
// root to the unmount.
Result<void> with_container_rootfs(const Store& store, const ContainerRecord& rec,
                                   const std::function<Result<void>(const std::string& rootfs)>& use);

// The ids of the containers whose root file system is made from the image (image rm).
Result<std::vector<std::string>> containers_using_image(const image::Store& store, const std::string& image_id);
// The ids of the images some container's root file system is made from (image prune).
Result<std::set<std::string>> images_in_use(const image::Store& store);
// The layers (diff-id hexes) some container's root file system uses (for image::Store::gc).
Result<std::set<std::string>> layers_in_use(const image::Store& store);

}  // namespace brig::engine
