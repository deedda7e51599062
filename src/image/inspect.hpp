// Docker-compatible `image inspect` JSON and the human formats `brig images` prints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "image/store.hpp"

namespace brig::image {

// One element of `docker image inspect`'s array: Id, RepoTags, RepoDigests, Created, Config,
// Architecture, Os, Size, GraphDriver, RootFS, Metadata...
Result<nlohmann::ordered_json> inspect_json(const Store& store, const ImageRecord& rec);

// The config's history, newest first (docker history, GET /images/{name}/history). size: of
// the layer the entry made (0 for an empty_layer entry).
struct HistoryEntry {
    std::string created;  // RFC 3339, as in the config ("" when absent)
    std::string created_by, comment;
    int64_t size = 0;
};
Result<std::vector<HistoryEntry>> history(const Store& store, const ImageRecord& rec);

// docker's units.HumanSize: 3 significant digits, decimal units ("4.26MB", "812kB", "0B").
std::string human_size(int64_t bytes);
// "2 weeks ago", "About an hour ago", "N/A" for an empty/unparsable RFC 3339 time.
std::string human_since(const std::string& rfc3339, int64_t now);

}  // namespace brig::image
