// --output: the built root file system exported instead of stored as an image, flattened
// (every layer applied): type=local,dest=DIR writes the tree into DIR, type=tar,dest=FILE (or
// dest=- for stdout) writes it as one tar. `brig export` writes a container's tree the same way.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"
#include "image/store.hpp"

namespace brig::build {

struct Output {
    std::string type;  // local | tar
    std::string dest;  // a directory, a file, or "-" (tar to stdout)
};

// "type=local,dest=DIR", "type=tar,dest=F", or a bare path (docker: -o DIR means local).
Result<Output> parse_output(const std::string& s);

// The tree of `layers` (base first), flattened, to the output.
Result<void> export_layers(const image::Store& store, const std::vector<image::LayerRecord>& layers, const Output& out);

// A mounted tree (a container's root) as a flattened tar on `fd`.
Result<void> export_tree_tar(const std::string& root, int fd);

}  // namespace brig::build
