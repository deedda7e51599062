#include "build/context/data.hpp"

#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>

namespace brig::build::context {

Result<uint64_t> copy_data(int in, int out, uint64_t size) {
    uint64_t total = 0;
    bool range = true, send = true;
    while (total < size) {
        ssize_t n;
        const size_t want = static_cast<size_t>(std::min<uint64_t>(size - total, 1 << 30));
        if (range) {
            n = ::copy_file_range(in, nullptr, out, nullptr, want, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP || errno == EPERM)) {
                range = false;
                continue;
            }
        } else if (send) {
            n = ::sendfile(out, in, nullptr, want);
            if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
                send = false;
                continue;
            }
        } else {
            char buf[65536];
            n = ::read(in, buf, std::min(sizeof buf, want));
            for (ssize_t off = 0; n > 0 && off < n;) {
                ssize_t w = ::write(out, buf + off, static_cast<size_t>(n - off));
                if (w < 0 && errno != EINTR) return sys_fail("write");
                if (w > 0) off += w;
            }
        }
        if (n == 0) break;  // the file got shorter since it was stat'ed
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail("copy data");
        }
        total += static_cast<uint64_t>(n);
    }
    return total;
}

}  // namespace brig::build::context
