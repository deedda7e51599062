// The client side of the monitor's attach protocol: copies the container's output to our
// stdout/stderr and our stdin to the container, proxies signals and the terminal size, and
// returns the exit code once the monitor reports one.
#pragma once

#include <cstdint>
#include <string_view>

namespace brig::engine {

// One packet to the monitor (monitor_proto.hpp): the type byte, then the payload.
void send_packet(int sock, uint8_t type, std::string_view payload);
// The container's terminal size (proto::Resize; the monitor sets it on its pty, if it has one).
void send_resize(int sock, uint16_t rows, uint16_t cols);

struct AttachOptions {
    bool tty = false;        // our terminal goes raw; window size forwarded
    bool stdin_open = false; // our stdin is forwarded
    bool sig_proxy = true;   // SIGINT/SIGTERM/... are sent to the container
    bool want_exit = true;   // stay until the container exits (false: return at stdin EOF... used by attach)
};

// Returns the container's exit code, or -1 when the monitor went away without one.
int attach_pump(int sock, const AttachOptions& opts);

}  // namespace brig::engine
