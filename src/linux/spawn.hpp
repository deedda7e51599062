// fork + exec of a helper program (the OCI runtime, pasta, brig-dns, cp, ...) with its
// standard streams set up, optionally in a session of its own or as a daemon.
//
// Everything the child needs (argv and envp arrays, the fd plan) is built before fork: the
// child only makes async-signal-safe system calls and never allocates, so spawn() is safe in
// a multithreaded process. Plain system calls, no brig library: the monitor links this too.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace brig::spawn {

// For SpawnOptions::in/out/err: the child's stream is /dev/null, or the same as ours.
inline constexpr int kDevNull = -1;
inline constexpr int kInherit = -2;

// A process that could not be exec'd exits with this (as a shell does).
inline constexpr int kExecFailed = 127;
// ...and with this when cwd_fd could not be entered.
inline constexpr int kChdirFailed = 126;

struct Options {
    std::vector<std::string> argv;                // argv[0]: the program (a path, or a name when search_path)
    std::optional<std::vector<std::string>> env;  // "NAME=value" each; nullopt: our environment
    bool search_path = false;                     // look argv[0] up in PATH (execvp)

    // The child's stdin, stdout and stderr: an fd of ours (dup'd: close-on-exec does not
    // matter), kDevNull or kInherit.
    int in = kDevNull, out = kDevNull, err = kDevNull;
    // More fds for the child: {ours, its number}, e.g. {sync_socket, 3}.
    std::vector<std::pair<int, int>> fds;
    // Close every other fd of the child above 2 and the numbers in `fds`, not only the ones
    // marked close-on-exec.
    bool close_other_fds = false;

    bool clear_signal_mask = false;       // unblock every signal
    bool default_signal_actions = false;  // every signal to SIG_DFL (an ignored SIGPIPE would be inherited)
    bool new_session = false;             // setsid() (spawn_daemon: always, in the middle process)
    int cwd_fd = -1;                      // fchdir() to this directory first
};

// fork + exec. Returns the child's pid; fails only when the fork does (an exec that fails
// makes the child exit with kExecFailed). The caller reaps it (wait_exit).
Result<pid_t> spawn(const Options& o);

// A daemon: double fork, so the program runs in a new session, is not our child and is never
// our zombie (it is reparented to the nearest subreaper or init). Returns once the middle
// process has exited, which is when the program's pid exists; its pid is not known here.
Result<void> spawn_daemon(const Options& o);

// The exit code of a status from waitpid: the exit status, or 128 + the signal number.
int exit_code(int wait_status);

// waitpid (retried on EINTR) -> exit_code().
Result<int> wait_exit(pid_t pid);

// spawn() then wait_exit().
Result<int> run(const Options& o);

// run() with the child's output collected (spawn_capture.cpp).
struct Capture {
    std::optional<std::string> input;  // the child's stdin, a pipe fed with this; nullopt: Options::in
    enum class Err { separate, merged, as_given } err = Err::separate;  // merged: into `out`; as_given: Options::err
    size_t max_bytes = 16u << 20;  // of each stream; the rest is read and dropped
};
struct Captured {
    int status = -1;  // exit_code()
    std::string out, err;
};
Result<Captured> run_capture(Options o, const Capture& c = {});

}  // namespace brig::spawn
