#include "runtime/sync.hpp"

#include <sys/socket.h>

#include <cstring>

#include <memory>
#include <vector>

#include "linux/fdpass.hpp"

namespace brig::runtime {
namespace {

struct Header {
    uint32_t type;
    int32_t errnum;
};
constexpr size_t kMaxText = kSyncMaxText;

}  // namespace

Result<std::pair<SyncSocket, SyncSocket>> SyncSocket::make_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) return sys_fail("socketpair");
    return std::pair{SyncSocket(UniqueFd(fds[0])), SyncSocket(UniqueFd(fds[1]))};
}

Result<void> SyncSocket::send(SyncType type, int32_t errnum, std::string_view text, int pass_fd) const {
    if (text.size() > kMaxText) text = text.substr(0, kMaxText);
    std::vector<char> storage(sizeof(Header) + text.size());
    char* buf = storage.data();
    Header h{static_cast<uint32_t>(type), errnum};
    std::memcpy(buf, &h, sizeof h);
    std::memcpy(buf + sizeof h, text.data(), text.size());
    ssize_t n = linuxfs::send_with_fd(fd_.get(), buf, sizeof h + text.size(), pass_fd);
    if (n < 0) return sys_fail("send sync message");
    return {};
}

Result<SyncMsg> SyncSocket::recv(UniqueFd* fd_out) const {
    // Room for the largest message, left uninitialised: zeroing 64 KiB (and faulting in
    // every page of it, in a freshly forked child) would cost more than the message.
    constexpr size_t kSize = sizeof(Header) + kMaxText + 1;
    auto storage = std::make_unique_for_overwrite<char[]>(kSize);
    char* buf = storage.get();
    bool truncated = false;
    ssize_t n = linuxfs::recv_with_fd(fd_.get(), buf, kSize, fd_out, &truncated);
    if (n < 0) return sys_fail("receive sync message");
    if (n == 0) return fail("container init exited before it reported (no message)");
    return decode_sync_message(buf, static_cast<size_t>(n), truncated);
}

Result<SyncMsg> decode_sync_message(const char* data, size_t n, bool truncated) {
    if (n < sizeof(Header) || n > sizeof(Header) + kMaxText || truncated)
        return fail("malformed sync message ({} bytes{})", n, truncated ? ", truncated" : "");
    Header h;
    std::memcpy(&h, data, sizeof h);
    if (h.type < static_cast<uint32_t>(SyncType::Go) || h.type > static_cast<uint32_t>(SyncType::SeccompFd))
        return fail("unknown sync message type {}", h.type);
    return SyncMsg{static_cast<SyncType>(h.type), h.errnum, std::string(data + sizeof h, n - sizeof h)};
}

Result<SyncMsg> SyncSocket::expect(SyncType type, UniqueFd* fd_out) const {
    auto m = recv(fd_out);
    if (!m) return m;
    if (m->type == SyncType::Error) return std::unexpected(Error{m->errnum, std::move(m->text)});
    if (m->type != type)
        return fail("unexpected sync message type {} (wanted {})", static_cast<uint32_t>(m->type),
                    static_cast<uint32_t>(type));
    return m;
}

std::optional<uint64_t> parse_sync_number(std::string_view text, uint64_t max) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (max - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

}  // namespace brig::runtime
