// brig-probe: runs inside a container (static) and reports, one line each, whether a few
// system calls the default seccomp profile must deny are allowed: "keyctl=EPERM".
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

static void report(const char* name, long rc) {
    if (rc < 0) std::printf("%s=%s\n", name, errno == EPERM ? "EPERM" : strerrorname_np(errno));
    else std::printf("%s=ok\n", name);
}

int main() {
    report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
    report("add_key", syscall(SYS_add_key, "user", "brig", "x", 1, -3));
    report("unshare", syscall(SYS_unshare, CLONE_NEWUSER));
    report("getpid", syscall(SYS_getpid));
    return 0;
}
