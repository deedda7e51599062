// RUN --mount: what each mount type becomes for the step's container (BuildKit's meaning):
//   bind    a path of the context, another stage or an image (read-only unless rw)
//   cache   a directory kept between builds under <root>/build-mounts/, by id (default: the
//           target); sharing=shared|private|locked (locked: one build at a time, flock)
//   tmpfs   a tmpfs (size=)
//   secret  --secret id=ID,src=PATH bound read-only at /run/secrets/ID (or target=); its
//           content is never part of the layer or the cache key
// A mount's stub (the target the runtime had to create) is removed from the layer after the run.
#pragma once

#include <string>
#include <vector>

#include "build/dockerfile/decode.hpp"
#include "build/workspace.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "engine/record.hpp"

namespace brig::build {

struct BuildRun;

struct RunMounts {
    std::vector<engine::MountPoint> points;
    std::string cache_text;            // what the mounts add to the step's cache key
    std::vector<Workspace> sources;    // mounted roots of stages and images bound from
    std::vector<UniqueFd> locks;       // cache mounts in use
    Result<void> attach(Workspace&) { return {}; }
};

Result<RunMounts> plan_run_mounts(BuildRun& run, const std::vector<dockerfile::Mount>& mounts, int stage_index);

}  // namespace brig::build
