// brig-probe: a small static helper that runs inside test containers.
//   brig-probe              reports, one line each, whether a few system calls the default
//                           seccomp profile must deny are allowed: "keyctl=EPERM".
//   brig-probe load MB      burns one CPU and grows its memory by 1 MiB (touched) every 50 ms up
//                           to MB MiB, then keeps burning (stats tests).
//   brig-probe alloc MB     allocates and touches MB MiB at once, then sleeps (OOM tests).
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

static void report(const char* name, long rc) {
    if (rc < 0) std::printf("%s=%s\n", name, errno == EPERM ? "EPERM" : strerrorname_np(errno));
    else std::printf("%s=ok\n", name);
}

static double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A fresh MiB with every page written, so it counts as the container's memory.
static void touch_mib() {
    constexpr size_t kMiB = 1 << 20;
    auto* p = static_cast<char*>(std::malloc(kMiB));
    if (p == nullptr) return;
    for (size_t i = 0; i < kMiB; i += 4096) p[i] = 1;
    // The memory escapes: the compiler may not drop the allocation or the writes.
    asm volatile("" : : "r"(p) : "memory");
}

int main(int argc, char** argv) {
    if (argc == 3 && std::strcmp(argv[1], "load") == 0) {
        long max_mib = std::atol(argv[2]), have = 0;
        double next = now_s();
        volatile unsigned long spin = 0;
        while (true) {
            spin = spin + 1;
            if ((spin & 0xffff) == 0 && have < max_mib && now_s() >= next) {
                touch_mib();
                ++have;
                next += 0.05;
            }
        }
    }
    if (argc == 3 && std::strcmp(argv[1], "alloc") == 0) {
        long mib = std::atol(argv[2]);
        for (long i = 0; i < mib; ++i) touch_mib();
        std::printf("allocated %ld MiB\n", mib);
        std::fflush(stdout);
        while (true) pause();
    }
    report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
    report("add_key", syscall(SYS_add_key, "user", "brig", "x", 1, -3));
    report("unshare", syscall(SYS_unshare, CLONE_NEWUSER));
    report("getpid", syscall(SYS_getpid));
    return 0;
}
