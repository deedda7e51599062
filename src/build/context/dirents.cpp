#include "build/context/dirents.hpp"

#include <dirent.h>

#include <algorithm>
#include <cstring>

namespace brig::build::context {

Result<std::vector<Dirent>> read_dir(int dir_fd, bool sorted) {
    std::vector<Dirent> out;
    alignas(8) char buf[32768];
    for (;;) {
        ssize_t n = ::getdents64(dir_fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail("read directory");
        }
        if (n == 0) break;
        for (ssize_t off = 0; off < n;) {
            dirent64 d;
            std::memcpy(&d, buf + off, offsetof(dirent64, d_name));
            const char* name = buf + off + offsetof(dirent64, d_name);
            off += d.d_reclen;
            if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
            out.push_back({name, d.d_type});
        }
    }
    if (sorted) std::sort(out.begin(), out.end(), [](const Dirent& a, const Dirent& b) { return a.name < b.name; });
    return out;
}

}  // namespace brig::build::context
