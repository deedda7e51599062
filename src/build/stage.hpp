// One stage of a build: from its base (an image, scratch or an earlier stage's result) through
// its instructions, each a metadata change (image_state.hpp), a RUN (run_step.hpp) or a COPY
// or ADD (copy_step.hpp), with the cache consulted for the last two kinds.
#pragma once

#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "build/builder.hpp"
#include "build/cache.hpp"
#include "build/dockerfile/dockerfile.hpp"
#include "build/graph.hpp"
#include "build/image_state.hpp"

namespace brig::build {

struct StageOutput {
    ImageState state;
    std::string key;  // the cache key of its last step
};

// What the stages of one build share. `results[i]` becomes ready when stage i is done.
struct BuildRun {
    const engine::Engine& engine;
    const image::Store& store;
    const BuildOptions& opts;
    Progress& progress;
    const dockerfile::Dockerfile& file;
    const StageGraph& graph;
    BuildCache cache;
    dockerfile::Vars global_args;  // the ARGs before FROM, with build args applied
    std::vector<std::shared_future<Result<StageOutput>>> results;
    std::mutex mu;
    std::set<std::string> used_args;  // build args some ARG consumed (the rest get a warning)

    const dockerfile::Vars& build_args_view() const;
    std::optional<std::string> build_arg(const std::string& name);  // marks it used
    std::string created_now() const;  // RFC 3339: SOURCE_DATE_EPOCH when given
};

Result<StageOutput> run_stage(BuildRun& run, int index);

// An image for FROM or COPY --from, by the --pull policy (pulled when missing, or always).
Result<image::ImageRecord> resolve_image(BuildRun& run, const std::string& ref);

// The result of another stage (waits for it); an error when it failed.
Result<StageOutput> wait_stage(BuildRun& run, int index);

}  // namespace brig::build
