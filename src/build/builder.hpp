// brig build: a Dockerfile and a context into an image in the store.
//
//   parse the Dockerfile (dockerfile/) -> plan the stages (graph.hpp) -> run each stage the
//   target needs in its own thread, a stage waiting only for the stages it builds on or
//   copies from (stage.cpp) -> write the target's image (image_state.hpp) and tag it.
//
// Every RUN, COPY and ADD looks up the cache first (cache.hpp). A miss runs the step in a
// working container (workspace.hpp) and commits its upper directory as a layer. A failed
// build leaves no working container, mount or bundle behind, and the cache keeps the steps
// that finished.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "build/output.hpp"
#include "build/progress.hpp"
#include "common/error.hpp"
#include "engine/engine.hpp"
#include "image/store.hpp"

namespace brig::build {

struct Secret {
    std::string id, src;
};

namespace context {
struct Context;
}

struct BuildOptions {
    const context::Context* context = nullptr;  // the opened context (context/context.hpp)
    std::string context_dir;      // its root directory
    std::string dockerfile_path;  // the Dockerfile's path ("" when the text is given)
    std::string dockerfile_text;  // read by the caller (-f -), or "" to read dockerfile_path
    std::vector<std::string> tags;  // normalized refs
    std::string target;
    std::vector<std::pair<std::string, std::string>> build_args;
    std::map<std::string, std::string> labels;
    bool no_cache = false;
    std::string pull = "missing";  // never | missing | always
    std::string network;           // "" (the default: host) | none | host
    std::vector<Secret> secrets;
    std::string cgroup_parent = "/brig";
    std::optional<int64_t> source_date_epoch;
    std::optional<Output> output;  // --output: export the tree instead of storing an image
};

struct BuildResult {
    image::ImageRecord image;  // empty with --output
    std::vector<std::string> warnings;
};

Result<BuildResult> build(const engine::Engine& e, const image::Store& store, const BuildOptions& opts, Progress& progress);

}  // namespace brig::build
