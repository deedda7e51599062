// `brig top` and GET /containers/{id}/top: the container's processes (from its cgroups) as
// docker shows them, with ps -ef's columns.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"
#include "engine/engine.hpp"

namespace brig::engine {

struct TopResult {
    std::vector<std::string> titles;                  // UID PID PPID C STIME TTY TIME CMD
    std::vector<std::vector<std::string>> processes;  // one row per process, by pid
};

// Error "container <id> is not running" when it is not.
Result<TopResult> top_container(const Engine& e, const std::string& id);

}  // namespace brig::engine
