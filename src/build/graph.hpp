// The stage graph of a Dockerfile (pure; unit-tested): what each stage builds on (an image,
// scratch or an earlier stage), which stages it reads from (COPY --from, RUN --mount from=),
// and which stages the target needs, so the others are skipped and independent ones can run
// at the same time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "build/dockerfile/dockerfile.hpp"
#include "common/error.hpp"

namespace brig::build {

struct StageNode {
    int index = 0;
    std::string name;                // AS name ("" if none)
    std::string base;                // FROM's image, expanded with the global ARGs
    std::optional<int> base_stage;   // FROM an earlier stage
    std::string platform;            // FROM --platform, expanded
    std::vector<int> reads;          // other stages it copies or mounts from
    bool needed = false;             // the target depends on it
    std::string label() const { return name.empty() ? "stage-" + std::to_string(index) : name; }
};

struct StageGraph {
    std::vector<StageNode> stages;
    int target = 0;
};

// A COPY --from / --mount from= value names a stage when it is a stage name or an index
// (of an earlier stage); otherwise it is an image.
std::optional<int> stage_ref(const StageGraph& g, std::string_view ref, int before);

// `global_vars`: the ARGs before the first FROM with their values (build args applied), for
// FROM. `target`: --target, or "" for the last stage. Errors: an unknown target, a stage that
// copies from itself or a later stage.
Result<StageGraph> plan_stages(const dockerfile::Dockerfile& df, const dockerfile::Vars& global_vars,
                               const std::string& target);

}  // namespace brig::build
