// Starting and stopping a network's DNS responder (brig-dns), a small detached process that
// holds <root>/networks/<name>/dns.lock while it runs.
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace brig::network::dns_ctl {

// brig-dns: $BRIG_DNS, else next to the running executable.
std::string dns_binary();
bool running(std::string_view root, std::string_view network);
// Start it if it is not running; returns once it listens on `listen`:53.
Result<void> ensure(std::string_view root, std::string_view network, const std::string& listen);
// Stop it (SIGTERM to the pid it recorded, only while it still holds its lock).
void stop(std::string_view root, std::string_view network);

}  // namespace brig::network::dns_ctl
