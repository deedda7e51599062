// `brig commit`: a container as a new image, as docker makes it. Its overlay upper directory
// becomes one more layer on top of its image's (none when the container changed nothing: the
// history entry is then an empty layer), and its config (Env, Cmd, Entrypoint, User,
// WorkingDir, ExposedPorts, Volumes, Labels, StopSignal, Healthcheck) the image's config,
// with the image's other settings (Shell, OnBuild, ...) kept. --change instructions are then
// applied as a Dockerfile's would be. A running container is paused while its layer is read
// unless told not to be.
#pragma once

#include <string>
#include <vector>

#include "build/image_state.hpp"
#include "common/error.hpp"
#include "engine/engine.hpp"
#include "image/store.hpp"

namespace brig::build {

struct CommitOptions {
    std::string reference;             // REPOSITORY[:TAG] as typed, "" for an untagged image
    std::string author, message;       // -a, -m: the image's author, the history comment
    std::vector<std::string> changes;  // -c: "CMD [\"sh\"]", "ENV A=b", ...
    bool pause = true;                 // -p
};

// The Dockerfile instructions --change takes: CMD ENTRYPOINT ENV EXPOSE LABEL ONBUILD
// STOPSIGNAL USER VOLUME WORKDIR, each parsed and expanded (with the state's Env) as in a
// Dockerfile and applied to `s`. Errors name the change: `--change "RUN x": RUN is not a
// valid change command (...)`.
Result<void> apply_changes(ImageState& s, const std::vector<std::string>& changes);

// Writes the image and returns it (its id is what docker prints).
Result<image::ImageRecord> commit_container(engine::Engine& e, const image::Store& store,
                                            const engine::ContainerRecord& rec, const CommitOptions& opts);

}  // namespace brig::build
