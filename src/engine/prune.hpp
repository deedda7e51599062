// docker's prunes as engine calls (brig container prune and volume prune, and the API's
// POST /containers/prune and /volumes/prune): what was removed and the bytes it gave back.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "engine/engine.hpp"

namespace brig::engine {

struct PruneReport {
    std::vector<std::string> deleted;  // container ids, volume names
    uint64_t bytes = 0;                // docker's SpaceReclaimed
};

// Removes every container that is not running (nor being started: status created with its
// monitor alive) and that `select` selects (none given: all). The bytes are those of the
// removed containers' writable layers.
PruneReport prune_containers(Engine& e, const std::function<bool(const ContainerRecord&)>& select = {});

}  // namespace brig::engine
