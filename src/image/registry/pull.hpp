// brig pull: a reference -> an image in the store.
//
// manifest (or index -> the platform's manifest) and config first, small and verified in
// memory; then the layers, a few at a time, each streamed from the registry straight into the
// store's layer ingest (hash + decompress + unpack as the bytes arrive, so one layer's unpack
// overlaps the others' downloads). A broken connection is resumed with a Range request by the
// store's resumable ingest; layers already unpacked are skipped. Nothing half-pulled is visible:
// the image record is written last.
#pragma once

#include "common/error.hpp"
#include "image/manifest.hpp"
#include "image/reference.hpp"
#include "image/registry/client.hpp"
#include "image/store.hpp"

#include <cstdio>
#include <optional>

namespace brig::registry {

struct PullOptions {
    ClientOptions client;
    std::optional<image::Platform> platform;  // default: the host's
    int parallel = 3;                         // layers downloaded at once
    FILE* progress = stderr;                  // null: silent
    bool progress_tty = false;                // redraw bars in place
};

Result<image::ImageRecord> pull_image(const image::Store& store, const image::Reference& ref,
                                      const PullOptions& opts);

}  // namespace brig::registry
