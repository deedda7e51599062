// Which process holds a pid, from /proc/<pid>/stat: its state (field 3) and its start time
// (field 22, clock ticks after boot). The pair (pid, start time) names one process for good:
// a pid that is reused gets a later start time.
//
// Zombies, one rule for every caller: a zombie (state Z, or X while it is being reaped) has
// exited, so is_running() says no: runc's `state` reports a zombie init as stopped, a zombie
// monitor is a dead monitor, and signalling a zombie does nothing. Its pid stays taken until
// it is reaped, so start_time() still gives its start time: that is the value to record.
//
// Plain system calls, no brig library: the monitor links this too.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace brig::proc {

struct Stat {
    char state = 0;           // R, S, D, Z, X, T, t, ...
    uint64_t start_time = 0;  // clock ticks after boot
    bool exited() const { return state == 'Z' || state == 'X'; }
};

// The text of /proc/<pid>/stat -> its state and start time; nullopt if it is malformed.
// The command name may hold spaces and parentheses: fields resume after the last ')'.
std::optional<Stat> parse_stat(std::string_view text);

// nullopt when there is no such process.
std::optional<Stat> read_stat(pid_t pid);

// The start time of the process holding `pid`, a zombie included; 0 when there is none.
uint64_t start_time(pid_t pid);

// Is `pid` the process that started at `start_time`, and not yet exited (not a zombie)?
bool is_running(pid_t pid, uint64_t start_time);
// Is there a process at `pid` that has not exited, whenever it started?
bool is_running(pid_t pid);

}  // namespace brig::proc
