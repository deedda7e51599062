#include "linux/signals.hpp"

#include <signal.h>

#include <cstdlib>
#include <utility>

namespace brig::signals {

namespace {

// The names in number order; aliases (IOT = ABRT, POLL = IO) after the name they stand for,
// so signal_name finds the usual one first.
constexpr std::pair<std::string_view, int> kSignals[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},   {"IOT", SIGIOT},       {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL},   {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

}  // namespace

Result<int> parse_signal(std::string_view s) {
    if (s.empty()) return fail("signal must not be empty");
    if (s[0] >= '0' && s[0] <= '9') {
        int n = 0;
        for (char c : s) {
            if (c < '0' || c > '9' || n > 1000) return fail("invalid signal {:?}", s);
            n = n * 10 + (c - '0');
        }
        if (n <= 0 || n > SIGRTMAX) return fail("invalid signal number {}", n);
        return n;
    }
    std::string name;
    for (char c : s) name += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    if (name.starts_with("SIG")) name.erase(0, 3);
    for (auto& [n, v] : kSignals)
        if (name == n) return v;
    if (name.starts_with("RTMIN") || name.starts_with("RTMAX")) {
        bool min = name[3] == 'I';
        int off = 0;
        if (name.size() > 5) {
            if (name[5] != (min ? '+' : '-')) return fail("unknown signal {:?}", s);
            off = std::atoi(name.c_str() + 6);
        }
        int v = min ? SIGRTMIN + off : SIGRTMAX - off;
        if (v < SIGRTMIN || v > SIGRTMAX) return fail("unknown signal {:?}", s);
        return v;
    }
    return fail("unknown signal {:?}", s);
}

std::string signal_name(int sig) {
    for (auto& [n, v] : kSignals)
        if (v == sig) return "SIG" + std::string(n);
    if (sig == SIGRTMIN) return "SIGRTMIN";
    if (sig > SIGRTMIN && sig <= SIGRTMAX) return fmt::format("SIGRTMIN+{}", sig - SIGRTMIN);
    return fmt::format("SIG{}", sig);
}

}  // namespace brig::signals
