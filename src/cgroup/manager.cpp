#include "cgroup/manager.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <thread>

#include "common/strings.hpp"
#include "linux/fs.hpp"

namespace brig::cgroup {
namespace {

// Does this hierarchy carry the given v1 controller?
bool has(const Hierarchy& h, std::string_view c) {
    return std::find(h.controllers.begin(), h.controllers.end(), c) != h.controllers.end();
}

// Words of a whitespace-separated file (cgroup.controllers, cgroup.subtree_control).
std::vector<std::string> words(const std::string& path) {
    std::vector<std::string> out;
    auto s = linuxfs::read_file(path);
    if (!s) return out;
    std::istringstream in(*s);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// Subdirectories (child cgroups) of a cgroup directory.
std::vector<std::string> children(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d))
        if (e->d_type == DT_DIR && std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..")
            out.push_back(dir + "/" + e->d_name);
    ::closedir(d);
    return out;
}

void read_procs(const std::string& dir, std::vector<pid_t>& out) {
    auto s = linuxfs::read_file(dir + "/cgroup.procs");
    if (!s) return;
    for (auto& l : split(*s, '\n'))
        if (!l.empty()) out.push_back(static_cast<pid_t>(std::stol(l)));
}

// v2: enable every available controller in cgroup.subtree_control from the hierarchy's
// root down to the container's parent, so that the container's cgroup gets their files.
// Controllers already enabled are left alone; failures (a parent with processes of its
// own cannot enable domain controllers) leave the controller unavailable, which apply()
// reports for any limit that needs it.
void enable_controllers(const std::string& root, const std::string& leaf) {
    if (leaf.size() <= root.size() || !leaf.starts_with(root)) return;
    std::string level = root;
    auto parts = split(std::string_view(leaf).substr(root.size() + 1), '/');
    for (size_t i = 0; i < parts.size(); ++i) {
        auto available = words(level + "/cgroup.controllers");
        auto enabled = words(level + "/cgroup.subtree_control");
        std::string add;
        std::vector<std::string> missing;
        for (auto& c : available)
            if (std::find(enabled.begin(), enabled.end(), c) == enabled.end()) missing.push_back(c);
        for (auto& c : missing) add += (add.empty() ? "+" : " +") + c;
        if (!add.empty() && !linuxfs::write_file(level + "/cgroup.subtree_control", add))
            for (auto& c : missing) (void)linuxfs::write_file(level + "/cgroup.subtree_control", "+" + c);
        level += "/" + parts[i];
    }
}

}  // namespace

Result<System> detect_from(std::string_view mountinfo, std::string_view self_cgroup) {
    // hierarchy key ("memory", "cpu,cpuacct", "name=systemd", "" for v2) -> caller's path
    std::map<std::string, std::string> own;
    for (auto& line : split(self_cgroup, '\n')) {
        auto f = split(line, ':');
        if (f.size() < 3) continue;
        own[f[1]] = line.substr(f[0].size() + f[1].size() + 2);
    }
    // A mount showing a sub-cgroup (root != "/") holds the caller's cgroup relative to it.
    auto relative = [](const std::string& path, const std::string& root) -> std::string {
        if (root == "/") return path;
        if (path == root) return "/";
        if (path.starts_with(root + "/")) return path.substr(root.size());
        return "/";  // a cgroup namespace already shows the path from its root
    };

    // The best mount of each hierarchy: one of its root if there is one, else the first.
    std::vector<std::string> order;
    std::map<std::string, Hierarchy> best;
    bool root_is_v2 = false;
    std::istringstream in{std::string(mountinfo)};
    for (std::string line; std::getline(in, line);) {
        // id parent major:minor root mountpoint opts [optional...] - fstype source superopts
        auto sep = line.find(" - ");
        if (sep == std::string::npos) continue;
        auto pre = split(line.substr(0, sep), ' ');
        auto post = split(line.substr(sep + 3), ' ');
        if (pre.size() < 5 || post.size() < 3) continue;
        const std::string& fstype = post[0];
        if (fstype != "cgroup" && fstype != "cgroup2") continue;
        Hierarchy h;
        h.mountpoint = pre[4];
        h.root = pre[3];
        std::string key;
        if (fstype == "cgroup2") {
            h.v2 = true;
            if (h.mountpoint == "/sys/fs/cgroup") root_is_v2 = true;
        } else {
            for (auto& o : split(post[2], ','))
                if (o != "rw" && o != "ro" && !o.starts_with("release_agent") && o != "clone_children" &&
                    o != "noprefix" && o != "xattr" && o != "nsdelegate" && o != "cpuset_v2_mode" &&
                    o != "memory_recursiveprot" && o != "memory_localevents" && o != "favordynmods")
                    h.controllers.push_back(o);
            key = brig::join(h.controllers, ",");
        }
        h.own_path = relative(own.count(key) ? own[key] : "/", h.root);
        auto it = best.find(key);
        if (it == best.end()) {
            order.push_back(key);
            best.emplace(key, std::move(h));
        } else if (it->second.root != "/" && h.root == "/") {
            it->second = std::move(h);
        }
    }
    System sys;
    bool v1 = false, v2 = false;
    for (auto& key : order) {
        (best[key].v2 ? v2 : v1) = true;
        sys.hierarchies.push_back(std::move(best[key]));
    }
    if (!v1 && !v2) return fail("cgroup: no cgroup file system is mounted");
    sys.layout = (v2 && !v1) || root_is_v2 ? Layout::V2 : (v2 ? Layout::Hybrid : Layout::V1);
    if (root_is_v2) std::erase_if(sys.hierarchies, [](const Hierarchy& h) { return !h.v2; });
    return sys;
}

Result<System> detect() {
    auto mountinfo = linuxfs::read_file("/proc/self/mountinfo");
    if (!mountinfo) return std::unexpected(mountinfo.error());
    auto self = linuxfs::read_file("/proc/self/cgroup");
    if (!self) return std::unexpected(self.error());
    return detect_from(*mountinfo, *self);
}

Result<Cgroup> plan(const System& sys, const std::string& cgroups_path, const std::string& id) {
    std::string p = cgroups_path.empty() ? id : cgroups_path;
    if (p.find(':') != std::string::npos)
        return fail("linux.cgroupsPath {:?}: the systemd slice:prefix:name form needs --systemd-cgroup, "
                    "which this machine cannot honour (systemd is not running)", p);
    for (auto& part : split(p, '/'))
        if (part == "..") return fail("linux.cgroupsPath {:?}: must not contain \"..\"", p);
    if (p.find('\0') != std::string::npos) return fail("linux.cgroupsPath: must not contain a NUL byte");
    Cgroup cg;
    cg.v2_only = sys.layout == Layout::V2;
    for (auto& h : sys.hierarchies) {
        std::string rel = p.front() == '/' ? p : (h.own_path == "/" ? "/" : h.own_path + "/") + p;
        // Clean repeated and trailing slashes.
        std::string clean;
        for (auto& part : split(rel, '/'))
            if (!part.empty() && part != ".") clean += "/" + part;
        std::string dir = h.mountpoint + clean;
        if (clean.empty()) return fail("linux.cgroupsPath {:?}: names the root cgroup of {}", p, h.mountpoint);
        if (h.v2) {
            cg.v2_dir = dir;
            cg.v2_root = h.mountpoint;
        }
        cg.dirs.push_back(std::move(dir));
    }
    return cg;
}

Cgroup from_dirs(const System& sys, const std::vector<std::string>& dirs) {
    Cgroup cg;
    cg.v2_only = sys.layout == Layout::V2;
    for (auto& h : sys.hierarchies) {
        std::string found;
        for (auto& d : dirs)
            if (d.starts_with(h.mountpoint + "/")) found = d;
        if (h.v2 && !found.empty()) {
            cg.v2_dir = found;
            cg.v2_root = h.mountpoint;
        }
        cg.dirs.push_back(std::move(found));
    }
    return cg;
}

namespace {
// A new v1 cpuset starts with no cpus or mems, and nothing can join it until they are set:
// inherit the parent's. A runtime that loses the mkdir race to another one sees EEXIST
// before the winner has filled the directory in, so this runs on every level we pass
// through, not just the ones we made; writing the parent's value twice is harmless.
void fill_cpuset(const std::string& dir, int depth = 0) {
    if (depth > 64 || !linuxfs::exists(dir + "/cpuset.cpus") || linuxfs::exists(dir + "/cgroup.controllers"))
        return;
    auto slash = dir.rfind('/');
    if (slash == 0 || slash == std::string::npos) return;
    std::string parent = dir.substr(0, slash);
    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
        auto mine = linuxfs::read_file(dir + "/" + f);
        if (!mine || !trim(*mine).empty()) continue;
        auto v = linuxfs::read_file(parent + "/" + f);
        if (v && trim(*v).empty()) {
            fill_cpuset(parent, depth + 1);
            v = linuxfs::read_file(parent + "/" + f);
        }
        if (v && !trim(*v).empty()) (void)linuxfs::write_file(dir + "/" + f, std::string(trim(*v)));
    }
}
}  // namespace

Result<void> create(Cgroup& cg) {
    for (auto& dir : cg.dirs) {
        if (dir.empty()) continue;
        // Try the leaf first and climb only while a parent is missing: usually the parent
        // exists and this is one mkdir per hierarchy. Going back down, a parent that another
        // runtime removed meanwhile (ENOENT again) just sends us up once more.
        std::vector<std::string> made;
        std::vector<std::string> pending;  // missing ancestors, deepest first
        std::string p = dir;
        for (int steps = 0;; ++steps) {
            int rc = ::mkdir(p.c_str(), 0755);
            auto slash = p.rfind('/');
            if (rc < 0 && errno == ENOENT && steps < 64 && slash != 0 && slash != std::string::npos) {
                pending.push_back(p);
                p = p.substr(0, slash);
                continue;
            }
            if (rc < 0 && errno != EEXIST) {
                auto err = sys_fail("cgroup: mkdir {}", p);
                for (auto it = made.rbegin(); it != made.rend(); ++it) ::rmdir(it->c_str());
                (void)destroy(cg.created, cg.dirs);
                cg.created.clear();
                return err;
            }
            if (rc == 0) made.push_back(p);
            // Whether we made it or a racing runtime did (EEXIST), it must be joinable.
            fill_cpuset(p);
            if (pending.empty()) break;
            p = pending.back();
            pending.pop_back();
        }
        cg.created.insert(cg.created.begin(), made.rbegin(), made.rend());
    }
    // Deepest first across all hierarchies.
    std::stable_sort(cg.created.begin(), cg.created.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    if (cg.v2_only && !cg.v2_dir.empty() && !cg.v2_root.empty()) enable_controllers(cg.v2_root, cg.v2_dir);
    return {};
}

std::string controller_dir(const Cgroup& cg, const System& sys, std::string_view controller) {
    if (controller.empty()) return cg.v2_dir;
    for (size_t i = 0; i < cg.dirs.size() && i < sys.hierarchies.size(); ++i)
        if (!sys.hierarchies[i].v2 && has(sys.hierarchies[i], controller)) return cg.dirs[i];
    return "";
}

namespace {
// Inside a user namespace (a nested or rootless runtime) the device controller cannot be
// set up: v1 refuses the writes and v2 needs CAP_SYS_ADMIN in the initial namespace. runc
// leaves devices alone there too.
bool in_user_namespace() {
    static const bool in = [] {
        auto map = linuxfs::read_file("/proc/self/uid_map");
        if (!map) return false;
        std::istringstream s(*map);
        std::string a, b, c;
        s >> a >> b >> c;
        return !(a == "0" && b == "0" && c == "4294967295");
    }();
    return in;
}
}  // namespace

PlanEnv plan_env(const Cgroup& cg, const System& sys, bool update) {
    // Copies: the env may outlive the caller's temporaries.
    auto where = [cg, sys](std::string_view c) -> std::optional<Version> {
        if (c == "unified") return cg.v2_dir.empty() ? std::nullopt : std::optional(Version::V2);
        if (c == "devices" && in_user_namespace()) return std::nullopt;
        if (!controller_dir(cg, sys, c).empty()) return Version::V1;
        if (cg.v2_dir.empty()) return std::nullopt;
        // Device programs attach to any cgroup2 directory; no controller is involved.
        if (c == "devices") return Version::V2;
        std::string name = c == "blkio" ? "io" : std::string(c);
        auto avail = words(cg.v2_dir + "/cgroup.controllers");
        if (std::find(avail.begin(), avail.end(), name) != avail.end()) return Version::V2;
        return std::nullopt;
    };
    auto dir = [cg, sys, where](std::string_view c) -> std::string {
        auto v = where(c);
        if (!v) return "";
        return *v == Version::V2 ? cg.v2_dir : controller_dir(cg, sys, c);
    };
    PlanEnv env;
    env.where = where;
    env.exists = [dir](std::string_view c, std::string_view f) {
        std::string d = dir(c);
        return !d.empty() && linuxfs::exists(d + "/" + std::string(f));
    };
    env.read = [dir](std::string_view c, std::string_view f) -> std::optional<std::string> {
        std::string d = dir(c);
        if (d.empty()) return std::nullopt;
        auto s = linuxfs::read_file(d + "/" + std::string(f));
        if (!s) return std::nullopt;
        return std::string(trim(*s));
    };
    env.update = update;
    return env;
}

Result<void> apply(const Cgroup& cg, const System& sys, const oci::Resources& res, const ApplyOptions& opts) {
    PlanEnv env = plan_env(cg, sys, opts.update);
    auto plan = plan_resources(res, opts.devices, env);
    if (!plan) return std::unexpected(plan.error());
    // Consecutive writes to one file (the device rules: one per write) share one open.
    std::string open_path;
    UniqueFd open_fd;
    auto perform = [&](const Write& w) -> Result<void> {
        std::string d = w.version == Version::V2 ? cg.v2_dir : controller_dir(cg, sys, w.controller);
        std::string path = d + "/" + w.file;
        if (!open_fd || path != open_path) {
            open_fd.reset(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
            open_path = open_fd ? path : std::string();
            if (!open_fd) return errno_fail(errno, "{}: write {} to {}", w.field, w.value, w.file);
        }
        ssize_t n;
        do n = ::write(open_fd.get(), w.value.data(), w.value.size());
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            int e = errno;
            open_fd.reset();  // a failed write may leave the file's state unknown: reopen next time
            return errno_fail(e, "{}: write {} to {}", w.field, w.value, w.file);
        }
        if (static_cast<size_t>(n) != w.value.size())
            return errno_fail(EIO, "{}: write {} to {}: short write", w.field, w.value, w.file);
        return {};
    };
    std::vector<const Write*> later;
    for (const auto& w : plan->writes) {
        auto r = perform(w);
        if (r) continue;
        if (w.retry_on_einval && r.error().errnum == EINVAL) {
            later.push_back(&w);
            continue;
        }
        return r;
    }
    for (const Write* w : later)
        if (auto r = perform(*w); !r) return r;
    if (plan->bpf_devices) {
        auto prog = device_program(*plan->bpf_devices);
        if (auto r = attach_device_program(cg.v2_dir, prog); !r) {
            // Rootless: BPF needs privileges the caller lacks; its devices are limited by
            // its user namespace instead (runc skips them too).
            bool rootless = ::geteuid() != 0 && (r.error().errnum == EPERM || r.error().errnum == EACCES);
            if (!rootless) return std::unexpected(std::move(r.error()).context("linux.resources.devices"));
        }
    }
    return {};
}

Result<void> join(const Cgroup& cg, pid_t pid) { return join_dirs(cg.dirs, pid); }

Result<void> join_dirs(std::span<const std::string> dirs, pid_t pid) {
    std::string s = std::to_string(pid);
    for (auto& d : dirs) {
        if (d.empty()) continue;
        if (auto r = linuxfs::write_file(d + "/cgroup.procs", s); !r)
            return errno_fail(r.error().errnum, "cgroup: join {} (write {} to cgroup.procs)", d, s);
    }
    return {};
}

Result<SelfJoin> prepare_self_join(std::span<const std::string> dirs) {
    SelfJoin j;
    for (auto& d : dirs) {
        if (d.empty()) continue;
        std::string tasks = d + "/tasks";
        UniqueFd fd(::open(tasks.c_str(), O_WRONLY | O_CLOEXEC));
        if (fd) {
            j.fds.push_back(std::move(fd));
            j.fd_dirs.push_back(d);
        } else if (errno == ENOENT && linuxfs::exists(d)) {
            j.by_pid.push_back(d);  // cgroup2: no `tasks`
        } else {
            return sys_fail("cgroup: join {} (open {})", d, tasks);
        }
    }
    return j;
}

Result<void> join_self(SelfJoin& j) {
    Result<void> result;
    for (size_t i = 0; i < j.fds.size(); ++i)
        if (result && ::write(j.fds[i].get(), "0", 1) != 1)
            result = sys_fail("cgroup: join {} (write 0 to tasks)", j.fd_dirs[i]);
    j.fds.clear();
    return result;
}

std::vector<pid_t> pids(const std::vector<std::string>& dirs) {
    std::vector<pid_t> out;
    for (auto& d : dirs) {
        if (d.empty()) continue;
        read_procs(d, out);
        if (!out.empty()) break;
    }
    return out;
}

std::vector<pid_t> all_pids(const std::vector<std::string>& dirs) {
    std::vector<pid_t> out;
    for (auto& d : dirs) {
        if (d.empty() || !linuxfs::exists(d)) continue;
        std::vector<std::string> todo{d};
        while (!todo.empty()) {
            std::string cur = std::move(todo.back());
            todo.pop_back();
            read_procs(cur, out);
            for (auto& c : children(cur)) todo.push_back(std::move(c));
        }
        break;  // every hierarchy holds the same processes
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool is_frozen(const Cgroup& cg, const System& sys) {
    if (std::string d = controller_dir(cg, sys, "freezer"); !d.empty()) {
        auto s = linuxfs::read_file(d + "/freezer.state");
        return s && s->starts_with("FROZEN");
    }
    if (!cg.v2_dir.empty()) {
        auto s = linuxfs::read_file(cg.v2_dir + "/cgroup.freeze");
        return s && s->starts_with("1");
    }
    return false;
}

Result<void> freeze(const Cgroup& cg, const System& sys, bool frozen, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    if (std::string d = controller_dir(cg, sys, "freezer"); !d.empty()) {
        const char* want = frozen ? "FROZEN" : "THAWED";
        for (int round = 0;; ++round) {
            // FREEZING may persist while a task is in an uninterruptible sleep; writing
            // FROZEN again retries it (as runc does).
            if (auto r = linuxfs::write_file(d + "/freezer.state", want); !r)
                return errno_fail(r.error().errnum, "write {} to {}/freezer.state", want, d);
            for (int i = 0; i < 100; ++i) {
                auto s = linuxfs::read_file(d + "/freezer.state");
                if (!s) return sys_fail("read {}/freezer.state", d);
                if (trim(*s) == want) return {};
                std::this_thread::sleep_for(std::chrono::microseconds(i < 10 ? 100 : 1000));
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                if (frozen) (void)linuxfs::write_file(d + "/freezer.state", "THAWED");
                return fail("{}/freezer.state did not become {} within {} ms", d, want, timeout.count());
            }
        }
    }
    if (cg.v2_dir.empty()) return fail("cgroup: no freezer: neither a v1 freezer hierarchy nor cgroup v2");
    const std::string& d = cg.v2_dir;
    if (auto r = linuxfs::write_file(d + "/cgroup.freeze", frozen ? "1" : "0"); !r)
        return errno_fail(r.error().errnum, "write {} to {}/cgroup.freeze", frozen ? 1 : 0, d);
    // cgroup.events says "frozen 1" once every task has stopped.
    std::string want = frozen ? "frozen 1" : "frozen 0";
    for (int i = 0;; ++i) {
        auto s = linuxfs::read_file(d + "/cgroup.events");
        if (!s) return sys_fail("read {}/cgroup.events", d);
        if (s->find(want) != std::string::npos) return {};
        if (std::chrono::steady_clock::now() >= deadline) {
            if (frozen) (void)linuxfs::write_file(d + "/cgroup.freeze", "0");
            return fail("{} did not become frozen within {} ms", d, timeout.count());
        }
        std::this_thread::sleep_for(std::chrono::microseconds(i < 10 ? 100 : 1000));
    }
}

namespace {

// Kill every process in dir and below (the container's own cgroup only), thawing it first.
void kill_inside(const std::string& dir) {
    if (linuxfs::exists(dir + "/freezer.state")) (void)linuxfs::write_file(dir + "/freezer.state", "THAWED");
    if (linuxfs::exists(dir + "/cgroup.kill")) {
        (void)linuxfs::write_file(dir + "/cgroup.kill", "1");
        return;
    }
    if (linuxfs::exists(dir + "/cgroup.freeze")) (void)linuxfs::write_file(dir + "/cgroup.freeze", "0");
    std::vector<pid_t> ps;
    std::vector<std::string> todo{dir};
    while (!todo.empty()) {
        std::string cur = std::move(todo.back());
        todo.pop_back();
        read_procs(cur, ps);
        for (auto& c : children(cur)) todo.push_back(std::move(c));
    }
    for (pid_t p : ps)
        if (p > 0) ::kill(p, SIGKILL);
}

// rmdir with retries while the kernel still counts exiting tasks.
bool remove_dir(const std::string& d, bool leaf) {
    for (int attempt = 0;; ++attempt) {
        if (::rmdir(d.c_str()) == 0 || errno == ENOENT) return true;
        if (errno != EBUSY || attempt >= (leaf ? 400 : 20)) return false;
        if (leaf && (attempt == 10 || attempt % 100 == 99)) kill_inside(d);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

// The cgroups below a container's own (made by exec --cgroup or by the container itself),
// deepest first.
void remove_below(const std::string& dir) {
    for (auto& c : children(dir)) {
        remove_below(c);
        (void)remove_dir(c, true);
    }
}

}  // namespace

Result<void> destroy(const std::vector<std::string>& created, const std::vector<std::string>& leaves) {
    Result<void> result;
    for (auto& d : created) {
        // Parents we made stay while other containers use them; the kernel also reports
        // EBUSY for a moment after a child cgroup goes, so retry briefly.
        bool leaf = std::find(leaves.begin(), leaves.end(), d) != leaves.end();
        if (!leaf && !children(d).empty()) continue;
        // A container's own cgroup usually goes at the first rmdir; only when that fails
        // (EBUSY) look for cgroups below it (exec --cgroup, or made by the container).
        if (leaf && (::rmdir(d.c_str()) == 0 || errno == ENOENT)) continue;
        if (leaf) remove_below(d);
        if (!remove_dir(d, leaf) && leaf && result) result = sys_fail("cgroup: remove {}", d);
    }
    return result;
}

}  // namespace brig::cgroup
