// Network namespace files: a new namespace kept alive by a bind mount, as `ip netns add` does.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <filesystem>
#include <thread>

#include "network/network.hpp"
#include "network/rtnl.hpp"

namespace brig::network {

namespace {
constexpr long kNsfsMagic = 0x6e736673;
}

std::string netns_path(std::string_view root, std::string_view container_id) {
    return fmt::format("{}/netns/{}", root, container_id);
}

bool is_netns(const std::string& path) {
    struct statfs st{};
    return ::statfs(path.c_str(), &st) == 0 && st.f_type == kNsfsMagic;
}

Result<void> create_netns(const std::string& path) {
    std::string what = fmt::format("create network namespace {}", path);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    if (ec) return errno_fail(ec.value(), "{}: create the parent directory", what);
    UniqueFd f(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
    if (!f) return sys_fail("{}", what);
    f.reset();
    // A thread of its own unshares, so the caller's namespaces never change.
    Result<void> result;
    std::thread t([&] {
        if (::unshare(CLONE_NEWNET) < 0) {
            result = sys_fail("{}: unshare", what);
            return;
        }
        if (::mount("/proc/thread-self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) < 0) {
            result = sys_fail("{}: bind mount", what);
            return;
        }
        if (auto r = rtnl::set_up("lo"); !r) result = std::unexpected(std::move(r.error()).context(what));
    });
    t.join();
    if (!result) (void)remove_netns(path);
    return result;
}

Result<void> remove_netns(const std::string& path) {
    if (::umount2(path.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        return sys_fail("unmount network namespace {}", path);
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) return sys_fail("remove {}", path);
    return {};
}

}  // namespace brig::network
