// The image a build stage is making, as it goes: the config section docker's image config
// has (Env, Cmd, Entrypoint, User, WorkingDir, ExposedPorts, Volumes, Labels, StopSignal,
// Healthcheck, Shell, OnBuild), the layers so far and the history. The metadata instructions
// are pure updates of it (unit-tested); write_image stores it as config + manifest.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "build/dockerfile/decode.hpp"
#include "common/error.hpp"
#include "image/store.hpp"

namespace brig::build {

struct ImageState {
    nlohmann::ordered_json config = nlohmann::ordered_json::object();  // the image config's "config"
    std::vector<image::LayerRecord> layers;                           // base first
    nlohmann::json history = nlohmann::json::array();
    std::string os = "linux", architecture, variant, author;
    // When the last layer was made (the base image's "created" to begin with): metadata-only
    // steps take this time, so a rebuild from the cache gives the same image id.
    std::string last_created;
    bool cmd_set = false;  // CMD given in this stage (ENTRYPOINT clears an inherited one)

    std::vector<std::string> env() const;  // "K=V"
    std::string env_value(std::string_view key) const;
    std::vector<std::string> shell() const;  // SHELL, or ["/bin/sh", "-c"]
    std::string workdir() const;             // "/" when unset
    std::string user() const;
};

// A stage from nothing (FROM scratch) on this machine's platform.
ImageState scratch_state();
// A stage from an image in the store: its config, layers and history.
Result<ImageState> state_from_image(const image::Store& store, const image::ImageRecord& img);

void set_env(ImageState& s, const std::string& key, const std::string& value);

// ENV LABEL CMD ENTRYPOINT EXPOSE VOLUME USER WORKDIR STOPSIGNAL SHELL HEALTHCHECK ONBUILD
// MAINTAINER: the change each makes to the image (no layer). Other commands: an error.
Result<void> apply_metadata(ImageState& s, const dockerfile::Command& c);

// One history entry; `created` RFC 3339.
void add_history(ImageState& s, const std::string& created_by, const std::string& created, bool empty_layer);

// The image config document (deterministic: the same state gives the same bytes).
std::string config_json(const ImageState& s, const std::string& created);

// Stores config and manifest and records the image under `names` (normalized refs, may be empty).
Result<image::ImageRecord> write_image(const image::Store& store, const ImageState& s, const std::string& created,
                                       const std::vector<std::string>& names);

}  // namespace brig::build
