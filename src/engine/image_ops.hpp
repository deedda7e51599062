// Image operations the CLI and the API share: which images a save writes under which names
// (brig save, GET /images/get), and the image prune (brig image prune, POST /images/prune).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "image/archive.hpp"
#include "image/store.hpp"

namespace brig::engine {

// The images `names` name, each once, with the names to record: saving by name keeps only
// that name (as docker); by id, every name of the image. "No such image: X" for a missing one.
Result<std::vector<image::SaveItem>> save_items(const image::Store& store, const std::vector<std::string>& names);

struct ImagePruneReport {
    std::vector<std::string> untagged, deleted;  // references; image ids
};
// Removes the images no container uses: the dangling (untagged) ones, or all with `all`.
// The blobs and layers they leave unreferenced stay until collect_garbage().
Result<ImagePruneReport> prune_images(const image::Store& store, bool all);
// Deletes the blobs and layers that no image and no container uses; the bytes it freed.
Result<uint64_t> collect_garbage(const image::Store& store);

}  // namespace brig::engine
