// A build step's changes as an OCI layer: the overlay upper directory of the step's working
// container, written as a tar. Overlay's whiteouts (0:0 character devices) become `.wh.<name>`
// entries and opaque directories get a `.wh..wh..opq` entry; hard links inside the layer stay
// links; xattrs other than overlay's own go in PAX records. Entries are sorted by name and
// their times can be clamped (SOURCE_DATE_EPOCH), so the same tree gives the same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.hpp"

namespace brig::build {

struct LayerTarOptions {
    std::optional<int64_t> clamp_mtime;  // unix seconds: later mtimes are set to this
};

struct LayerTarStats {
    uint64_t entries = 0, bytes = 0;
};

// Writes the tree under `upper` (not the directory itself) to `out_fd` as a layer tar.
Result<LayerTarStats> write_layer_tar(const std::string& upper, int out_fd, const LayerTarOptions& opts = {});

}  // namespace brig::build
