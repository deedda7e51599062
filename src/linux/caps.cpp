#include "linux/caps.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

#include "linux/fs.hpp"

namespace brig::caps {

int last_cap() {
    static int cached = [] {
        auto s = linuxfs::read_file("/proc/sys/kernel/cap_last_cap");
        return s ? std::atoi(s->c_str()) : CAP_LAST_CAP;
    }();
    return cached;
}

Result<void> drop_bounding(uint64_t bounding) {
    for (int c = 0; c <= last_cap(); ++c) {
        if (bounding & (1ULL << c)) continue;
        if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return sys_fail("drop capability {} from the bounding set", c);
    }
    return {};
}

Result<void> set(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    data[0].effective = static_cast<uint32_t>(effective);
    data[1].effective = static_cast<uint32_t>(effective >> 32);
    data[0].permitted = static_cast<uint32_t>(permitted);
    data[1].permitted = static_cast<uint32_t>(permitted >> 32);
    data[0].inheritable = static_cast<uint32_t>(inheritable);
    data[1].inheritable = static_cast<uint32_t>(inheritable >> 32);
    if (::syscall(SYS_capset, &hdr, data) < 0) return sys_fail("capset");
    return {};
}

Result<void> set_ambient(uint64_t ambient) {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) return sys_fail("clear ambient capabilities");
    for (int c = 0; c <= last_cap(); ++c)
        if ((ambient & (1ULL << c)) && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
            return sys_fail("raise ambient capability {}", c);
    return {};
}

}  // namespace brig::caps
