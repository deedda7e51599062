#include "engine/rootless.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/core.h>

#include "common/fd.hpp"
#include "engine/store.hpp"
#include "linux/fs.hpp"
#include "linux/proc.hpp"
#include "linux/spawn.hpp"
#include "linux/userns.hpp"

namespace brig::engine::rootless {

namespace {

bool g_active = false;
uid_t g_host_uid = 0;

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string home_dir() {
    std::string home = env_or("HOME", "");
    if (!home.empty()) return home;
    if (passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr) return pw->pw_dir;
    return "/tmp";
}

struct SubRange {
    unsigned long start = 0, count = 0;
};

// The user's first range in /etc/subuid or /etc/subgid (by name or by uid), as newuidmap reads them.
std::optional<SubRange> sub_range(const std::string& file, const std::string& name, uid_t uid) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto c1 = line.find(':');
        auto c2 = line.find(':', c1 == std::string::npos ? 0 : c1 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos) continue;
        std::string who = line.substr(0, c1);
        if (who != name && who != std::to_string(uid)) continue;
        SubRange r;
        r.start = std::strtoul(line.c_str() + c1 + 1, nullptr, 10);
        r.count = std::strtoul(line.c_str() + c2 + 1, nullptr, 10);
        if (r.count > 0) return r;
    }
    return std::nullopt;
}

// Runs a helper (newuidmap/newgidmap); its stderr becomes the error.
Result<void> run_helper(const std::vector<std::string>& argv) {
    spawn::Options o;
    o.argv = argv;
    auto run = spawn::run_capture(std::move(o));
    if (!run) return std::unexpected(run.error());
    if (run->status == 0) return {};
    std::string text = run->err;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (text.empty() && run->status == spawn::kExecFailed) text = "could not be run";
    return fail("{}: {}", argv[0], text.empty() ? fmt::format("exit status {}", run->status) : text);
}

// Writes the pause process's id maps: the user's subordinate ranges through the setuid helpers
// when it has them, else the user alone as root.
Result<void> write_maps(pid_t pid, uid_t uid, gid_t gid) {
    std::string name;
    if (passwd* pw = ::getpwuid(uid); pw != nullptr) name = pw->pw_name;
    auto su = sub_range("/etc/subuid", name, uid);
    auto sg = sub_range("/etc/subgid", name, uid);
    const char* newuidmap = "/usr/bin/newuidmap";
    const char* newgidmap = "/usr/bin/newgidmap";
    if (su && sg && ::access(newuidmap, X_OK) == 0 && ::access(newgidmap, X_OK) == 0) {
        std::string p = std::to_string(pid);
        if (auto r = run_helper({newuidmap, p, "0", std::to_string(uid), "1", "1", std::to_string(su->start),
                                 std::to_string(su->count)});
            !r)
            return r;
        return run_helper({newgidmap, p, "0", std::to_string(gid), "1", "1", std::to_string(sg->start),
                           std::to_string(sg->count)});
    }
    if (auto r = linuxfs::write_file(fmt::format("/proc/{}/setgroups", pid), "deny"); !r) return r;
    if (auto r = linuxfs::write_file(fmt::format("/proc/{}/uid_map", pid), fmt::format("0 {} 1\n", uid)); !r) return r;
    return linuxfs::write_file(fmt::format("/proc/{}/gid_map", pid), fmt::format("0 {} 1\n", gid));
}

bool read_all(int fd, void* buf, size_t n) {
    auto* p = static_cast<char*>(buf);
    while (n > 0) {
        ssize_t r = ::read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

// Starts the pause process (double fork: not our child, in its own session) in a new user +
// mount namespace and maps it. Returns its pid.
Result<pid_t> start_pause(uid_t uid, gid_t gid) {
    int up[2], down[2];
    if (::pipe2(up, O_CLOEXEC) < 0) return sys_fail("pipe");
    if (::pipe2(down, O_CLOEXEC) < 0) {
        ::close(up[0]);
        ::close(up[1]);
        return sys_fail("pipe");
    }
    UniqueFd up_r(up[0]), up_w(up[1]), down_r(down[0]), down_w(down[1]);
    pid_t child = ::fork();
    if (child < 0) return sys_fail("fork");
    if (child == 0) {
        ::setsid();
        pid_t grand = ::fork();
        if (grand != 0) ::_exit(grand < 0 ? 1 : 0);
        int32_t msg[2] = {0, 0};
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
            msg[1] = errno;
            (void)!::write(up_w.get(), msg, sizeof msg);
            ::_exit(1);
        }
        msg[0] = static_cast<int32_t>(::getpid());
        (void)!::write(up_w.get(), msg, sizeof msg);
        char go = 0;
        if (!read_all(down_r.get(), &go, 1) || go != 'K') ::_exit(1);
        // Mounts made in here never reach the host; host mounts still show up in here.
        int err = 0;
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0) err = errno;
        int32_t done[2] = {static_cast<int32_t>(::getpid()), err};
        (void)!::write(up_w.get(), done, sizeof done);
        if (err != 0) ::_exit(1);
        (void)!::chdir("/");
        int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
        ::close_range(3, ~0U, 0);
        ::prctl(PR_SET_NAME, "brig-pause", 0, 0, 0);
        sigset_t all;
        sigfillset(&all);
        sigdelset(&all, SIGTERM);
        ::sigprocmask(SIG_SETMASK, &all, nullptr);
        ::signal(SIGTERM, SIG_DFL);
        while (true) ::pause();
    }
    up_w.reset();
    down_r.reset();
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    int32_t msg[2];
    if (!read_all(up_r.get(), msg, sizeof msg)) return fail("the namespace process exited early");
    if (msg[0] <= 0) {
        if (msg[1] == EPERM || msg[1] == ENOSPC)
            return errno_fail(msg[1], "create a user namespace (are unprivileged user namespaces allowed? "
                                      "see user.max_user_namespaces)");
        return errno_fail(msg[1], "create a user namespace");
    }
    pid_t pause = msg[0];
    auto maps = write_maps(pause, uid, gid);
    if (!maps) {
        ::kill(pause, SIGKILL);
        return std::unexpected(std::move(maps.error()).context("map the user namespace"));
    }
    char go = 'K';
    (void)!::write(down_w.get(), &go, 1);
    int32_t done[2];
    if (!read_all(up_r.get(), done, sizeof done) || done[1] != 0) {
        ::kill(pause, SIGKILL);
        return errno_fail(done[1], "set up the mount namespace");
    }
    return pause;
}

std::string pid_file(const std::string& dir) { return dir + "/pause.pid"; }

// The recorded pause process if it still runs.
pid_t live_pause(const std::string& dir) {
    std::ifstream in(pid_file(dir));
    long pid = 0;
    uint64_t start = 0;
    if (!(in >> pid >> start) || pid <= 0) return 0;
    if (!process_alive(static_cast<pid_t>(pid), start)) return 0;
    return static_cast<pid_t>(pid);
}

}  // namespace

bool active() { return g_active; }
uid_t host_uid() { return g_host_uid; }

std::string default_root() {
    std::string data = env_or("XDG_DATA_HOME", "");
    if (data.empty() || data[0] != '/') data = home_dir() + "/.local/share";
    return data + "/brig";
}

Result<std::string> runtime_dir() {
    uid_t uid = g_active ? g_host_uid : ::getuid();
    std::string base = env_or("XDG_RUNTIME_DIR", "");
    std::string dir = !base.empty() && base[0] == '/' ? base + "/brig" : fmt::format("/tmp/brig-run-{}", uid);
    if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) return sys_fail("create {}", dir);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) < 0) return sys_fail("{}", dir);
    // Inside the namespace the user is root: compare with what the owner looks like from here.
    uid_t me = ::getuid();
    if (!S_ISDIR(st.st_mode) || st.st_uid != me || (st.st_mode & 077) != 0)
        return fail("{}: not a private directory of this user (want mode 0700, owner uid {})", dir, uid);
    return dir;
}

pid_t pause_pid() {
    auto dir = runtime_dir();
    if (!dir) return 0;
    return live_pause(*dir);
}

Result<void> enter() {
    if (::geteuid() == 0) {
        const char* mark = std::getenv(kEnvUid);
        if (mark != nullptr && *mark != '\0' && userns::running_in_user_ns()) {
            g_active = true;
            g_host_uid = static_cast<uid_t>(std::strtoul(mark, nullptr, 10));
        }
        return {};
    }
    uid_t uid = ::getuid();
    gid_t gid = ::getgid();
    auto dir = runtime_dir();
    if (!dir) return std::unexpected(dir.error());
    UniqueFd userns, mntns;
    {
        auto lock = lock_file(*dir + "/pause.lock");
        if (!lock) return std::unexpected(lock.error());
        pid_t pid = live_pause(*dir);
        if (pid == 0) {
            auto started = start_pause(uid, gid);
            if (!started) return std::unexpected(std::move(started.error()).context("rootless"));
            pid = *started;
            std::string text = fmt::format("{} {}\n", pid, proc::start_time(pid));
            if (auto r = linuxfs::write_file_atomic(pid_file(*dir), text, 0600, false); !r) {
                ::kill(pid, SIGKILL);
                return r;
            }
        }
        userns.reset(::open(fmt::format("/proc/{}/ns/user", pid).c_str(), O_RDONLY | O_CLOEXEC));
        mntns.reset(::open(fmt::format("/proc/{}/ns/mnt", pid).c_str(), O_RDONLY | O_CLOEXEC));
        if (!userns || !mntns) return sys_fail("rootless: open the namespaces of process {}", pid);
    }
    char cwd[PATH_MAX];
    bool have_cwd = ::getcwd(cwd, sizeof cwd) != nullptr;
    if (::setns(userns.get(), CLONE_NEWUSER) < 0) return sys_fail("rootless: join the user namespace");
    if (::setns(mntns.get(), CLONE_NEWNS) < 0) return sys_fail("rootless: join the mount namespace");
    if (!have_cwd || ::chdir(cwd) < 0) (void)!::chdir("/");
    g_active = true;
    g_host_uid = uid;
    ::setenv(kEnvUid, std::to_string(uid).c_str(), 1);
    return {};
}

bool cgroups_available(std::string* why) {
    auto text = linuxfs::read_file("/proc/self/cgroup");
    std::string path;
    if (text) {
        std::istringstream in(*text);
        std::string line;
        while (std::getline(in, line))
            if (line.starts_with("0::")) path = line.substr(3);
    }
    std::string base = linuxfs::exists("/sys/fs/cgroup/unified/cgroup.controllers") ? "/sys/fs/cgroup/unified"
                                                                                    : "/sys/fs/cgroup";
    std::string dir = base + path;
    if (!path.empty() && ::access(dir.c_str(), W_OK) == 0 &&
        ::access((dir + "/cgroup.subtree_control").c_str(), W_OK) == 0) {
        // Writable, but brig places containers under absolute cgroup parents it cannot reach
        // from here; a delegated subtree is not used yet.
        if (why != nullptr) *why = fmt::format("the delegated cgroup {} is not used by brig yet", dir);
        return false;
    }
    if (why != nullptr)
        *why = path.empty() ? "no cgroup v2 of this user found"
                            : fmt::format("no cgroup is delegated to this user ({} is not writable)", dir);
    return false;
}

Result<void> check_record(const ContainerRecord& rec) {
    if (!g_active) return {};
    const HostConfig& hc = rec.host;
    struct Flag {
        bool set;
        const char* flag;
    };
    const Flag limits[] = {{hc.memory != 0, "--memory"},      {hc.memory_swap != 0, "--memory-swap"},
                           {hc.nano_cpus != 0, "--cpus"},     {hc.cpu_shares != 0, "--cpu-shares"},
                           {!hc.cpuset_cpus.empty(), "--cpuset-cpus"}, {hc.pids_limit != 0, "--pids-limit"}};
    std::string why;
    for (const auto& f : limits)
        if (f.set && !cgroups_available(&why))
            return fail("{}: resource limits need cgroups, and this rootless brig has none: {}", f.flag, why);
    if ((!hc.userns_mode.empty() && hc.userns_mode != "host") || !hc.uid_maps.empty())
        return fail("--userns/--uidmap: a rootless container shares the user's namespace; mappings need root");
    const std::string& mode = rec.host.network_mode;
    if (!mode.empty() && mode != "bridge" && mode != "default" && mode != "none" && mode != "host" &&
        !mode.starts_with("container:") && !mode.starts_with("ns:"))
        return fail("--network {}: user-defined networks need root; rootless containers use the default network "
                    "(pasta), none, host or container:ID", mode);
    return {};
}

std::string uid_map_text() {
    auto map = linuxfs::read_file("/proc/self/uid_map");
    return map ? *map : "";
}

}  // namespace brig::engine::rootless
