// `brig logs`: reads the json-file log (rotated files oldest first), optionally following it
// while the container runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "engine/engine.hpp"

namespace brig::engine {

struct LogsOptions {
    bool follow = false;
    std::optional<size_t> tail;  // last N lines
    std::string since, until;    // RFC 3339 timestamps, unix seconds, or durations ("10m")
    bool timestamps = false;
    // Where each entry goes (its stream, and the text with the timestamp when asked); false
    // stops the reading (the Docker API's client went away); while following, an empty text asks
    // whether the reader is still there. Empty: our stdout and stderr.
    std::function<bool(bool is_stderr, std::string_view text)> sink;
};

Result<void> print_logs(const Engine& e, const ContainerRecord& rec, const LogsOptions& opts);

// "2026-11-23T20:19:44Z", "1700000000", "10m" (ago) -> RFC 3339 nano for comparison; "" when empty.
Result<std::string> parse_time_filter(std::string_view s);

}  // namespace brig::engine
