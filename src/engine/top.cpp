#include "engine/top.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include <fmt/core.h>

#include "linux/fs.hpp"

namespace brig::engine {
namespace {

std::string user_name(uid_t uid) {
    if (auto* pw = ::getpwuid(uid)) return pw->pw_name;
    return std::to_string(uid);
}

// One ps -ef row for `pid`, or nothing when it is gone (or its stat cannot be read).
std::optional<std::vector<std::string>> process_row(pid_t pid, long hz) {
    auto stat = linuxfs::read_file(fmt::format("/proc/{}/stat", pid));
    if (!stat) return std::nullopt;
    auto rparen = stat->rfind(')');
    if (rparen == std::string::npos || rparen + 2 > stat->size()) return std::nullopt;
    std::istringstream f(stat->substr(rparen + 2));
    std::vector<std::string> fields;
    for (std::string x; f >> x;) fields.push_back(x);
    // fields[0] is field 3 (state): ppid=4, utime=14, stime=15.
    if (fields.size() < 20) return std::nullopt;
    long cpu = (std::stol(fields[11]) + std::stol(fields[12])) / hz;
    std::string cmd = linuxfs::read_file(fmt::format("/proc/{}/cmdline", pid)).value_or("");
    std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    while (!cmd.empty() && cmd.back() == ' ') cmd.pop_back();
    struct stat sb {};
    std::string uid = ::stat(fmt::format("/proc/{}", pid).c_str(), &sb) == 0 ? user_name(sb.st_uid) : "?";
    return std::vector<std::string>{uid, std::to_string(pid), fields[1], "0", "-", "?",
                                    fmt::format("{:02}:{:02}:{:02}", cpu / 3600, cpu / 60 % 60, cpu % 60), cmd};
}

}  // namespace

Result<TopResult> top_container(const Engine& e, const std::string& id) {
    auto rec = e.store.load(id);
    if (!rec) return std::unexpected(rec.error());
    if (!e.store.live_state(*rec).running()) return fail("container {} is not running", id);
    auto pids = container_pids(*rec);
    std::sort(pids.begin(), pids.end());
    long hz = ::sysconf(_SC_CLK_TCK);
    TopResult top;
    top.titles = {"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"};
    for (pid_t pid : pids)
        if (auto row = process_row(pid, hz > 0 ? hz : 100)) top.processes.push_back(std::move(*row));
    return top;
}

}  // namespace brig::engine
