// The exec routes' bodies and answers, pure: POST /containers/{id}/exec's ExecConfig, POST
// /exec/{id}/start's ExecStartCheck, the engine request they make, GET /exec/{id}/json's
// document, the h/w of the resize routes, and docker's detach keys (applied to the client's
// stdin with a TTY). Errors name the field; the handlers answer them with 400.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "engine/exec.hpp"

namespace brig::api {

struct ConsoleSize {
    uint16_t height = 0, width = 0;
    bool operator==(const ConsoleSize&) const = default;
};

struct ExecConfig {
    bool attach_stdin = false, attach_stdout = false, attach_stderr = false;
    bool tty = false, privileged = false;
    std::vector<std::string> cmd, env;
    std::string user, working_dir;
    std::string detach_keys;                  // as given ("" = docker's default, ctrl-p,ctrl-q)
    std::optional<ConsoleSize> console_size;  // ConsoleSize: [height, width]
};

// The ExecConfig body. Cmd is an array of strings or one string; an empty Cmd or unknown
// DetachKeys are refused with docker's messages.
Result<ExecConfig> parse_exec_config(std::string_view body);

struct ExecStart {
    bool detach = false;
    bool tty = false;  // the stream's framing: raw with a TTY, else stdcopy frames
    std::optional<ConsoleSize> console_size;
};
// The ExecStartCheck body ({"Detach":false,"Tty":true}); an empty body is all defaults.
Result<ExecStart> parse_exec_start(std::string_view body);

// The engine's request for the container `container_id` (its full id). Env entries without
// "=" (docker: unset the variable) are left out: the runtime can only set variables.
// The start's ConsoleSize, else the create's, is the pty's first size.
engine::ExecRequest to_exec_request(const ExecConfig& c, const std::string& container_id,
                                    std::optional<ConsoleSize> start_size = std::nullopt);

// What GET /exec/{id}/json reports of one instance.
struct ExecStatus {
    std::string id, container_id;
    ExecConfig config;
    bool running = false;
    std::optional<int> exit_code;  // null until the process has exited
    int pid = 0;
};
nlohmann::ordered_json exec_inspect_json(const ExecStatus& s);

// The resize routes' h and w query parameters: required, 0..65535.
Result<ConsoleSize> parse_console_size(const std::optional<std::string>& h, const std::optional<std::string>& w);

// docker's detach keys: a comma-separated list of single characters and ctrl-<c> (<c> one of
// a-z @ [ \ ] ^ _), or DEL. "" is the default, ctrl-p,ctrl-q. -> the byte sequence.
Result<std::string> parse_detach_keys(std::string_view spec);

// Finds the detach sequence in the client's stdin. Bytes that may start it are held back until
// they turn out to be something else; then they pass on with what follows.
class DetachScanner {
public:
    explicit DetachScanner(std::string keys) : keys_(std::move(keys)) {}
    // The bytes to pass on now; `detached` is set once the whole sequence came (what follows
    // it is dropped).
    std::string feed(std::string_view in, bool& detached);
    // What is still held back (the client's stdin ended).
    std::string flush() { return std::exchange(held_, {}); }

private:
    std::string keys_, held_;
};

}  // namespace brig::api
