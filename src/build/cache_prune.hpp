// Emptying the build cache (brig builder prune, brig image prune --build-cache): every step
// entry of the cache (cache.hpp) and every RUN --mount=type=cache directory under
// <root>/build-mounts that no build holds (run_mounts.hpp: a build holds <dir>.lock while it
// uses <dir>). The layers only the cache held go with the next image gc (Store::gc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "image/store.hpp"

namespace brig::build {

struct CachePrune {
    std::vector<std::string> deleted;  // cache keys and cache mount names, as docker lists "build cache objects"
    uint64_t bytes = 0;                // what the cache mounts held
};

Result<CachePrune> prune_build_cache(const image::Store& store);

}  // namespace brig::build
