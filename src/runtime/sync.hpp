// The parent/child protocol: small typed messages over a SOCK_SEQPACKET socketpair.
// Every message is bounds-checked on receipt; a short, oversized or unknown message is an
// error, never undefined behaviour. Errors from the child travel with errno and text, so
// the user sees the real cause instead of "EOF".
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <string>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace brig::runtime {

enum class SyncType : uint32_t {
    Go = 1,        // parent -> child: cgroups joined and id maps written, carry on
    Ready = 2,     // child -> parent: set up, waiting at the start gate
    Error = 3,     // child -> parent: setup failed (errnum + text)
    ConsoleFd = 4, // child -> parent: pty master attached as SCM_RIGHTS
    Pid = 5,       // child -> parent: pid of the real init (text holds it), when it had to fork
    MountFd = 6,   // parent -> child: a detached (id-mapped) mount for mounts[text] as SCM_RIGHTS
    SeccompFd = 8, // child -> parent: the seccomp notify fd (SCM_RIGHTS) for linux.seccomp.listenerPath
    Hooks = 7,     // child -> parent: namespaces ready, run prestart/createRuntime now (parent replies Go
                   // with the state JSON in text)
};

struct SyncMsg {
    SyncType type{};
    int32_t errnum = 0;
    std::string text;
};

// Decode one received message: `n` bytes at `data`; `truncated` when the kernel cut it
// (MSG_TRUNC/MSG_CTRUNC). Short, oversized, cut or unknown-type messages are errors.
Result<SyncMsg> decode_sync_message(const char* data, size_t n, bool truncated);

// The number a Pid or MountFd message carries as text: decimal digits only, at most
// `max`; anything else (empty, signs, spaces, trailing bytes, overflow) is nullopt.
std::optional<uint64_t> parse_sync_number(std::string_view text, uint64_t max);

// The largest text a message carries (longer text is cut by send).
inline constexpr size_t kSyncMaxText = 64 * 1024;  // a hook state with large annotations fits

class SyncSocket {
public:
    static Result<std::pair<SyncSocket, SyncSocket>> make_pair();
    SyncSocket() = default;
    explicit SyncSocket(UniqueFd fd) : fd_(std::move(fd)) {}

    Result<void> send(SyncType type, int32_t errnum = 0, std::string_view text = {}, int pass_fd = -1) const;
    // Receives one message; an fd passed with it lands in *fd_out (if non-null).
    Result<SyncMsg> recv(UniqueFd* fd_out = nullptr) const;
    // Receive and require a given type; an Error message becomes an Error value.
    Result<SyncMsg> expect(SyncType type, UniqueFd* fd_out = nullptr) const;

    int fd() const { return fd_.get(); }
    void close() { fd_.reset(); }

private:
    UniqueFd fd_;
};

}  // namespace brig::runtime
