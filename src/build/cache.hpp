// The build cache: what each RUN, COPY and ADD step produced, under a key that chains the
// parent step's key with everything the step depends on:
//
//   key(step) = sha256(key(parent), the expanded instruction, what it also reads)   (each length-prefixed)
//
// where "what it also reads" is the environment a RUN sees (so build args it can use count)
// and, for COPY and ADD, the digest of the copied content (context/digest.hpp). A stage's
// first key is the base image's id (or "scratch"). Entries live in the store root as
// <root>/build-cache/<key>.json, written atomically, so they survive restarts and a kill.
// An entry whose layer has left the store (image prune) is a miss.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "image/store.hpp"

namespace brig::build {

std::string chain_key(std::string_view parent, std::string_view instruction, std::string_view inputs);

struct CacheEntry {
    std::optional<image::LayerRecord> layer;  // none: the step changed nothing on disk
    nlohmann::json history;                   // the step's history entry (its "created" too)
};

class BuildCache {
public:
    static Result<BuildCache> open(const image::Store& store);
    std::optional<CacheEntry> get(const std::string& key) const;
    Result<void> put(const std::string& key, const CacheEntry& e) const;
    // --build-cache prune: every entry (layers go with the next image gc). Returns the count.
    Result<int> clear() const;
    const std::string& dir() const { return dir_; }

private:
    BuildCache(const image::Store& store, std::string dir) : store_(&store), dir_(std::move(dir)) {}
    const image::Store* store_;
    std::string dir_;
};

}  // namespace brig::build
