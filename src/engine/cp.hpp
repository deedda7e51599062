// `brig cp`: copies between the host and a container's root file system. Container paths are
// resolved with openat2(RESOLVE_IN_ROOT) and every entry below is opened with O_NOFOLLOW
// relative to its verified parent, so a symlink in the container can never make brig read or
// write outside the container's root.
#pragma once

#include <string>

#include "common/error.hpp"

namespace brig::engine {

Result<void> copy_from_container(const std::string& rootfs, const std::string& src, const std::string& host_dest);
Result<void> copy_to_container(const std::string& host_src, const std::string& rootfs, const std::string& dest);

}  // namespace brig::engine
