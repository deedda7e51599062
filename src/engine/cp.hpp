// `brig cp`: copies between the host and a container's root file system. Container paths are
// resolved with openat2(RESOLVE_IN_ROOT) and every entry below is opened with O_NOFOLLOW
// relative to its verified parent, so a symlink in the container can never make brig read or
// write outside the container's root.
#pragma once

#include <string>

#include "common/error.hpp"
#include "engine/engine.hpp"

namespace brig::engine {

Result<void> copy_from_container(const std::string& rootfs, const std::string& src, const std::string& host_dest);
Result<void> copy_to_container(const std::string& host_src, const std::string& rootfs, const std::string& dest);

// `brig cp` of container `id`, running or not: its root file system is mounted for the copy
// when it is not now (with_container_rootfs).
struct CopyRequest {
    std::string id;
    bool into_container = false;  // host_path -> container_path; else container_path -> host_path
    std::string container_path, host_path;
};
Result<void> copy_container(Engine& e, const CopyRequest& rq);

}  // namespace brig::engine
