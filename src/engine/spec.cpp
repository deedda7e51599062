// build_spec in parts, one per part of config.json: the process, the mounts, the namespaces,
// the cgroup resources with the devices, and the confinement (masked paths, seccomp). Each
// fills the typed model (oci/spec.hpp); oci::to_string writes it.
#include "engine/spec.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

#include "common/strings.hpp"
#include "engine/profiles.hpp"
#include "engine/rootless.hpp"
#include "linux/fs.hpp"

namespace brig::engine {

using nlohmann::json;

namespace {

constexpr const char* kDefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

Result<std::string> read_in_root(const std::string& rootfs, const char* path) {
    UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return sys_fail("open {}", rootfs);
    auto fd = linuxfs::open_in_root(root.get(), path, O_RDONLY | O_CLOEXEC);
    if (!fd) return std::unexpected(fd.error());
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd->get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
}

}  // namespace

Result<ResolvedUser> resolve_user(const std::string& rootfs, const std::string& user) {
    ResolvedUser out;
    if (user.empty()) return out;
    auto colon = user.find(':');
    std::string u = user.substr(0, colon);
    std::string g = colon == std::string::npos ? "" : user.substr(colon + 1);
    auto passwd = read_in_root(rootfs, "/etc/passwd");
    auto group = read_in_root(rootfs, "/etc/group");
    bool found_user = false;
    std::string user_name;
    if (auto n = parse_number<int64_t>(u); n && *n >= 0) {
        out.uid = static_cast<uint32_t>(*n);
        if (passwd) {
            std::istringstream in(*passwd);
            for (std::string line; std::getline(in, line);) {
                auto f = split(line, ':');
                if (f.size() >= 4 && f[2] == u) {
                    out.gid = static_cast<uint32_t>(parse_number<int64_t>(f[3]).value_or(0));
                    user_name = f[0];
                    break;
                }
            }
        }
        found_user = true;
    } else if (passwd) {
        std::istringstream in(*passwd);
        for (std::string line; std::getline(in, line);) {
            auto f = split(line, ':');
            if (f.size() >= 4 && f[0] == u) {
                out.uid = static_cast<uint32_t>(parse_number<int64_t>(f[2]).value_or(0));
                out.gid = static_cast<uint32_t>(parse_number<int64_t>(f[3]).value_or(0));
                user_name = u;
                found_user = true;
                break;
            }
        }
    }
    if (!found_user) return fail("unable to find user {}: no matching entries in passwd file", u);
    if (!g.empty()) {
        if (auto n = parse_number<int64_t>(g); n && *n >= 0) {
            out.gid = static_cast<uint32_t>(*n);
        } else {
            bool found = false;
            if (group) {
                std::istringstream in(*group);
                for (std::string line; std::getline(in, line);) {
                    auto f = split(line, ':');
                    if (f.size() >= 3 && f[0] == g) {
                        out.gid = static_cast<uint32_t>(parse_number<int64_t>(f[2]).value_or(0));
                        found = true;
                        break;
                    }
                }
            }
            if (!found) return fail("unable to find group {}: no matching entries in group file", g);
        }
    }
    // The user's other groups from /etc/group only when no group is named: "uid:gid" and
    // "name:group" give exactly that group (docker, runc's GetExecUser).
    if (group && !user_name.empty() && g.empty()) {
        std::istringstream in(*group);
        for (std::string line; std::getline(in, line);) {
            auto f = split(line, ':');
            if (f.size() < 4) continue;
            for (const auto& m : split(f[3], ','))
                if (m == user_name) {
                    auto gid = static_cast<uint32_t>(parse_number<int64_t>(f[2]).value_or(0));
                    if (gid != out.gid) out.additional_gids.push_back(gid);
                }
        }
    }
    return out;
}

namespace {

// ---- the flags build_spec reads in more than one part ----

// --security-opt: no-new-privileges[=true|false], seccomp=FILE|unconfined, apparmor=, label=.
struct SecurityOpts {
    bool no_new_privileges = false;
    std::string seccomp;  // a profile file, "unconfined", or "" for brig's default
    std::string apparmor, label;
};

Result<SecurityOpts> parse_security_opts(const std::vector<std::string>& opts) {
    SecurityOpts out;
    for (const auto& opt : opts) {
        auto eq = opt.find_first_of("=:");
        std::string key = opt.substr(0, eq), val = eq == std::string::npos ? "" : opt.substr(eq + 1);
        if (key == "no-new-privileges") out.no_new_privileges = val.empty() || val == "true";
        else if (key == "seccomp") out.seccomp = val;
        else if (key == "apparmor") out.apparmor = val;
        else if (key == "label") out.label = val;
        else return fail("invalid --security-opt {:?}: use seccomp=, no-new-privileges, apparmor= or label=", opt);
    }
    return out;
}

// The default set, or every one when privileged, then --cap-add and --cap-drop.
Result<std::set<std::string>> capabilities_of(const HostConfig& hc) {
    auto base = hc.privileged ? grantable_capabilities() : default_capabilities();
    std::set<std::string> caps(base.begin(), base.end());
    for (const auto& c : hc.cap_add) {
        auto n = normalize_capability(c);
        if (!n) return fail("--cap-add: {}", n.error().message);
        if (*n == "ALL") {
            auto all = grantable_capabilities();
            caps.insert(all.begin(), all.end());
        } else {
            caps.insert(*n);
        }
    }
    for (const auto& c : hc.cap_drop) {
        auto n = normalize_capability(c);
        if (!n) return fail("--cap-drop: {}", n.error().message);
        if (*n == "ALL") caps.clear();
        else caps.erase(*n);
    }
    return caps;
}

// ---- process ----

// The user's home from the image's /etc/passwd (by name or uid), as docker sets HOME: "/root"
// for root without an entry, "/" for anyone else without one.
std::string home_of(const ContainerRecord& rec) {
    std::string u = rec.user.substr(0, rec.user.find(':'));
    if (u.empty()) u = "0";
    if (auto passwd = read_in_root(rec.rootfs, "/etc/passwd"))
        for (auto& line : split(*passwd, '\n')) {
            auto f = split(line, ':');
            if (f.size() >= 6 && (f[0] == u || f[2] == u)) return f[5].empty() ? "/" : f[5];
        }
    return u == "0" || u == "root" ? "/root" : "/";
}

// PATH, HOSTNAME and HOME unless the image or the user set them, then theirs, then TERM for a tty.
std::vector<std::string> env_of(const ContainerRecord& rec) {
    auto has = [&](std::string_view prefix) {
        return std::ranges::any_of(rec.env, [&](const std::string& e) { return e.starts_with(prefix); });
    };
    std::vector<std::string> env;
    if (!has("PATH=")) env.emplace_back(kDefaultPath);
    if (!has("HOSTNAME=")) env.push_back("HOSTNAME=" + rec.hostname);
    env.insert(env.end(), rec.env.begin(), rec.env.end());
    if (!has("HOME=")) env.push_back("HOME=" + home_of(rec));
    if (rec.tty && !has("TERM=")) env.emplace_back("TERM=xterm");
    return env;
}

// --ulimit, and docker's default for open files.
std::vector<oci::Rlimit> rlimits_of(const HostConfig& hc) {
    // docker's -1 is "unlimited".
    auto limit = [](int64_t v) { return v < 0 ? uint64_t{RLIM_INFINITY} : static_cast<uint64_t>(v); };
    std::vector<oci::Rlimit> out;
    for (const auto& u : hc.ulimits) {
        std::string upper;
        for (char c : u.name) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        out.push_back({.type = "RLIMIT_" + upper, .hard = limit(u.hard), .soft = limit(u.soft)});
    }
    if (std::ranges::none_of(hc.ulimits, [](const Ulimit& u) { return u.name == "nofile"; })) {
        // Capped at what we may grant: raising the hard limit needs CAP_SYS_RESOURCE.
        rlimit rl{};
        uint64_t n = 1048576;
        if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < n) n = rl.rlim_max;
        out.push_back({.type = "RLIMIT_NOFILE", .hard = n, .soft = n});
    }
    return out;
}

Result<oci::Process> process_of(const ContainerRecord& rec, const std::set<std::string>& caps,
                                const SecurityOpts& sec) {
    oci::Process p;
    p.args = rec.process_args();
    if (p.args.empty()) return fail("no command specified");
    if (rec.host.init) p.args.insert(p.args.begin(), {"/dev/init", "--"});
    auto user = resolve_user(rec.rootfs, rec.user);
    if (!user) return std::unexpected(user.error());
    p.user = {.uid = user->uid, .gid = user->gid, .additionalGids = user->additional_gids};
    p.terminal = rec.tty;
    p.env = env_of(rec);
    p.cwd = rec.workdir.empty() ? "/" : rec.workdir;
    std::vector<std::string> cap_list(caps.begin(), caps.end());
    p.capabilities = oci::Capabilities{.bounding = cap_list, .effective = cap_list, .permitted = cap_list};
    p.rlimits = rlimits_of(rec.host);
    p.noNewPrivileges = sec.no_new_privileges;
    if (sec.apparmor != "unconfined") p.apparmorProfile = sec.apparmor;
    // label=type:X etc. compose the process label the way podman does: user:role:type:level.
    for (const char* part : {"type:", "level:", "user:", "role:"})
        if (sec.label.starts_with(part))
            p.selinuxLabel = fmt::format("system_u:system_r:{}:s0", sec.label.substr(sec.label.find(':') + 1));
    // In a user namespace of its own the init cannot write its oom_score_adj: only when asked.
    if (rec.host.oom_score_adj != 0 || rec.uid_mappings.empty()) p.oomScoreAdj = rec.host.oom_score_adj;
    return p;
}

// ---- mounts ----

oci::Mount mount(std::string dest, std::string type, std::string source, std::vector<std::string> options) {
    return {.destination = std::move(dest), .type = std::move(type), .source = std::move(source),
            .options = std::move(options)};
}

// Rootless with only the user mapped: group 5 (tty) does not exist in its namespace.
bool maps_only_the_user() {
    if (!rootless::active()) return false;
    std::string map = rootless::uid_map_text();
    return map.find('\n') + 1 >= map.size();
}

// /proc, /dev, /sys and the other file systems every container has.
std::vector<oci::Mount> system_mounts(const ContainerRecord& rec) {
    std::string access = rec.host.privileged ? "rw" : "ro";
    std::vector<std::string> devpts = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
    if (!maps_only_the_user()) devpts.emplace_back("gid=5");
    // With a user namespace of its own (--userns, --uidmap) sysfs cannot be mounted: the network
    // namespace belongs to the host's user namespace. /sys is bound instead, as runc does.
    oci::Mount sys = rec.uid_mappings.empty()
                         ? mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", access})
                         : mount("/sys", "bind", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"});
    return {
        mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mount("/dev/pts", "devpts", "devpts", std::move(devpts)),
        std::move(sys),
        mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", access}),
        mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        mount("/dev/shm", "tmpfs", "shm",
              {"nosuid", "noexec", "nodev", "mode=1777", fmt::format("size={}", rec.host.shm_size)}),
    };
}

// Volumes, bind mounts and --mount tmpfs (rec.mounts, engine/volumes.hpp), parents before children.
void add_volume_mounts(const ContainerRecord& rec, std::vector<oci::Mount>& out) {
    std::vector<MountPoint> vm = rec.mounts;
    auto depth = [](const MountPoint& m) { return std::ranges::count(m.destination, '/'); };
    std::ranges::stable_sort(vm, [&](const MountPoint& a, const MountPoint& b) { return depth(a) < depth(b); });
    for (const auto& m : vm) {
        std::string rw = m.rw ? "rw" : "ro";
        if (m.type == "tmpfs") {
            std::vector<std::string> o = {"nosuid", "nodev", rw};
            o.insert(o.end(), m.options.begin(), m.options.end());
            out.push_back(mount(m.destination, "tmpfs", "tmpfs", std::move(o)));
        } else {
            out.push_back(mount(m.destination, "bind", m.source,
                                {"rbind", m.propagation.empty() ? "rprivate" : m.propagation, rw}));
        }
    }
}

Result<std::vector<oci::Mount>> mounts_of(const ContainerRecord& rec, const SpecInputs& in) {
    auto out = system_mounts(rec);
    add_volume_mounts(rec, out);
    // The /etc files brig writes go on top of the volumes.
    for (const auto& [src, dest] : {std::pair{in.hosts, "/etc/hosts"}, std::pair{in.hostname, "/etc/hostname"},
                                    std::pair{in.resolv_conf, "/etc/resolv.conf"}})
        if (!src.empty()) out.push_back(mount(dest, "bind", src, {"rbind", "rprivate", rec.host.read_only ? "ro" : "rw"}));
    if (rec.host.init) {
        if (in.init_binary.empty()) return fail("--init: the brig-init binary was not found next to brig");
        out.push_back(mount("/dev/init", "bind", in.init_binary, {"bind", "ro", "nosuid", "nodev"}));
    }
    for (const auto& [path, opts] : rec.host.tmpfs) {
        std::vector<std::string> o = {"nosuid", "nodev", "noexec"};
        if (!opts.empty()) std::ranges::move(split(opts, ','), std::back_inserter(o));
        out.push_back(mount(path, "tmpfs", "tmpfs", std::move(o)));
    }
    return out;
}

// ---- namespaces ----

// New pid, ipc, uts, mount and cgroup namespaces; the network one is new, a file's
// (ns:PATH, or the one brig set up) or the host's; a user namespace with --userns/--uidmap.
void set_namespaces(const ContainerRecord& rec, const SpecInputs& in, oci::Linux& lx) {
    lx.namespaces = {{.type = "pid"}, {.type = "ipc"}, {.type = "uts"}, {.type = "mount"}, {.type = "cgroup"}};
    const std::string& net = rec.host.network_mode;
    if (net.starts_with("ns:")) lx.namespaces.push_back({.type = "network", .path = net.substr(3)});
    else if (net != "host") lx.namespaces.push_back({.type = "network", .path = in.netns});
    if (rec.uid_mappings.empty()) return;
    lx.namespaces.push_back({.type = "user", .path = in.userns_path});
    if (!in.userns_path.empty()) return;  // joined: its maps are already written
    auto maps = [](const std::vector<IdMap>& ms) {
        std::vector<oci::IdMapping> out;
        for (const auto& m : ms) out.push_back({.containerID = m.container, .hostID = m.host, .size = m.size});
        return out;
    };
    lx.uidMappings = maps(rec.uid_mappings);
    lx.gidMappings = maps(rec.gid_mappings);
}

// ---- devices and cgroup resources ----

// --device: the node made in the container, and the cgroup rule that lets it be used.
Result<void> add_device(const DeviceMapping& d, oci::Linux& lx, std::vector<oci::DeviceRule>& rules) {
    struct stat st {};
    if (::stat(d.path_on_host.c_str(), &st) < 0) return sys_fail("--device {}", d.path_on_host);
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) return fail("--device {}: not a device node", d.path_on_host);
    std::string type = S_ISCHR(st.st_mode) ? "c" : "b";
    int64_t maj = major(st.st_rdev), min = minor(st.st_rdev);
    lx.devices.push_back({.type = type, .path = d.path_in_container, .major = maj, .minor = min,
                          .fileMode = st.st_mode & 07777, .uid = 0u, .gid = 0u});
    rules.push_back({.allow = true, .type = type, .major = maj, .minor = min, .access = d.cgroup_permissions});
    return {};
}

// Every device is denied (allowed when privileged) but those --device adds.
Result<void> set_resources(const HostConfig& hc, oci::Linux& lx) {
    oci::Resources& res = lx.resources.emplace();
    res.devices = {{.allow = hc.privileged, .access = "rwm"}};
    for (const auto& d : hc.devices)
        if (auto r = add_device(d, lx, res.devices); !r) return r;
    return set_limits(hc, res);
}

// ---- confinement ----

std::string uname_machine() {
    struct utsname u {};
    ::uname(&u);
    return u.machine;
}

// The filter of profile `file` ("" = brig's default) for a container holding `caps`.
Result<oci::Seccomp> seccomp_of(const std::string& file, const std::set<std::string>& caps, std::string_view machine) {
    json profile;
    try {
        if (file.empty()) {
            profile = json::parse(default_seccomp_profile_text());
        } else {
            auto text = linuxfs::read_file(file);
            if (!text) return fail("--security-opt seccomp={}: {}", file, text.error().what());
            profile = json::parse(*text);
        }
    } catch (const json::exception& e) {
        return fail("--security-opt seccomp={}: {}", file, e.what());
    }
    auto out = seccomp_for(profile, caps, machine);
    if (!out) return fail("seccomp profile {}: {}", file.empty() ? "(default)" : file, out.error().message);
    return out;
}

// Unless privileged: /proc and /sys paths hidden or read-only, and a seccomp filter.
Result<void> set_confinement(const ContainerRecord& rec, const SpecInputs& in, const std::set<std::string>& caps,
                             const SecurityOpts& sec, oci::Linux& lx) {
    if (sec.label.starts_with("level:"))
        lx.mountLabel = fmt::format("system_u:object_r:container_file_t:{}", sec.label.substr(6));
    if (rec.host.privileged) return {};
    lx.maskedPaths = {"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
                      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                      "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"};
    lx.readonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    if (sec.seccomp == "unconfined") return {};
    auto seccomp = seccomp_of(sec.seccomp, caps, in.machine.empty() ? uname_machine() : in.machine);
    if (!seccomp) return std::unexpected(seccomp.error());
    lx.seccomp = std::move(*seccomp);
    return {};
}

}  // namespace

namespace {

Result<std::optional<oci::MemoryResources>> memory_of(const HostConfig& hc) {
    oci::MemoryResources m;
    if (hc.memory > 0) m.limit = hc.memory;
    if (hc.memory_swap != 0) {
        if (hc.memory <= 0) return fail("--memory-swap requires --memory");
        m.swap = hc.memory_swap;
    } else if (hc.memory > 0) {
        m.swap = 2 * hc.memory;  // docker: swap defaults to as much again as the memory limit
    }
    if (m == oci::MemoryResources{}) return std::nullopt;
    return m;
}

std::optional<oci::CpuResources> cpu_of(const HostConfig& hc) {
    oci::CpuResources c;
    if (hc.nano_cpus > 0) {
        c.period = 100000;
        c.quota = hc.nano_cpus / 10000;
    }
    if (hc.cpu_shares > 0) c.shares = static_cast<uint64_t>(hc.cpu_shares);
    c.cpus = hc.cpuset_cpus;
    if (c == oci::CpuResources{}) return std::nullopt;
    return c;
}

}  // namespace

Result<void> set_limits(const HostConfig& hc, oci::Resources& res) {
    auto memory = memory_of(hc);
    if (!memory) return std::unexpected(memory.error());
    res.memory = *memory;
    res.cpu = cpu_of(hc);
    res.pids.reset();
    if (hc.pids_limit != 0) res.pids = oci::PidsResources{.limit = hc.pids_limit};
    return {};
}

Result<oci::Spec> build_spec(const ContainerRecord& rec, const SpecInputs& in) {
    auto caps = capabilities_of(rec.host);
    if (!caps) return std::unexpected(caps.error());
    auto sec = parse_security_opts(rec.host.security_opt);
    if (!sec) return std::unexpected(sec.error());
    auto process = process_of(rec, *caps, *sec);
    if (!process) return std::unexpected(process.error());
    auto mounts = mounts_of(rec, in);
    if (!mounts) return std::unexpected(mounts.error());

    oci::Linux lx{.cgroupsPath = rec.host.cgroup_parent + "/" + rec.id};
    set_namespaces(rec, in, lx);
    if (auto r = set_resources(rec.host, lx); !r) return std::unexpected(r.error());
    if (auto r = set_confinement(rec, in, *caps, *sec, lx); !r) return std::unexpected(r.error());

    oci::Spec spec{
        .ociVersion = "1.0.2",
        .process = std::move(*process),
        .root = {.path = in.root_path.empty() ? rec.rootfs : in.root_path, .readonly = rec.host.read_only},
        .hostname = rec.hostname,
        .mounts = std::move(*mounts),
        .annotations = {{"io.brig.container.name", rec.name}, {"io.brig.image", rec.image}},
        .linux = std::move(lx),
    };
    if (auto r = oci::resolve_names(spec); !r) return std::unexpected(r.error());
    return spec;
}

}  // namespace brig::engine
