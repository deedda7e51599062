// OCI hooks: programs the runtime runs at fixed points of the lifecycle, each given the
// container's state JSON on stdin, with its own args, env and timeout.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "oci/spec.hpp"

namespace brig::runtime {

// The state document hooks read on stdin.
std::string hook_state_json(const std::string& id, std::string_view status, pid_t pid, const std::string& bundle,
                            const std::map<std::string, std::string>& annotations);

// Run hooks in order; the first failure (exit status, signal, timeout, exec error) stops
// and is returned, naming the hook ("hooks.createRuntime[1] /bin/x: exit status 3").
Result<void> run_hooks(const std::vector<oci::Hook>& hooks, std::string_view which, const std::string& state_json);

// Hooks as stored in the state record (for poststop at delete time).
std::string hooks_to_json(const oci::Hooks& hooks);
oci::Hooks hooks_from_json(const std::string& text);

}  // namespace brig::runtime
