#include "linux/selfexe.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fd.hpp"

namespace brig::selfexe {
namespace {

constexpr unsigned kWriteSeals = F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL;

bool read_only(int fd) {
    struct statvfs sv;
    if (::fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY)) return true;
    int seals = ::fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (static_cast<unsigned>(seals) & F_SEAL_WRITE);
}

int execveat(int fd, char* const* argv, char* const* envp) {
    return static_cast<int>(::syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH));
}

// A read-only bind mount of the file behind `exe`, detached (never attached to any mount
// namespace). EPERM without CAP_SYS_ADMIN over our mount namespace.
Result<UniqueFd> readonly_clone(int exe) {
    UniqueFd tree(::open_tree(exe, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!tree) return sys_fail("clone a mount of the runtime binary");
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        return sys_fail("make the runtime binary's mount read-only");
    return tree;
}

Result<UniqueFd> sealed_copy(int exe) {
    struct stat st;
    if (::fstat(exe, &st) < 0) return sys_fail("stat the runtime binary");
#ifndef MFD_EXEC
    constexpr unsigned MFD_EXEC = 0x10;  // Linux 6.3; older kernels refuse it (EINVAL)
#endif
    UniqueFd mem(::memfd_create("brig-oci", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC));
    if (!mem && errno == EINVAL) mem.reset(::memfd_create("brig-oci", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!mem) return sys_fail("memfd for a sealed copy of the runtime binary");
    off_t off = 0;
    while (off < st.st_size) {
        ssize_t n = ::sendfile(mem.get(), exe, &off, static_cast<size_t>(st.st_size - off));
        if (n <= 0) return sys_fail("copy the runtime binary into a memfd");
    }
    if (::fcntl(mem.get(), F_ADD_SEALS, kWriteSeals) < 0) return sys_fail("seal the copy of the runtime binary");
    return mem;
}

}  // namespace

Result<void> ensure_unwritable(char* const* argv, char* const* envp) {
    UniqueFd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!exe) return sys_fail("open /proc/self/exe");
    if (read_only(exe.get())) return {};

    auto tree = readonly_clone(exe.get());
    int e = tree ? 0 : tree.error().errnum;
    if (e == EPERM || e == ENOSYS || e == EINVAL) {
        // No mount privileges (rootless, or root in a container), or an old kernel. A
        // rootless runtime's container can do at most what this user can.
        if (::geteuid() != 0 && ::access("/proc/self/exe", W_OK) < 0) return {};
        tree = sealed_copy(exe.get());
    }
    if (!tree) return std::unexpected(std::move(tree.error()).context(
        "brig-oci must not enter a container from a writable binary (/proc/self/exe)"));
    // Checked here, so that the new image cannot come back to this point and loop.
    if (!read_only(tree->get())) return fail("the runtime binary's private copy is still writable");
    execveat(tree->get(), argv, envp);
    return sys_fail("re-execute the runtime binary from its read-only copy");
}

}  // namespace brig::selfexe
