// The values of docker's container flags, parsed: cpus, ulimits, devices, tmpfs (sizes and
// durations: common/units.hpp, included here for every caller). Pure; shared by every front end that takes docker's flag syntax.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/error.hpp"
#include "common/units.hpp"
#include "engine/host_config.hpp"

namespace brig::engine {

// "1.5" -> nano cpus.
Result<int64_t> parse_cpus(std::string_view s);
// --memory and --memory-swap: a size ("512m"); for --memory-swap also "-1" (unlimited swap).
// Errors name the flag: "invalid --memory: ...".
Result<int64_t> parse_memory_flag(std::string_view flag, std::string_view value);
// "nofile=1024:2048" / "nproc=512" -> {nofile, soft, hard}.
Result<Ulimit> parse_ulimit(std::string_view s);
// "/dev/fuse", "/dev/sda:/dev/xvda:rwm" -> {host, container, "rwm"}.
Result<DeviceMapping> parse_device(std::string_view s);
// "/run:rw,size=64m" -> {"/run", "rw,size=64m"}.
std::pair<std::string, std::string> parse_tmpfs(std::string_view s);

}  // namespace brig::engine
