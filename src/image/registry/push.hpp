// brig push: an image in the store -> a registry. Blobs first (HEAD to skip what the
// repository has, a cross-repository mount when the image came from another repository of
// the same registry, else POST + PUT upload), then the config, then the manifest under the tag.
#pragma once

#include "common/error.hpp"
#include "image/reference.hpp"
#include "image/registry/client.hpp"
#include "image/store.hpp"

#include <cstdio>

namespace brig::registry {

struct PushOptions {
    ClientOptions client;
    FILE* progress = stderr;
    bool progress_tty = false;
};

// Pushes the image found by `source` (name, id) to `dest`; returns the manifest digest.
Result<image::Digest> push_image(const image::Store& store, std::string_view source, const image::Reference& dest,
                                 const PushOptions& opts);

}  // namespace brig::registry
