// RUN: the command in a container on the step's working root (workspace.hpp), made like a
// `brig run` container (engine::build_spec: docker's default seccomp profile, capabilities,
// masked paths) and run in the foreground by the OCI runtime. Its output streams to `output`.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "engine/engine.hpp"
#include "engine/record.hpp"

namespace brig::build {

struct RunStep {
    std::vector<std::string> argv;
    std::vector<std::string> env;  // "K=V"
    std::string user, workdir;
    std::string network = "host";  // none | host
    std::string cgroup_parent = "/brig";
    std::vector<engine::MountPoint> mounts;  // RUN --mount, made into binds and tmpfs
    std::function<void(std::string_view)> output;
};

// The command's exit code (127: not found, as a shell). The container is gone afterwards;
// mount points the runtime had to create in the root (an image without /proc, say) are
// removed from the layer again.
Result<int> run_step(const engine::Engine& e, const std::string& id, const std::string& rootfs, const RunStep& step);

}  // namespace brig::build
