// The HTTP server of `brig system service`: listening unix sockets (made here, or handed over
// by systemd as LISTEN_FDS), a thread per connection, keep-alive, limits on the request head
// and body, and an idle timeout (the service exits after that long without a connection).
// Requests are parsed by Boost.Beast; responses are written here (full, chunked, or a hijacked
// connection after 101; http_types.hpp).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/router.hpp"
#include "common/error.hpp"

namespace brig::api {

struct ServerOptions {
    std::chrono::seconds idle{5};   // 0: serve forever
    size_t max_header = 64 << 10;   // request line + headers
    size_t max_body = 64 << 20;     // request bodies (create, ...); build contexts stream later
};

// Binds and listens on a unix socket at `path` (a stale socket file is replaced), mode `mode`.
Result<int> listen_unix(const std::string& path, unsigned mode);
// The sockets systemd passed (LISTEN_FDS, LISTEN_PID for this process); empty when none.
std::vector<int> systemd_listen_fds();

// Serves until idle for opts.idle (with no connection open). Takes the listening fds.
Result<void> serve(const Router& router, std::vector<int> listen_fds, const ServerOptions& opts);

}  // namespace brig::api
