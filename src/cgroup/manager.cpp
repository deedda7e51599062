#include "cgroup/manager.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "linux/fs.hpp"

namespace brig::cgroup {
namespace {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i <= s.size()) {
        size_t j = s.find(sep, i);
        if (j == std::string_view::npos) j = s.size();
        out.emplace_back(s.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// Does this hierarchy carry the given v1 controller?
bool has(const Hierarchy& h, std::string_view c) {
    for (auto& x : h.controllers)
        if (x == c) return true;
    return false;
}

Result<void> write(const std::string& dir, const char* file, const std::string& value) {
    if (auto r = linuxfs::write_file(dir + "/" + file, value); !r)
        return std::unexpected(Error{r.error().errnum, fmt::format("cgroup: write {:?} to {}/{}", value, dir, file)});
    return {};
}

}  // namespace

Result<System> detect() {
    auto mountinfo = linuxfs::read_file("/proc/self/mountinfo");
    if (!mountinfo) return std::unexpected(mountinfo.error());
    auto self = linuxfs::read_file("/proc/self/cgroup");
    if (!self) return std::unexpected(self.error());

    // hierarchy key ("memory", "name=systemd", "" for v2) -> caller's path
    std::map<std::string, std::string> own;
    for (auto& line : split(*self, '\n')) {
        auto f = split(line, ':');
        if (f.size() < 3) continue;
        std::string path = line.substr(f[0].size() + f[1].size() + 2);
        own[f[1]] = path;
    }

    System sys;
    bool v1 = false, v2 = false, root_is_v2 = false;
    std::istringstream in(*mountinfo);
    for (std::string line; std::getline(in, line);) {
        // id parent major:minor root mountpoint opts [optional...] - fstype source superopts
        auto sep = line.find(" - ");
        if (sep == std::string::npos) continue;
        auto pre = split(line.substr(0, sep), ' ');
        auto post = split(line.substr(sep + 3), ' ');
        if (pre.size() < 5 || post.size() < 3) continue;
        const std::string& fstype = post[0];
        if (fstype != "cgroup" && fstype != "cgroup2") continue;
        if (pre[3] != "/") continue;  // a bind of a sub-cgroup: not a hierarchy root we manage
        Hierarchy h;
        h.mountpoint = pre[4];
        if (fstype == "cgroup2") {
            h.v2 = true;
            h.own_path = own.count("") ? own[""] : "/";
            v2 = true;
            if (h.mountpoint == "/sys/fs/cgroup") root_is_v2 = true;
        } else {
            for (auto& o : split(post[2], ','))
                if (o != "rw" && o != "ro" && !o.starts_with("release_agent") && o != "clone_children" &&
                    o != "noprefix" && o != "xattr" && o != "nsdelegate" && o != "cpuset_v2_mode")
                    h.controllers.push_back(o);
            std::string key;
            for (auto& c : h.controllers) key += (key.empty() ? "" : ",") + c;
            h.own_path = own.count(key) ? own[key] : "/";
            v1 = true;
        }
        sys.hierarchies.push_back(std::move(h));
    }
    if (!v1 && !v2) return fail("cgroup: no cgroup file system is mounted");
    sys.layout = (v2 && !v1) || root_is_v2 ? Layout::V2 : (v2 ? Layout::Hybrid : Layout::V1);
    if (root_is_v2)
        std::erase_if(sys.hierarchies, [](const Hierarchy& h) { return !h.v2; });
    return sys;
}

Result<Cgroup> plan(const System& sys, const std::string& cgroups_path, const std::string& id) {
    std::string p = cgroups_path.empty() ? id : cgroups_path;
    if (p.find(':') != std::string::npos)
        return fail("linux.cgroupsPath {:?}: the systemd slice:prefix:name form needs --systemd-cgroup, "
                    "which this machine cannot honour (systemd is not running)", p);
    for (auto& part : split(p, '/'))
        if (part == "..") return fail("linux.cgroupsPath {:?}: must not contain \"..\"", p);
    Cgroup cg;
    cg.v2_only = sys.layout == Layout::V2;
    for (auto& h : sys.hierarchies) {
        std::string rel = p.front() == '/' ? p : (h.own_path == "/" ? "/" : h.own_path + "/") + p;
        std::string dir = h.mountpoint + rel;
        while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
        if (h.v2) cg.v2_dir = dir;
        cg.dirs.push_back(std::move(dir));
    }
    return cg;
}

Result<void> create(Cgroup& cg) {
    for (auto& dir : cg.dirs) {
        // Walk down from the hierarchy root, creating what is missing.
        std::vector<std::string> made;
        size_t pos = 0;
        while ((pos = dir.find('/', pos + 1)) != std::string::npos || pos == std::string::npos) {
            std::string prefix = pos == std::string::npos ? dir : dir.substr(0, pos);
            if (::mkdir(prefix.c_str(), 0755) == 0) {
                made.push_back(prefix);
                // A new v1 cpuset starts with no cpus or mems, and nothing can join it
                // until they are set: inherit the parent's.
                if (linuxfs::exists(prefix + "/cpuset.cpus")) {
                    std::string parent = prefix.substr(0, prefix.rfind('/'));
                    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
                        auto v = linuxfs::read_file(parent + "/" + f);
                        if (v && !trim(*v).empty()) (void)linuxfs::write_file(prefix + "/" + f, trim(*v));
                    }
                }
            } else if (errno != EEXIST) {
                auto err = sys_fail("cgroup: mkdir {}", prefix);
                for (auto it = made.rbegin(); it != made.rend(); ++it) ::rmdir(it->c_str());
                (void)destroy(cg.created, cg.dirs);
                cg.created.clear();
                return err;
            }
            if (pos == std::string::npos) break;
        }
        cg.created.insert(cg.created.begin(), made.rbegin(), made.rend());
    }
    // Deepest first across all hierarchies.
    std::stable_sort(cg.created.begin(), cg.created.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    return {};
}

Result<void> apply(const Cgroup& cg, const System& sys, const oci::Resources& res) {
    for (size_t i = 0; i < cg.dirs.size() && i < sys.hierarchies.size(); ++i) {
        const Hierarchy& h = sys.hierarchies[i];
        const std::string& d = cg.dirs[i];
        if (h.v2) {
            if (sys.layout != Layout::V2) continue;  // hybrid: the v1 controllers do the work
            if (res.memory && res.memory->limit)
                if (auto r = write(d, "memory.max", *res.memory->limit < 0 ? "max" : std::to_string(*res.memory->limit)); !r) return r;
            if (res.pids && res.pids->limit)
                if (auto r = write(d, "pids.max", *res.pids->limit <= 0 ? "max" : std::to_string(*res.pids->limit)); !r) return r;
            if (res.cpu && res.cpu->shares && *res.cpu->shares) {
                // The conversion runc and crun use: shares [2, 262144] -> weight [1, 10000].
                uint64_t w = 1 + ((*res.cpu->shares - 2) * 9999) / 262142;
                if (auto r = write(d, "cpu.weight", std::to_string(w)); !r) return r;
            }
            if (res.cpu && (res.cpu->quota || res.cpu->period)) {
                std::string q = res.cpu->quota && *res.cpu->quota > 0 ? std::to_string(*res.cpu->quota) : "max";
                if (auto r = write(d, "cpu.max", q + " " + std::to_string(res.cpu->period.value_or(100000))); !r) return r;
            }
            continue;
        }
        if (has(h, "memory") && res.memory && res.memory->limit)
            if (auto r = write(d, "memory.limit_in_bytes", std::to_string(*res.memory->limit)); !r) return r;
        if (has(h, "pids") && res.pids && res.pids->limit)
            if (auto r = write(d, "pids.max", *res.pids->limit <= 0 ? "max" : std::to_string(*res.pids->limit)); !r) return r;
        if (has(h, "cpu") && res.cpu) {
            if (res.cpu->shares && *res.cpu->shares)
                if (auto r = write(d, "cpu.shares", std::to_string(*res.cpu->shares)); !r) return r;
            if (res.cpu->period && *res.cpu->period)
                if (auto r = write(d, "cpu.cfs_period_us", std::to_string(*res.cpu->period)); !r) return r;
            if (res.cpu->quota && *res.cpu->quota)
                if (auto r = write(d, "cpu.cfs_quota_us", std::to_string(*res.cpu->quota)); !r) return r;
        }
    }
    return {};
}

Result<void> join(const Cgroup& cg, pid_t pid) {
    std::string s = std::to_string(pid);
    for (auto& d : cg.dirs)
        if (auto r = write(d, "cgroup.procs", s); !r) return r;
    return {};
}

std::vector<pid_t> pids(const std::vector<std::string>& dirs) {
    std::vector<pid_t> out;
    for (auto& d : dirs) {
        auto s = linuxfs::read_file(d + "/cgroup.procs");
        if (!s) continue;
        for (auto& l : split(*s, '\n'))
            if (!l.empty()) out.push_back(static_cast<pid_t>(std::stol(l)));
        if (!out.empty()) break;
    }
    return out;
}

namespace {
// Does a cgroup directory still have child cgroups (other containers under a shared parent)?
bool has_children(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return false;
    bool found = false;
    while (dirent* e = ::readdir(d))
        if (e->d_type == DT_DIR && e->d_name[0] != '.') found = true;
    ::closedir(d);
    return found;
}
}  // namespace

Result<void> destroy(const std::vector<std::string>& created, const std::vector<std::string>& leaves) {
    Result<void> result;
    for (auto& d : created) {
        // Parents we made stay while other containers use them; the kernel also reports
        // EBUSY for a moment after a child cgroup goes, so retry briefly.
        bool leaf = std::find(leaves.begin(), leaves.end(), d) != leaves.end();
        if (!leaf && has_children(d)) continue;
        for (int attempt = 0;; ++attempt) {
            if (::rmdir(d.c_str()) == 0 || errno == ENOENT) break;
            if (errno != EBUSY || attempt >= (leaf ? 200 : 20)) {
                if (leaf && result) result = sys_fail("cgroup: remove {}", d);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    return result;
}

}  // namespace brig::cgroup
