#include "build/cache.hpp"

#include <dirent.h>
#include <unistd.h>

#include <fmt/format.h>

#include "image/digest.hpp"
#include "image/fsutil.hpp"
#include "linux/fs.hpp"

namespace brig::build {

using nlohmann::json;

std::string chain_key(std::string_view parent, std::string_view instruction, std::string_view inputs) {
    // Each part length-prefixed, so no two different splits hash alike.
    image::Sha256 h;
    for (std::string_view part : {parent, instruction, inputs}) {
        h.update(fmt::format("{}:", part.size()));
        h.update(part);
    }
    return h.finish().hex;
}

Result<BuildCache> BuildCache::open(const image::Store& store) {
    std::string dir = store.root() + "/build-cache";
    if (auto r = image::fsutil::mkdirs(dir, 0700); !r) return std::unexpected(r.error());
    return BuildCache(store, dir);
}

std::optional<CacheEntry> BuildCache::get(const std::string& key) const {
    auto text = linuxfs::read_file(dir_ + "/" + key + ".json");
    if (!text) return std::nullopt;
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    CacheEntry e;
    e.history = j.value("history", json::object());
    if (auto l = j.find("layer"); l != j.end() && l->is_object()) {
        auto digest = image::Digest::parse(l->value("digest", ""));
        auto diff_id = image::Digest::parse(l->value("diff_id", ""));
        if (!digest || !diff_id) return std::nullopt;
        if (!store_->has_layer(*diff_id) || !store_->has_blob(*digest)) return std::nullopt;
        e.layer = image::LayerRecord{*digest, *diff_id, l->value("size", int64_t{0}), l->value("media_type", "")};
    }
    return e;
}

Result<void> BuildCache::put(const std::string& key, const CacheEntry& e) const {
    json j = {{"history", e.history}};
    if (e.layer)
        j["layer"] = {{"digest", e.layer->digest.str()},
                      {"diff_id", e.layer->diff_id.str()},
                      {"size", e.layer->size},
                      {"media_type", e.layer->media_type}};
    return linuxfs::write_file_atomic(dir_ + "/" + key + ".json", j.dump(), 0600, false);
}

Result<int> BuildCache::clear() const {
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return sys_fail("open {}", dir_);
    int n = 0;
    while (auto* de = ::readdir(d)) {
        std::string name = de->d_name;
        if (name.ends_with(".json") && ::unlink((dir_ + "/" + name).c_str()) == 0) ++n;
    }
    ::closedir(d);
    return n;
}

}  // namespace brig::build
