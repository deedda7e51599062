// A working container's upper directory into the image store as a gzip layer: the layer tar
// (layer_tar.hpp) is written by a thread into a pipe, compressed (image/compress.hpp) and
// ingested by the store, which hashes the blob and the diff id and unpacks it, in one pass.
#pragma once

#include <string>

#include "build/layer_tar.hpp"
#include "common/error.hpp"
#include "image/store.hpp"

namespace brig::build {

Result<image::LayerRecord> commit_layer(const image::Store& store, const std::string& upper,
                                        const LayerTarOptions& opts = {});

}  // namespace brig::build
