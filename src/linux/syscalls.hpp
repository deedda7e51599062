// Thin wrappers for system calls glibc 2.36 does not wrap (clone3, openat2, pivot_root).
#pragma once

#include <linux/openat2.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace brig::sys {

// clone3 with fork semantics (no new stack): returns 0 in the child, the child's pid in the parent.
inline long clone3(clone_args& args) {
    return ::syscall(SYS_clone3, &args, sizeof(args));
}

// fork() through clone3, with a pidfd for the child in *pidfd (glibc's fork would also
// run atfork handlers and fix up thread state we do not use).
inline long fork_pidfd(int* pidfd) {
    clone_args args{};
    args.flags = CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(pidfd);
    args.exit_signal = SIGCHLD;
    return clone3(args);
}

inline int openat2(int dirfd, const char* path, const open_how& how) {
    return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
}

inline int pivot_root(const char* new_root, const char* put_old) {
    return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}

// glibc 2.36's <sys/pidfd.h> lacks C++ linkage, so call these directly.
inline int pidfd_open(pid_t pid, unsigned flags) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}

inline int pidfd_send_signal(int pidfd, int sig) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

}  // namespace brig::sys
