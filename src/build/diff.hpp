// `brig diff`: a container's changes to its image as docker lists them, read from the
// container's overlay upper directory (storage/overlay.hpp):
//   D  a whiteout (a 0:0 character device): the path was deleted
//   C  a path the image's layers have (a directory whose mode, size and mtime are all as in
//      the image is left out, as docker does), and an opaque directory
//      (trusted.overlay.opaque=y: emptied and refilled)
//   A  any other path: added
// The parent of an added or deleted path is listed as C when it is not listed already.
// Order: docker's walk of the upper tree (depth first, names in byte order), each parent
// before what is in it. classify_changes() is the rule alone (pure, unit-tested) over a
// listing of the upper tree and a lookup in the image's layers; the rest reads them from disk.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "image/store.hpp"

namespace brig::build {

// One path of a tree, as its lstat shows it.
struct DiffEntry {
    std::string path;  // absolute in the container: "/etc/passwd"
    mode_t mode = 0;   // st_mode: type and permission bits
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool whiteout = false;  // overlay's 0:0 character device
    bool opaque = false;    // a directory marked opaque
};

struct Change {
    char kind = 'C';  // 'A' | 'C' | 'D'
    std::string path;
    bool operator==(const Change&) const = default;
};

// The entry at `path` in the image's layers as the container sees it; nullopt when absent.
using LowerLookup = std::function<std::optional<DiffEntry>(const std::string& path)>;

// The changes, in docker's order, whatever the order of `upper`.
std::vector<Change> classify_changes(std::vector<DiffEntry> upper, const LowerLookup& lower);

// Every path under `upper_dir` (not the directory itself), parents first.
Result<std::vector<DiffEntry>> list_tree(const std::string& upper_dir);

// A lookup in overlay layer directories, top layer first: the first layer that has the path
// decides; a whiteout there, or a whiteout, a non-directory or an opaque directory on the
// way to it, hides the layers below.
LowerLookup layers_lookup(std::vector<std::string> layer_dirs_top_first);

// The changes of container `container_id` (its upper directory against its image's layers).
Result<std::vector<Change>> container_changes(const image::Store& store, const std::string& container_id);

}  // namespace brig::build
