// Where a container's root file system and process defaults come from: an image in the store
// (an overlay prepared by brig_storage, the embedded busybox loaded on first use) or, with
// --rootfs, an existing directory used as is.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"
#include "engine/record.hpp"

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

}  // namespace brig::engine
