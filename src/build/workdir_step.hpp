// WORKDIR in the file system: the directory is made when the builder reaches the instruction
// (docker and buildah do; a WORKDIR no later step uses still exists in the image), with its
// missing parents, 0755, owned by the stage's USER (resolved in the image's /etc/passwd and
// /etc/group; root when there is no USER). An existing directory is left as it is.
#pragma once

#include <string>

#include "common/error.hpp"

namespace brig::build {

Result<void> make_workdir(const std::string& rootfs, const std::string& path, const std::string& user);

}  // namespace brig::build
