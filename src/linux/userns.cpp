#include "linux/userns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "linux/fs.hpp"
#include "linux/syscalls.hpp"

namespace brig::userns {

std::string map_text(const std::vector<oci::IdMapping>& maps) {
    std::string text;
    for (auto& m : maps) text += fmt::format("{} {} {}\n", m.containerID, m.hostID, m.size);
    return text;
}

Result<void> write_maps(pid_t pid, const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids) {
    // Without CAP_SETGID in the parent namespace, the kernel takes a gid_map only once
    // setgroups is denied (else the process could drop supplementary groups it was kept out by).
    if (::geteuid() != 0)
        if (auto r = linuxfs::write_file(fmt::format("/proc/{}/setgroups", pid), "deny"); !r)
            return std::unexpected(std::move(r.error()).context("deny setgroups"));
    if (auto r = linuxfs::write_file(fmt::format("/proc/{}/uid_map", pid), map_text(uids)); !r)
        return std::unexpected(std::move(r.error()).context("write uid_map"));
    if (auto r = linuxfs::write_file(fmt::format("/proc/{}/gid_map", pid), map_text(gids)); !r)
        return std::unexpected(std::move(r.error()).context("write gid_map"));
    return {};
}

bool running_in_user_ns() {
    static const bool in = [] {
        auto map = linuxfs::read_file("/proc/self/uid_map");
        if (!map) return false;
        unsigned long a = 1, b = 1, c = 0;
        if (std::sscanf(map->c_str(), "%lu %lu %lu", &a, &b, &c) != 3) return false;
        return !(a == 0 && b == 0 && c == 4294967295UL);
    }();
    return in;
}

Result<UniqueFd> make(const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0) return sys_fail("pipe");
    UniqueFd rd(pipefd[0]), wr(pipefd[1]);
    clone_args args{};
    args.flags = CLONE_NEWUSER;
    args.exit_signal = SIGCHLD;
    long pid = sys::clone3(args);
    if (pid < 0) return sys_fail("clone a user namespace");
    if (pid == 0) {
        // Hold the namespace until the parent has opened it (EOF on the pipe).
        wr.reset();
        char c;
        (void)!::read(rd.get(), &c, 1);
        ::_exit(0);
    }
    rd.reset();
    auto maps = write_maps(static_cast<pid_t>(pid), uids, gids);
    UniqueFd ns(::open(fmt::format("/proc/{}/ns/user", pid).c_str(), O_RDONLY | O_CLOEXEC));
    int err = errno;
    wr.reset();
    ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
    if (!maps) return std::unexpected(maps.error());
    if (!ns) return errno_fail(err, "open the new user namespace");
    return ns;
}

}  // namespace brig::userns
