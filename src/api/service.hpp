// The Docker API service: the routes over one engine root. Handlers translate JSON to engine
// calls and back (engine/engine.hpp, engine/create.hpp, engine/logs.hpp, engine/networks.hpp,
// engine/volumes.hpp, engine/prune.hpp); they hold no state
// of their own except the AttachBroker, which hands a starting container's attach socket to
// an attach request that came first (docker clients attach, then start).
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "api/router.hpp"
#include "common/fd.hpp"
#include "engine/engine.hpp"

namespace brig::api {

class AttachBroker {
public:
    // Registers an attach waiting for `id` to start (before the 101 is sent).
    void expect(const std::string& id);
    bool expected(const std::string& id);
    // The start handler: the monitor socket of the started container (or nothing: start failed).
    void deliver(const std::string& id, std::optional<UniqueFd> sock);
    // The attach: waits for deliver(); nullopt on timeout (the slot stays: pending() is true),
    // a failed start or a cancel (the slot is gone).
    std::optional<UniqueFd> await(const std::string& id, std::chrono::milliseconds timeout);
    bool pending(const std::string& id);
    // The attach gives up (its client left before the start): the slot is freed.
    void cancel(const std::string& id);

private:
    struct Slot {
        bool delivered = false;
        std::optional<UniqueFd> sock;
    };
    std::mutex mu_;
    std::condition_variable cv_;
    std::map<std::string, Slot> slots_;
};

struct Service {
    std::string root, runtime;
    AttachBroker broker;
    Result<engine::Engine> engine() const { return engine::Engine::open(root, runtime); }
};

// The container `ref` names (id, id prefix or name); "No such container: <ref>" (404) when none.
Result<engine::ContainerRecord> find_container(const engine::Engine& e, const std::string& ref);  // container_handlers.cpp

void add_system_routes(Router& r, Service& s);     // system_handlers.cpp
void add_container_routes(Router& r, Service& s);  // container_handlers.cpp
void add_stream_routes(Router& r, Service& s);     // stream_handlers.cpp: attach, logs, wait
void add_image_routes(Router& r, Service& s);      // image_handlers.cpp
void add_container_fs_routes(Router& r, Service& s);  // container_fs_handlers.cpp: changes
void add_network_routes(Router& r, Service& s);    // network_handlers.cpp
void add_volume_routes(Router& r, Service& s);     // volume_handlers.cpp

// Every route: the implemented ones and the rest of the Docker API as 501.
Router make_router(Service& s);

}  // namespace brig::api
