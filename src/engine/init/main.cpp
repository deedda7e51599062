// brig-init: the small pid 1 of `--init`. Runs the command as its child, forwards the
// signals it gets to it, reaps every orphan, and exits with the command's status.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
    int first = 1;
    if (first < argc && std::strcmp(argv[first], "--") == 0) ++first;
    if (first >= argc) {
        std::fprintf(stderr, "brig-init: usage: brig-init [--] COMMAND [ARG...]\n");
        return 2;
    }
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid_t child = fork();
    if (child < 0) {
        std::perror("brig-init: fork");
        return 1;
    }
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &old, nullptr);
        setpgid(0, 0);
        tcsetpgrp(0, getpid());
        execvp(argv[first], argv + first);
        std::fprintf(stderr, "brig-init: exec %s: %s\n", argv[first], std::strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    for (;;) {
        siginfo_t si{};
        timespec ts{1, 0};
        int sig = sigtimedwait(&all, &si, &ts);
        if (sig > 0 && sig != SIGCHLD) kill(child, sig);
        int status = 0;
        pid_t w;
        while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
            if (w == child) {
                // Give the rest a moment to be reaped too, then leave with the command's status.
                while (waitpid(-1, nullptr, WNOHANG) > 0) {
                }
                if (WIFEXITED(status)) return WEXITSTATUS(status);
                return 128 + WTERMSIG(status);
            }
        }
    }
}
