// sd_notify passthrough (NOTIFY_SOCKET): the container gets a socket of the runtime's in
// /run/notify; `start` listens on it and forwards what the container says to the caller's
// socket, returning once READY=1 has gone through (or the container has exited).
#pragma once

#include <sys/types.h>

#include <string>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace brig::runtime {

inline constexpr const char* kNotifyDirInContainer = "/run/notify";
inline constexpr const char* kNotifySocketInContainer = "/run/notify/notify.sock";

// Bind (again) the datagram socket <dir>/notify.sock; call before releasing the init.
Result<UniqueFd> bind_notify_socket(const std::string& dir);

// Forward datagrams from `sock` to `host_socket` until READY=1 passed or `pidfd` exits.
// READY=1 is sent with MAINPID=<pid> so the caller learns the container's main process.
Result<void> forward_notify(int sock, const std::string& host_socket, int pidfd, pid_t pid);

}  // namespace brig::runtime
