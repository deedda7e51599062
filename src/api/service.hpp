// The Docker API service: the routes over one engine root. Handlers translate JSON to engine
// calls and back (engine/engine.hpp, engine/create.hpp, engine/logs.hpp, engine/networks.hpp,
// engine/volumes.hpp, engine/prune.hpp); they hold no state
// of their own except the AttachBroker, which hands a starting container's attach socket to
// an attach request that came first (docker clients attach, then start), and the exec
// instances (ExecRegistry).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/exec_request.hpp"
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
    // True while the slot exists: not delivered yet, or delivered and not yet taken by await()
    // (a delivery just after an await() timed out is the next await()'s).
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

// One exec instance (POST /containers/{id}/exec). docker keeps them in the daemon, brig in the
// service's memory: the config until the start, then the process's pid, its terminal while it
// runs (resize) and its exit code (GET /exec/{id}/json, which `docker exec` asks for its own
// exit code once the stream ends). Guarded by `mu`; `cv` is notified on every change.
struct ExecInstance {
    enum class State { Created, Running, Exited };
    std::string id, container_id;
    ExecConfig config;

    std::mutex mu;
    std::condition_variable cv;
    State state = State::Created;
    pid_t pid = 0;
    std::optional<int> exit_code;
    std::shared_ptr<UniqueFd> console;  // Tty: the pty master, until the process exits
    std::chrono::steady_clock::time_point finished;

    ExecStatus status();  // locks
    // The process runs: its pid and terminal (returned, shared; empty without one). Locks.
    std::shared_ptr<UniqueFd> started(pid_t process, UniqueFd tty);
    // The process ended (or never started): the code, Exited, the terminal dropped. Locks.
    void finish(int code);
};

class ExecRegistry {
public:
    // A new instance with a fresh id. Instances that exited more than 5 minutes ago are
    // forgotten meanwhile (docker's exec GC).
    std::shared_ptr<ExecInstance> create(const std::string& container_id, ExecConfig config);
    std::shared_ptr<ExecInstance> find(const std::string& id);

private:
    std::mutex mu_;
    std::map<std::string, std::shared_ptr<ExecInstance>> instances_;
};

struct Service {
    std::string root, runtime;
    AttachBroker broker;
    ExecRegistry execs;
    Result<engine::Engine> engine() const { return engine::Engine::open(root, runtime); }
};

// The container `ref` names (id, id prefix or name); "No such container: <ref>" (404) when none.
Result<engine::ContainerRecord> find_container(const engine::Engine& e, const std::string& ref);  // container_handlers.cpp

// The engine and the container a route's {id} names: the start of most container routes.
struct ContainerTarget {
    engine::Engine e;
    engine::ContainerRecord rec;
};
Result<ContainerTarget> container_target(const Service& s, const Request& req);  // container_handlers.cpp

void add_system_routes(Router& r, Service& s);     // system_handlers.cpp
void add_container_routes(Router& r, Service& s);  // container_handlers.cpp
void add_stream_routes(Router& r, Service& s);     // stream_handlers.cpp: attach, logs, wait, stats
void add_image_routes(Router& r, Service& s);      // image_handlers.cpp
void add_container_fs_routes(Router& r, Service& s);  // container_fs_handlers.cpp: changes, export
void add_archive_routes(Router& r, Service& s);     // archive_handlers.cpp: docker cp's HEAD/GET/PUT archive
void add_network_routes(Router& r, Service& s);    // network_handlers.cpp
void add_volume_routes(Router& r, Service& s);     // volume_handlers.cpp
void add_image_transfer_routes(Router& r, Service& s);  // image_transfer_handlers.cpp: pull, push, load, save, prune, auth
void add_build_routes(Router& r, Service& s);         // build_handlers.cpp: POST /build
void add_exec_routes(Router& r, Service& s);          // exec_handlers.cpp: exec, exec start/inspect/resize, resize

// Every route: the implemented ones and the rest of the Docker API as 501.
Router make_router(Service& s);

}  // namespace brig::api
