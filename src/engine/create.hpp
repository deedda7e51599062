// Creating a container: one typed request (docker's Config + HostConfig + NetworkingConfig),
// validated without touching anything, then carried out by the engine as a whole: the image's
// root file system, volumes, user namespace range, network checks, the record and the bundle.
// A failed create leaves nothing behind. Every front end (the CLI, the Docker API, kube play,
// build) fills a CreateRequest; none of them orchestrates the steps itself.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "engine/engine.hpp"
#include "engine/record.hpp"

namespace brig::engine {

struct CreateRequest {
    std::string name;                  // "" = a generated one
    std::string image;                 // an image reference, or a directory with rootfs_dir
    bool rootfs_dir = false;           // --rootfs: `image` is a root file system used as is
    std::optional<std::vector<std::string>> entrypoint;  // set: replaces the image's (and its Cmd)
    std::vector<std::string> cmd;      // empty: the image's
    std::vector<std::string> env;      // KEY=VALUE, set over the image's
    std::string user, workdir, hostname;  // "" = the image's (hostname: the id's first 12 digits)
    std::map<std::string, std::string> labels;
    std::string stop_signal;           // "" = the image's, else SIGTERM
    std::optional<int> stop_timeout;   // seconds (default 10)
    bool tty = false, open_stdin = false;
    std::vector<std::string> exposed_ports;  // besides the image's ("80/tcp")
    std::optional<Healthcheck> health;
    HostConfig host;
    EndpointConfig endpoint;
};

// The checks that need nothing but the request (flag values, combinations): the errors a user
// gets before anything is made. Pure.
Result<void> validate(const CreateRequest& req);

// Creates the container and returns its record (id, name and every default filled in).
Result<ContainerRecord> create_container(Engine& e, const CreateRequest& req);

}  // namespace brig::engine
