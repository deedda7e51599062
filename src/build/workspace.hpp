// A build step's working container: an overlay of the stage's layers with a fresh upper
// directory (the step's new layer), kept in the store's container storage as build-<id> and
// removed again when the step is done. Each one holds a lock file while alive, so a later
// build can tell the leftovers of a killed build (lock free) from another build's (held) and
// sweep them.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "image/store.hpp"
#include "storage/overlay.hpp"

namespace brig::build {

class Workspace {
public:
    static Result<Workspace> open(const image::Store& store, const std::vector<image::LayerRecord>& layers);
    Workspace(Workspace&& o) noexcept
        : storage_(std::move(o.storage_)), id_(std::exchange(o.id_, {})), rootfs_(std::move(o.rootfs_)), lock_(std::move(o.lock_)) {}
    Workspace& operator=(Workspace&&) = delete;
    ~Workspace();

    const std::string& id() const { return id_; }
    const std::string& rootfs() const { return rootfs_; }  // the mounted overlay
    std::string upper() const { return storage_.upper_path(id_); }
    // Unmounts (the upper stays readable for the layer commit).
    Result<void> unmount() { return storage_.unmount(id_); }

private:
    Workspace(storage::ContainerStorage cs, std::string id, std::string rootfs, UniqueFd lock)
        : storage_(std::move(cs)), id_(std::move(id)), rootfs_(std::move(rootfs)), lock_(std::move(lock)) {}
    storage::ContainerStorage storage_;
    std::string id_, rootfs_;
    UniqueFd lock_;
};

// Removes the working containers of builds that were killed (their lock is free). `cleanup`
// is called with each stale id first (the runtime's state of a RUN still there).
void sweep_stale_workspaces(const image::Store& store, const std::function<void(const std::string&)>& cleanup = {});

}  // namespace brig::build
