// COPY and ADD: the sources (the context, another stage's or an image's root file system)
// resolved and hashed for the cache key before anything runs, then copied into the working
// root with docker's semantics (context/copy.hpp). Heredocs (COPY <<EOF) become files.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "build/dockerfile/decode.hpp"
#include "build/image_state.hpp"
#include "build/workspace.hpp"
#include "common/error.hpp"

namespace brig::build {

struct BuildRun;

struct CopyPlan {
    std::string describe;    // "src1 src2 /dest" (history's created_by)
    std::string cache_text;  // content digest, --chown, --chmod, dest
    std::function<Result<void>(const std::string& rootfs)> apply;
    std::vector<std::shared_ptr<Workspace>> sources;  // mounted roots copied from (kept until the step ends)
    std::shared_ptr<void> scratch;                     // heredoc files (removed with the plan)
};

Result<CopyPlan> plan_copy(BuildRun& run, const dockerfile::Copy& c, const ImageState& st, int stage_index);

}  // namespace brig::build
