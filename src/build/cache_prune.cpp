#include "build/cache_prune.hpp"

#include <filesystem>

#include "build/cache.hpp"
#include "common/flock.hpp"
#include "linux/fs.hpp"

namespace brig::build {

namespace fs = std::filesystem;

Result<CachePrune> prune_build_cache(const image::Store& store) {
    auto cache = BuildCache::open(store);
    if (!cache) return std::unexpected(cache.error());
    CachePrune out;
    std::vector<std::string> keys;
    std::error_code ec;
    for (const auto& de : fs::directory_iterator(cache->dir(), ec))
        if (de.path().extension() == ".json") keys.push_back(de.path().stem().string());
    if (auto n = cache->clear(); !n) return std::unexpected(n.error());
    for (auto& k : keys)
        if (!linuxfs::exists(cache->dir() + "/" + k + ".json")) out.deleted.push_back(k);
    // The lock files stay: one unlinked while a build waits on it would let two builds in at
    // once (each locking a file of its own).
    for (const auto& de : fs::directory_iterator(store.root() + "/build-mounts", ec)) {
        if (!de.is_directory(ec) || de.is_symlink(ec)) continue;
        std::string dir = de.path().string();
        auto lock = lock_file(dir + ".lock", LockMode::Exclusive, LockWait::Try);
        if (!lock && lock.error().errnum == EWOULDBLOCK) continue;  // in use by a build
        if (!lock) return std::unexpected(lock.error());
        uint64_t n = linuxfs::tree_bytes(dir);
        if (auto r = linuxfs::remove_all(dir); !r) return wrap(std::move(r), "remove cache mount " + dir);
        out.bytes += n;
        out.deleted.push_back(de.path().filename().string());
    }
    return out;
}

}  // namespace brig::build
