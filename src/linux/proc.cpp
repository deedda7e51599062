#include "linux/proc.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

namespace brig::proc {

std::optional<Stat> parse_stat(std::string_view text) {
    size_t close = text.rfind(')');
    if (close == std::string_view::npos || close + 2 >= text.size() || text[close + 1] != ' ') return std::nullopt;
    std::string_view rest = text.substr(close + 2);  // field 3 onwards
    Stat st;
    st.state = rest[0];
    // Field 22 is 19 fields after the state.
    for (int field = 3; field < 22; ++field) {
        size_t sp = rest.find(' ');
        if (sp == std::string_view::npos) return std::nullopt;
        rest.remove_prefix(sp + 1);
    }
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), st.start_time);
    if (ec != std::errc() || (p != rest.data() + rest.size() && *p != ' ' && *p != '\n')) return std::nullopt;
    return st;
}

std::optional<Stat> read_stat(pid_t pid) {
    if (pid <= 0) return std::nullopt;
    char path[32];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char buf[4096];
    ssize_t n;
    do n = ::read(fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    ::close(fd);
    if (n <= 0) return std::nullopt;
    return parse_stat(std::string_view(buf, static_cast<size_t>(n)));
}

uint64_t start_time(pid_t pid) {
    auto st = read_stat(pid);
    return st ? st->start_time : 0;
}

bool is_running(pid_t pid, uint64_t start_time) {
    auto st = read_stat(pid);
    return st && !st->exited() && st->start_time == start_time;
}

bool is_running(pid_t pid) {
    auto st = read_stat(pid);
    return st && !st->exited();
}

}  // namespace brig::proc
