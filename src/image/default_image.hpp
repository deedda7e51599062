// The embedded default image: busybox built from Debian's busybox-static (scripts/mkrootfs.sh ->
// scripts/mkimage.sh) into an OCI archive installed next to the brig binary
// (build/bin/busybox-oci.tar; CMake target brig-default-image). `brig run busybox` works offline:
// the engine calls find_or_load_default() instead of find_image(), which loads the archive on
// first use when the reference names the default image and the store does not have it.
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "image/store.hpp"

namespace brig::image {

inline constexpr std::string_view kDefaultImageName = "docker.io/library/busybox:latest";

// $BRIG_DEFAULT_IMAGE, else busybox-oci.tar in the directory of the running executable.
std::string default_image_archive();
// busybox, busybox:latest, library/busybox, docker.io/library/busybox[:latest].
bool is_default_image_ref(std::string_view ref);
// find_image(ref), loading the embedded archive first when ref is the default image and missing.
Result<ImageRecord> find_or_load_default(const Store& store, std::string_view ref);

}  // namespace brig::image
