// brig-oci's cgroup commands: pause, resume, update, ps and events (runc's flags).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>

#include "common/error.hpp"

namespace brig::cli {

// Runs `cmd` if it is one of pause, resume, update, ps, events and returns its exit status;
// std::nullopt for any other command. Errors go through `report` (which returns the status).
std::optional<int> run_cgroup_command(const std::string& cmd, std::span<char* const> args, const std::string& root,
                                      const std::function<int(const brig::Error&)>& report);

}  // namespace brig::cli
