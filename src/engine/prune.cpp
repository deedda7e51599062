#include "engine/prune.hpp"

#include <optional>

#include "image/store.hpp"
#include "linux/fs.hpp"
#include "storage/overlay.hpp"

namespace brig::engine {

PruneReport prune_containers(Engine& e, const std::function<bool(const ContainerRecord&)>& select) {
    e.store.sweep_trash();
    auto images = image::Store::open(e.store.root());
    std::optional<storage::ContainerStorage> layers;
    if (images)
        if (auto cs = storage::ContainerStorage::open(*images)) layers.emplace(std::move(*cs));
    PruneReport out;
    for (const auto& id : e.store.ids()) {
        auto rec = e.store.load(id);
        if (!rec) continue;
        auto live = e.store.live_state(*rec);
        if (live.running() || (live.status == "created" && live.monitor_alive)) continue;
        if (select && !select(*rec)) continue;
        uint64_t bytes = rec->rootfs_managed && layers ? linuxfs::tree_bytes(layers->upper_path(id)) : 0;
        if (!remove_container(e, {.id = id})) continue;  // started meanwhile, or already gone
        out.deleted.push_back(id);
        out.bytes += bytes;
    }
    return out;
}

}  // namespace brig::engine
