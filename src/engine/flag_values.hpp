// The values of docker's container flags, parsed: sizes, cpus, ulimits, devices, tmpfs,
// durations. Pure; shared by every front end that takes docker's flag syntax.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/error.hpp"
#include "engine/host_config.hpp"

namespace brig::engine {

// "512m", "1g", "1024", "2kb" -> bytes (docker's RAMInBytes: binary units).
Result<int64_t> parse_size(std::string_view s);
// "1.5" -> nano cpus.
Result<int64_t> parse_cpus(std::string_view s);
// "nofile=1024:2048" / "nproc=512" -> {nofile, soft, hard}.
Result<Ulimit> parse_ulimit(std::string_view s);
// "/dev/fuse", "/dev/sda:/dev/xvda:rwm" -> {host, container, "rwm"}.
Result<DeviceMapping> parse_device(std::string_view s);
// "/run:rw,size=64m" -> {"/run", "rw,size=64m"}.
std::pair<std::string, std::string> parse_tmpfs(std::string_view s);
// "10s", "1m30s", "500ms", "2h" -> nanoseconds.
Result<int64_t> parse_duration(std::string_view s);

}  // namespace brig::engine
