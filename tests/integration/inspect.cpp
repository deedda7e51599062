// brig-inspect: a tiny static helper that runs inside test containers and reports,
// as JSON on stdout, what the process sees. The integration tests assert on it.
//
//   brig-inspect                      full report of the process (one JSON object)
//   brig-inspect OP ARGS [-- OP ARGS]...
//                                     run each operation, print a JSON array with one
//                                     result object per operation:
//     read PATH [MAX]                 read up to MAX bytes (default 65536)
//     write PATH [TEXT]               open O_WRONLY|O_CREAT|O_TRUNC and write TEXT
//     stat PATH                       lstat: type, mode, owner, device numbers, link target
//     ls PATH                         directory entries (sorted, without . and ..)
//     mkdir PATH                      mkdir 0755
//     exec PATH [ARGS...]             execv (only reports if it fails; must be last)
//     setrlimit NAME SOFT HARD        e.g. setrlimit NOFILE 100 200 ("unlimited" allowed)
//     report                          the full report as one element
//   brig-inspect wait-signal DIR      catch every catchable signal; write DIR/ready once the
//                                     handlers are installed, then wait; on a signal write its
//                                     number to DIR/signal and exit 0.
//
// Plain libc and the C++ standard library only; linked statically so it runs in any rootfs.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace {

// ---- a minimal JSON writer -------------------------------------------------------

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20 || c >= 0x7f) {
                    // Bytes outside printable ASCII become \u00XX so the output is always valid JSON.
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

// Builds one JSON object: obj.add("key", value) ... obj.str().
class Obj {
public:
    Obj& raw(std::string_view key, std::string_view json) {
        if (!body_.empty()) body_ += ',';
        body_ += quote(key);
        body_ += ':';
        body_ += json;
        return *this;
    }
    Obj& str(std::string_view key, std::string_view v) { return raw(key, quote(v)); }
    Obj& num(std::string_view key, long long v) { return raw(key, std::to_string(v)); }
    Obj& unum(std::string_view key, unsigned long long v) { return raw(key, std::to_string(v)); }
    Obj& boolean(std::string_view key, bool v) { return raw(key, v ? "true" : "false"); }
    std::string done() const { return "{" + body_ + "}"; }

private:
    std::string body_;
};

std::string array(const std::vector<std::string>& json_items) {
    std::string out = "[";
    for (size_t i = 0; i < json_items.size(); ++i) {
        if (i) out += ',';
        out += json_items[i];
    }
    return out + "]";
}

std::string str_array(const std::vector<std::string>& items) {
    std::vector<std::string> quoted;
    for (const auto& s : items) quoted.push_back(quote(s));
    return array(quoted);
}

// ---- small helpers ------------------------------------------------------------------

const char* errno_name(int e) {
    const char* n = strerrorname_np(e);
    return n ? n : "E?";
}

// {"ok":false,"errno":N,"error":"ENAME","message":"..."}
Obj failure(int e) {
    Obj o;
    o.boolean("ok", false).num("errno", e).str("error", errno_name(e)).str("message", std::strerror(e));
    return o;
}

bool read_file(const std::string& path, std::string& out, size_t max = 1 << 20) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    out.clear();
    char buf[4096];
    while (out.size() < max) {
        ssize_t n = ::read(fd, buf, std::min(sizeof buf, max - out.size()));
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            errno = e;
            return false;
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return true;
}

std::string read_link(const std::string& path) {
    std::string buf(4096, '\0');
    ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
    if (n < 0) return {};
    buf.resize(static_cast<size_t>(n));
    return buf;
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string_view::npos) end = s.size();
        out.emplace_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// Value of "Key:\t..." in /proc/self/status, trimmed; empty if absent.
std::string status_field(const std::string& status, std::string_view key) {
    for (const auto& line : split(status, '\n')) {
        if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 && line[key.size()] == ':') {
            size_t i = key.size() + 1;
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
            return line.substr(i);
        }
    }
    return {};
}

unsigned long long hex_value(const std::string& s) { return s.empty() ? 0 : std::strtoull(s.c_str(), nullptr, 16); }

// ---- the full report ------------------------------------------------------------------

struct RlimitName {
    const char* name;
    int resource;
};
constexpr RlimitName kRlimits[] = {
    {"AS", RLIMIT_AS},           {"CORE", RLIMIT_CORE},       {"CPU", RLIMIT_CPU},
    {"DATA", RLIMIT_DATA},       {"FSIZE", RLIMIT_FSIZE},     {"LOCKS", RLIMIT_LOCKS},
    {"MEMLOCK", RLIMIT_MEMLOCK}, {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},
    {"NOFILE", RLIMIT_NOFILE},   {"NPROC", RLIMIT_NPROC},     {"RSS", RLIMIT_RSS},
    {"RTPRIO", RLIMIT_RTPRIO},   {"RTTIME", RLIMIT_RTTIME},   {"SIGPENDING", RLIMIT_SIGPENDING},
    {"STACK", RLIMIT_STACK},
};

int rlimit_resource(std::string name) {
    if (name.starts_with("RLIMIT_")) name = name.substr(7);
    for (const auto& r : kRlimits)
        if (name == r.name) return r.resource;
    return -1;
}

std::string rlimits_json() {
    Obj o;
    for (const auto& r : kRlimits) {
        struct rlimit lim {};
        if (::getrlimit(static_cast<__rlimit_resource>(r.resource), &lim) != 0) continue;
        Obj one;
        one.unum("soft", lim.rlim_cur).unum("hard", lim.rlim_max);
        o.raw(r.name, one.done());
    }
    return o.done();
}

std::string namespaces_json() {
    Obj o;
    for (const char* ns : {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
                           "time_for_children", "user", "uts"}) {
        std::string target = read_link(std::string("/proc/self/ns/") + ns);  // "net:[4026531840]"
        size_t lb = target.find('['), rb = target.find(']');
        if (lb == std::string::npos || rb == std::string::npos || rb < lb) continue;
        o.unum(ns, std::strtoull(target.c_str() + lb + 1, nullptr, 10));
    }
    return o.done();
}

// Open descriptors, leaving out the one used to list them.
std::string fds_json() {
    std::vector<std::string> items;
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return "[]";
    int self = ::dirfd(dir);
    std::vector<int> fds;
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        int fd = std::atoi(e->d_name);
        if (fd != self) fds.push_back(fd);
    }
    std::sort(fds.begin(), fds.end());
    for (int fd : fds) {
        Obj o;
        int flags = ::fcntl(fd, F_GETFD);
        o.num("fd", fd).str("target", read_link("/proc/self/fd/" + std::to_string(fd)));
        o.boolean("cloexec", flags >= 0 && (flags & FD_CLOEXEC));
        items.push_back(o.done());
    }
    ::closedir(dir);
    return array(items);
}

// /proc/self/mountinfo: "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
std::string mounts_json() {
    std::string text;
    if (!read_file("/proc/self/mountinfo", text)) return "[]";
    std::vector<std::string> items;
    for (const auto& line : split(text, '\n')) {
        if (line.empty()) continue;
        auto f = split(line, ' ');
        auto dash = std::find(f.begin(), f.end(), "-");
        if (f.size() < 9 || dash == f.end() || f.end() - dash < 3) continue;  // need "-", fstype, source
        Obj o;
        o.num("id", std::atoi(f[0].c_str())).num("parent", std::atoi(f[1].c_str()));
        o.str("root", f[3]).str("mount_point", f[4]).str("options", f[5]);
        std::vector<std::string> optional(f.begin() + 6, dash);
        o.raw("optional", str_array(optional));
        o.str("fstype", dash[1]).str("source", dash + 2 < f.end() ? dash[2] : "");
        o.str("super_options", dash + 3 < f.end() ? dash[3] : "");
        items.push_back(o.done());
    }
    return array(items);
}

std::string report(int argc, char** argv) {
    Obj o;
    std::vector<std::string> args(argv, argv + argc);
    o.raw("argv", str_array(args));
    o.num("pid", ::getpid()).num("ppid", ::getppid()).num("pgid", ::getpgrp()).num("sid", ::getsid(0));

    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    ::getresuid(&ruid, &euid, &suid);
    ::getresgid(&rgid, &egid, &sgid);
    o.unum("uid", ruid).unum("euid", euid).unum("suid", suid);
    o.unum("gid", rgid).unum("egid", egid).unum("sgid", sgid);
    std::vector<gid_t> groups(static_cast<size_t>(std::max(::getgroups(0, nullptr), 0)));
    int ngroups = ::getgroups(static_cast<int>(groups.size()), groups.data());
    groups.resize(static_cast<size_t>(std::max(ngroups, 0)));
    std::vector<std::string> gitems;
    for (gid_t g : groups) gitems.push_back(std::to_string(g));
    o.raw("groups", array(gitems));

    char cwd[4096];
    o.str("cwd", ::getcwd(cwd, sizeof cwd) ? cwd : "");
    mode_t mask = ::umask(0);
    ::umask(mask);
    o.unum("umask", mask);

    struct utsname uts {};
    ::uname(&uts);
    o.str("hostname", uts.nodename).str("domainname", uts.domainname);

    o.raw("rlimits", rlimits_json());

    std::string status;
    read_file("/proc/self/status", status);
    Obj caps;
    caps.unum("inheritable", hex_value(status_field(status, "CapInh")));
    caps.unum("permitted", hex_value(status_field(status, "CapPrm")));
    caps.unum("effective", hex_value(status_field(status, "CapEff")));
    caps.unum("bounding", hex_value(status_field(status, "CapBnd")));
    caps.unum("ambient", hex_value(status_field(status, "CapAmb")));
    o.raw("caps", caps.done());
    o.num("no_new_privs", ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    o.num("seccomp", std::atoi(status_field(status, "Seccomp").c_str()));
    o.num("dumpable", ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    o.unum("sig_blocked", hex_value(status_field(status, "SigBlk")));
    o.unum("sig_ignored", hex_value(status_field(status, "SigIgn")));

    o.raw("namespaces", namespaces_json());

    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
    o.raw("env", str_array(env));

    std::string text;
    o.num("oom_score_adj", read_file("/proc/self/oom_score_adj", text) ? std::atoi(text.c_str()) : 0);
    o.str("uid_map", read_file("/proc/self/uid_map", text) ? text : "");
    o.str("gid_map", read_file("/proc/self/gid_map", text) ? text : "");
    o.str("setgroups", read_file("/proc/self/setgroups", text) ? text : "");
    o.str("cgroup", read_file("/proc/self/cgroup", text) ? text : "");
    o.raw("fds", fds_json());
    std::vector<std::string> ttys;
    for (int fd = 0; fd <= 2; ++fd) ttys.emplace_back(::isatty(fd) ? "true" : "false");
    o.raw("isatty", array(ttys));
    o.raw("mounts", mounts_json());
    return o.done();
}

// ---- operations ---------------------------------------------------------------------

const char* file_type(mode_t m) {
    if (S_ISREG(m)) return "reg";
    if (S_ISDIR(m)) return "dir";
    if (S_ISLNK(m)) return "lnk";
    if (S_ISCHR(m)) return "chr";
    if (S_ISBLK(m)) return "blk";
    if (S_ISFIFO(m)) return "fifo";
    if (S_ISSOCK(m)) return "sock";
    return "?";
}

std::string op_read(const std::vector<std::string>& a) {
    size_t max = a.size() > 1 ? std::strtoull(a[1].c_str(), nullptr, 10) : 65536;
    std::string data;
    if (!read_file(a[0], data, max)) return failure(errno).done();
    Obj o;
    o.boolean("ok", true).unum("size", data.size()).str("data", data.substr(0, 4096));
    return o.done();
}

std::string op_write(const std::vector<std::string>& a) {
    std::string text = a.size() > 1 ? a[1] : "brig";
    int fd = ::open(a[0].c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return failure(errno).done();
    ssize_t n = ::write(fd, text.data(), text.size());
    int e = errno;
    int c = ::close(fd);
    if (n < 0) return failure(e).done();
    if (c != 0) return failure(errno).done();
    Obj o;
    o.boolean("ok", true).num("written", n);
    return o.done();
}

std::string op_stat(const std::vector<std::string>& a) {
    struct stat st {};
    if (::lstat(a[0].c_str(), &st) != 0) return failure(errno).done();
    Obj o;
    o.boolean("ok", true).str("type", file_type(st.st_mode)).unum("mode", st.st_mode & 07777);
    o.unum("uid", st.st_uid).unum("gid", st.st_gid).num("size", st.st_size);
    o.unum("rdev_major", major(st.st_rdev)).unum("rdev_minor", minor(st.st_rdev));
    o.unum("dev", st.st_dev).unum("ino", st.st_ino);
    if (S_ISLNK(st.st_mode)) o.str("target", read_link(a[0]));
    return o.done();
}

std::string op_ls(const std::vector<std::string>& a) {
    DIR* dir = ::opendir(a[0].c_str());
    if (!dir) return failure(errno).done();
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    Obj o;
    o.boolean("ok", true).raw("entries", str_array(names));
    return o.done();
}

std::string op_mkdir(const std::vector<std::string>& a) {
    if (::mkdir(a[0].c_str(), 0755) != 0) return failure(errno).done();
    return Obj().boolean("ok", true).done();
}

std::string op_setrlimit(const std::vector<std::string>& a) {
    int res = rlimit_resource(a[0]);
    if (res < 0) return failure(EINVAL).done();
    auto value = [](const std::string& s) -> rlim_t {
        return s == "unlimited" ? RLIM_INFINITY : std::strtoull(s.c_str(), nullptr, 10);
    };
    struct rlimit lim {value(a[1]), value(a[2])};
    if (::setrlimit(static_cast<__rlimit_resource>(res), &lim) != 0) return failure(errno).done();
    return Obj().boolean("ok", true).done();
}

std::string op_exec(const std::vector<std::string>& a) {
    std::vector<char*> argv;
    for (const auto& s : a) argv.push_back(const_cast<char*>(s.c_str()));
    argv.push_back(nullptr);
    std::fflush(stdout);
    ::execv(argv[0], argv.data());
    return failure(errno).done();
}

// sd_notify: one datagram to $NOTIFY_SOCKET.
std::string op_notify(const std::vector<std::string>& a) {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path) return failure(ENOENT).done();
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    ssize_t n = ::sendto(fd, a[0].data(), a[0].size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int e = errno;
    ::close(fd);
    if (n < 0) return failure(e).done();
    return Obj().boolean("ok", true).done();
}

// The calling process's io priority as "class:data" (ioprio_get has no glibc wrapper).
std::string op_ioprio(const std::vector<std::string>&) {
    long v = ::syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
    if (v < 0) return failure(errno).done();
    Obj o;
    o.boolean("ok", true).raw("class", std::to_string(v >> 13)).raw("data", std::to_string(v & 0xff));
    return o.done();
}

// Sleep for a number of milliseconds (orders operations against the outside).
std::string op_sleep(const std::vector<std::string>& a) {
    ::usleep(static_cast<useconds_t>(std::strtoul(a[0].c_str(), nullptr, 10)) * 1000);
    return Obj().boolean("ok", true).done();
}

std::string run_op(const std::vector<std::string>& op, int argc, char** argv) {
    const std::string& name = op[0];
    std::vector<std::string> args(op.begin() + 1, op.end());
    struct Spec {
        const char* name;
        size_t min_args;
        std::string (*fn)(const std::vector<std::string>&);
    };
    static const Spec specs[] = {
        {"read", 1, op_read},   {"write", 1, op_write}, {"stat", 1, op_stat},           {"ls", 1, op_ls},
        {"mkdir", 1, op_mkdir}, {"exec", 1, op_exec},   {"setrlimit", 3, op_setrlimit},
        {"notify", 1, op_notify}, {"sleep", 1, op_sleep}, {"ioprio", 0, op_ioprio},
    };
    if (name == "report") return report(argc, argv);
    for (const auto& s : specs) {
        if (name != s.name) continue;
        if (args.size() < s.min_args) break;
        return s.fn(args);
    }
    std::fprintf(stderr, "brig-inspect: bad operation: %s\n", name.c_str());
    std::exit(2);
}

// ---- wait-signal --------------------------------------------------------------------

volatile sig_atomic_t g_signal = 0;

void on_signal(int sig) { g_signal = sig; }

bool write_text(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ok = (::close(fd) == 0) && ok;
    return ok && ::rename(tmp.c_str(), path.c_str()) == 0;  // readers never see a partial file
}

int wait_signal(const std::string& dir) {
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        ::sigaction(sig, &sa, nullptr);  // fails harmlessly for the few reserved numbers
    }
    if (!write_text(dir + "/ready", std::to_string(::getpid()) + "\n")) {
        std::perror("brig-inspect: write ready");
        return 1;
    }
    sigset_t none;
    sigemptyset(&none);
    while (g_signal == 0) sigsuspend(&none);
    int sig = g_signal;
    write_text(dir + "/signal", std::to_string(sig) + "\n");
    std::printf("{\"signal\":%d}\n", sig);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::puts(report(argc, argv).c_str());
        return 0;
    }
    if (args[0] == "wait-signal") {
        if (args.size() != 2) {
            std::fprintf(stderr, "usage: brig-inspect wait-signal DIR\n");
            return 2;
        }
        return wait_signal(args[1]);
    }
    std::vector<std::vector<std::string>> ops(1);
    for (const auto& a : args) {
        if (a == "--")
            ops.emplace_back();
        else
            ops.back().push_back(a);
    }
    std::vector<std::string> results;
    for (const auto& op : ops) {
        if (op.empty()) {
            std::fprintf(stderr, "brig-inspect: empty operation\n");
            return 2;
        }
        results.push_back(run_op(op, argc, argv));
    }
    std::puts(array(results).c_str());
    return 0;
}
