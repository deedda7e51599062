// brig-oci's entry point in the static build: the re-exec from a read-only binary
// (linux/selfexe.hpp) done before the C library starts.
//
// create, run and exec must not run from a binary a container could write, so they re-exec
// themselves once from a read-only, never-attached clone of their own mount. Done in main(),
// that costs a whole second process start, and on a virtual machine most of a static glibc
// start is its CPU feature probing: some 30 `cpuid` instructions, each a trap to the
// hypervisor (about 10 us apiece on the development VM, 0.3 ms per start). Here the first
// image does the check and the execveat with raw system calls before glibc initialises
// anything, so it costs a few system calls and the kernel's exec, and the C library starts
// once, in the read-only image.
//
// This code runs with no C library: no TLS (so no errno, no stack protector), IRELATIVE
// relocations not applied (so no memcpy/strlen), nothing allocated. It only reads the stack
// the kernel built (argc, argv, envp) and makes system calls. Anything it cannot settle
// (rootless: no open_tree; a failed exec) it leaves to main(), which runs the full check
// (selfexe::ensure_unwritable) with proper errors.
#include "cli/oci/early_entry.hpp"

// Set when the entry below found this image's binary already read-only (it is, after its
// own re-exec), so that main() need not look again. Stays 0 in a build without it.
int brig_oci_exe_verified_early = 0;

#if defined(__x86_64__)
// No call to memset/strlen/... may be synthesised from the loops below (they would go
// through IRELATIVE slots that are not filled in yet).
#pragma GCC optimize("no-tree-loop-distribute-patterns")

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

namespace {

#define BRIG_EARLY [[gnu::no_stack_protector, gnu::no_sanitize("address", "undefined")]]

BRIG_EARLY inline long sys6(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
    long ret;
    register long r10 asm("r10") = d;
    register long r8 asm("r8") = e;
    asm volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return ret;
}

BRIG_EARLY bool equal(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

// Is the file behind fd on a read-only mount, or a memfd sealed against writes?
BRIG_EARLY bool read_only(long fd) {
    struct statfs sfs;
    if (sys6(SYS_fstatfs, fd, reinterpret_cast<long>(&sfs)) == 0 && (sfs.f_flags & ST_RDONLY)) return true;
    long seals = sys6(SYS_fcntl, fd, F_GET_SEALS);
    return seals >= 0 && (seals & F_SEAL_WRITE);
}

// The command, past the global flags, as cli::parse_flags finds it (a flag written
// differently at worst costs the fast path: main() still checks).
BRIG_EARLY const char* command(long argc, char** argv) {
    long i = 1;
    while (i < argc) {
        const char* a = argv[i];
        if (a[0] != '-' || a[1] == 0) break;
        ++i;
        if (a[1] == '-' && a[2] == 0) break;  // "--"
        const char* name = a + (a[1] == '-' ? 2 : 1);
        bool inline_value = false;
        for (const char* p = name; *p; ++p)
            if (*p == '=') inline_value = true;
        if (!inline_value && (equal(name, "root") || equal(name, "log") || equal(name, "log-format") ||
                              equal(name, "criu") || equal(name, "rootless")))
            ++i;  // its value
    }
    return i < argc ? argv[i] : nullptr;
}

}  // namespace

extern "C" {

// sp points at argc, as the kernel left it; returns unless the exec succeeded.
BRIG_EARLY [[gnu::used]] void brig_oci_early(long* sp) {
    long argc = sp[0];
    char** argv = reinterpret_cast<char**>(sp + 1);
    char** envp = argv + argc + 1;
    const char* cmd = command(argc, argv);
    if (!cmd || !(equal(cmd, "create") || equal(cmd, "run") || equal(cmd, "exec"))) return;
    long exe = sys6(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/exe"), O_RDONLY | O_CLOEXEC);
    if (exe < 0) return;
    if (read_only(exe)) {
        brig_oci_exe_verified_early = 1;
        sys6(SYS_close, exe);
        return;
    }
    long tree = sys6(SYS_open_tree, exe, reinterpret_cast<long>(""), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    sys6(SYS_close, exe);
    if (tree < 0) return;
    mount_attr attr;
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    attr.attr_clr = 0;
    attr.propagation = 0;
    attr.userns_fd = 0;
    if (sys6(SYS_mount_setattr, tree, reinterpret_cast<long>(""), AT_EMPTY_PATH, reinterpret_cast<long>(&attr),
             sizeof attr) == 0 &&
        read_only(tree))
        sys6(SYS_execveat, tree, reinterpret_cast<long>(""), reinterpret_cast<long>(argv), reinterpret_cast<long>(envp),
             AT_EMPTY_PATH);
    sys6(SYS_close, tree);
}

}  // extern "C"

// The ELF entry point (linked with -e brig_oci_entry): run brig_oci_early on the initial
// stack, then glibc's _start exactly as the kernel would have (same rsp; rdx, the
// loader's fini pointer, kept in a callee-saved register).
asm(R"(
    .text
    .globl brig_oci_entry
    .type brig_oci_entry, @function
brig_oci_entry:
    mov %rdx, %r12
    mov %rsp, %rdi
    call brig_oci_early
    mov %r12, %rdx
    jmp _start
    .size brig_oci_entry, .-brig_oci_entry
)");

#endif  // __x86_64__
