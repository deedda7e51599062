#include "engine/spec.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>
#include <sstream>

#include "engine/profiles.hpp"
#include "engine/rootless.hpp"
#include "engine/usermap.hpp"
#include "linux/fs.hpp"

namespace brig::engine {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

constexpr const char* kDefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

ojson mount(const std::string& dest, const std::string& type, const std::string& source,
            std::vector<std::string> options) {
    return {{"destination", dest}, {"type", type}, {"source", source}, {"options", std::move(options)}};
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t p = s.find(sep, start);
        out.emplace_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
        if (p == std::string_view::npos) break;
        start = p + 1;
    }
    return out;
}

std::optional<int64_t> to_int(std::string_view s) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

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
    if (auto n = to_int(u); n && *n >= 0) {
        out.uid = static_cast<uint32_t>(*n);
        if (passwd) {
            std::istringstream in(*passwd);
            for (std::string line; std::getline(in, line);) {
                auto f = split(line, ':');
                if (f.size() >= 4 && f[2] == u) {
                    out.gid = static_cast<uint32_t>(to_int(f[3]).value_or(0));
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
                out.uid = static_cast<uint32_t>(to_int(f[2]).value_or(0));
                out.gid = static_cast<uint32_t>(to_int(f[3]).value_or(0));
                user_name = u;
                found_user = true;
                break;
            }
        }
    }
    if (!found_user) return fail("unable to find user {}: no matching entries in passwd file", u);
    if (!g.empty()) {
        if (auto n = to_int(g); n && *n >= 0) {
            out.gid = static_cast<uint32_t>(*n);
        } else {
            bool found = false;
            if (group) {
                std::istringstream in(*group);
                for (std::string line; std::getline(in, line);) {
                    auto f = split(line, ':');
                    if (f.size() >= 3 && f[0] == g) {
                        out.gid = static_cast<uint32_t>(to_int(f[2]).value_or(0));
                        found = true;
                        break;
                    }
                }
            }
            if (!found) return fail("unable to find group {}: no matching entries in group file", g);
        }
    }
    if (group && !user_name.empty()) {
        std::istringstream in(*group);
        for (std::string line; std::getline(in, line);) {
            auto f = split(line, ':');
            if (f.size() < 4) continue;
            for (const auto& m : split(f[3], ','))
                if (m == user_name) {
                    auto gid = static_cast<uint32_t>(to_int(f[2]).value_or(0));
                    if (gid != out.gid) out.additional_gids.push_back(gid);
                }
        }
    }
    return out;
}

Result<ojson> build_spec(const ContainerRecord& rec, const SpecInputs& in) {
    const HostConfig& hc = rec.host;
    std::string machine = in.machine;
    if (machine.empty()) {
        struct utsname u {};
        ::uname(&u);
        machine = u.machine;
    }

    // ---- process ----
    auto args = rec.process_args();
    if (args.empty()) return fail("no command specified");
    std::vector<std::string> env;
    bool has_path = false, has_term = false, has_host = false;
    for (const auto& e : rec.env) {
        has_path = has_path || e.starts_with("PATH=");
        has_term = has_term || e.starts_with("TERM=");
        has_host = has_host || e.starts_with("HOSTNAME=");
    }
    if (!has_path) env.emplace_back(kDefaultPath);
    if (!has_host) env.push_back("HOSTNAME=" + rec.hostname);
    env.insert(env.end(), rec.env.begin(), rec.env.end());
    if (rec.tty && !has_term) env.emplace_back("TERM=xterm");
    if (rec.host.init) args.insert(args.begin(), {"/dev/init", "--"});

    auto user = resolve_user(rec.rootfs, rec.user);
    if (!user) return std::unexpected(user.error());

    // Capabilities: the default set, or every one when privileged, then --cap-add/--cap-drop.
    std::set<std::string> caps;
    auto base = rec.host.privileged ? grantable_capabilities() : default_capabilities();
    caps.insert(base.begin(), base.end());
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
    std::vector<std::string> cap_list(caps.begin(), caps.end());

    bool no_new_privs = false;
    std::string seccomp_opt, apparmor, label;
    for (const auto& opt : hc.security_opt) {
        auto eq = opt.find_first_of("=:");
        std::string key = opt.substr(0, eq), val = eq == std::string::npos ? "" : opt.substr(eq + 1);
        if (key == "no-new-privileges") no_new_privs = val.empty() || val == "true";
        else if (key == "seccomp") seccomp_opt = val;
        else if (key == "apparmor") apparmor = val;
        else if (key == "label") label = val;
        else return fail("invalid --security-opt {:?}: use seccomp=, no-new-privileges, apparmor= or label=", opt);
    }

    ojson process = {
        {"terminal", rec.tty},
        {"user", {{"uid", user->uid}, {"gid", user->gid}}},
        {"args", args},
        {"env", env},
        {"cwd", rec.workdir.empty() ? "/" : rec.workdir},
        {"capabilities",
         {{"bounding", cap_list}, {"effective", cap_list}, {"permitted", cap_list}}},
        {"noNewPrivileges", no_new_privs},
    };
    if (!user->additional_gids.empty()) process["user"]["additionalGids"] = user->additional_gids;
    if (!apparmor.empty() && apparmor != "unconfined") process["apparmorProfile"] = apparmor;
    if (label.starts_with("type:") || label.starts_with("level:") || label.starts_with("user:") ||
        label.starts_with("role:")) {
        // label=type:X etc. compose the process label the way podman does: user:role:type:level.
        process["selinuxLabel"] = fmt::format("system_u:system_r:{}:s0", label.substr(label.find(':') + 1));
    }
    ojson rlimits = ojson::array();
    bool has_nofile = false;
    for (const auto& u : hc.ulimits) {
        const std::string& name = u.name;
        has_nofile = has_nofile || name == "nofile";
        std::string upper;
        for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        rlimits.push_back({{"type", "RLIMIT_" + upper}, {"hard", u.hard}, {"soft", u.soft}});
    }
    if (!has_nofile) {
        // docker's default, capped at what we may grant (raising the hard limit needs CAP_SYS_RESOURCE).
        rlimit rl{};
        uint64_t n = 1048576;
        if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < n) n = rl.rlim_max;
        rlimits.push_back({{"type", "RLIMIT_NOFILE"}, {"hard", n}, {"soft", n}});
    }
    process["rlimits"] = std::move(rlimits);
    // In a user namespace of its own the init cannot write its oom_score_adj: only when asked.
    if (hc.oom_score_adj != 0 || rec.uid_mappings.empty()) process["oomScoreAdj"] = hc.oom_score_adj;

    // ---- mounts ----
    ojson mounts = ojson::array({
        mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        // Rootless with only the user mapped: group 5 (tty) does not exist in its namespace.
        rootless::active() && rootless::uid_map_text().find('\n') + 1 >= rootless::uid_map_text().size()
            ? mount("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"})
            : mount("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
        mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", rec.host.privileged ? "rw" : "ro"}),
        mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", rec.host.privileged ? "rw" : "ro"}),
        mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        mount("/dev/shm", "tmpfs", "shm",
              {"nosuid", "noexec", "nodev", "mode=1777", fmt::format("size={}", hc.shm_size)}),
    });
    auto bind_file = [&](const std::string& src, const char* dest) {
        if (!src.empty()) mounts.push_back(mount(dest, "bind", src, {"rbind", "rprivate", rec.host.read_only ? "ro" : "rw"}));
    };
    {
        // Volumes, bind mounts and --mount tmpfs (rec.mounts, engine/volumes.hpp), parents
        // before children; the /etc/hosts etc. binds below go on top of them.
        std::vector<MountPoint> vm = rec.mounts;
        auto depth = [](const MountPoint& m) { return std::ranges::count(m.destination, '/'); };
        std::ranges::stable_sort(vm, [&](const MountPoint& a, const MountPoint& b) { return depth(a) < depth(b); });
        for (const auto& m : vm) {
            std::string rw = m.rw ? "rw" : "ro";
            if (m.type == "tmpfs") {
                std::vector<std::string> o = {"nosuid", "nodev", rw};
                o.insert(o.end(), m.options.begin(), m.options.end());
                mounts.push_back(mount(m.destination, "tmpfs", "tmpfs", o));
            } else {
                mounts.push_back(mount(m.destination, "bind", m.source,
                                       {"rbind", m.propagation.empty() ? "rprivate" : m.propagation, rw}));
            }
        }
    }
    bind_file(in.hosts, "/etc/hosts");
    bind_file(in.hostname, "/etc/hostname");
    bind_file(in.resolv_conf, "/etc/resolv.conf");
    if (rec.host.init) {
        if (in.init_binary.empty()) return fail("--init: the brig-init binary was not found next to brig");
        mounts.push_back(mount("/dev/init", "bind", in.init_binary, {"bind", "ro", "nosuid", "nodev"}));
    }
    for (const auto& [path, opts] : hc.tmpfs) {
        std::vector<std::string> o = {"nosuid", "nodev", "noexec"};
        if (!opts.empty())
            for (auto& x : split(opts, ',')) o.push_back(x);
        mounts.push_back(mount(path, "tmpfs", "tmpfs", o));
    }

    // ---- linux ----
    ojson namespaces = ojson::array({{{"type", "pid"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}},
                                     {{"type", "cgroup"}}});
    if (rec.host.network_mode == "host") {
        // no network namespace
    } else if (rec.host.network_mode.starts_with("ns:")) {
        namespaces.push_back({{"type", "network"}, {"path", rec.host.network_mode.substr(3)}});
    } else if (!in.netns.empty()) {
        namespaces.push_back({{"type", "network"}, {"path", in.netns}});
    } else {
        namespaces.push_back({{"type", "network"}});
    }
    if (rec.host.network_mode == "host") {
        // A host-network container keeps the host's hostname files but its own uts namespace.
    }

    ojson resources = ojson::object();
    ojson devices_rules = ojson::array({{{"allow", false}, {"access", "rwm"}}});
    if (rec.host.privileged) devices_rules = ojson::array({{{"allow", true}, {"access", "rwm"}}});
    ojson linux_devices = ojson::array();
    for (const auto& d : hc.devices) {
        const std::string& host = d.path_on_host;
        struct stat st {};
        if (::stat(host.c_str(), &st) < 0) return sys_fail("--device {}", host);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) return fail("--device {}: not a device node", host);
        const char* type = S_ISCHR(st.st_mode) ? "c" : "b";
        linux_devices.push_back({{"path", d.path_in_container}, {"type", type},
                                 {"major", major(st.st_rdev)}, {"minor", minor(st.st_rdev)},
                                 {"fileMode", st.st_mode & 07777}, {"uid", 0}, {"gid", 0}});
        devices_rules.push_back({{"allow", true}, {"type", type}, {"major", major(st.st_rdev)},
                                 {"minor", minor(st.st_rdev)}, {"access", d.cgroup_permissions}});
    }
    resources["devices"] = devices_rules;
    ojson memory = ojson::object();
    if (hc.memory > 0) memory["limit"] = hc.memory;
    if (hc.memory_swap != 0) {
        if (hc.memory <= 0) return fail("--memory-swap requires --memory");
        memory["swap"] = hc.memory_swap;
    } else if (int64_t m = hc.memory; m > 0) {
        memory["swap"] = 2 * m;  // docker: swap defaults to as much again as the memory limit
    }
    if (!memory.empty()) resources["memory"] = memory;
    ojson cpu = ojson::object();
    if (int64_t nano = hc.nano_cpus; nano > 0) {
        cpu["period"] = 100000;
        cpu["quota"] = nano / 10000;
    }
    if (hc.cpu_shares > 0) cpu["shares"] = hc.cpu_shares;
    if (!hc.cpuset_cpus.empty()) cpu["cpus"] = hc.cpuset_cpus;
    if (!cpu.empty()) resources["cpu"] = cpu;
    if (hc.pids_limit != 0) resources["pids"] = {{"limit", hc.pids_limit}};

    ojson linux = {
        {"resources", resources},
        {"cgroupsPath", rec.host.cgroup_parent + "/" + rec.id},
        {"namespaces", namespaces},
    };
    if (!linux_devices.empty()) linux["devices"] = linux_devices;
    if (const auto& uids = rec.uid_mappings; !uids.empty()) {
        // --userns/--uidmap: a user namespace of its own. sysfs cannot be mounted from it (the
        // network namespace belongs to the host's user namespace): /sys is bound instead, as runc does.
        auto maps = [](const std::vector<IdMap>& ms) {
            ojson a = ojson::array();
            for (const auto& m : ms) a.push_back({{"containerID", m.container}, {"hostID", m.host}, {"size", m.size}});
            return a;
        };
        if (!in.userns_path.empty()) {
            linux["namespaces"].push_back({{"type", "user"}, {"path", in.userns_path}});
        } else {
            linux["namespaces"].push_back({{"type", "user"}});
            linux["uidMappings"] = maps(uids);
            linux["gidMappings"] = maps(rec.gid_mappings);
        }
        for (auto& m : mounts)
            if (m["destination"] == "/sys" && m["type"] == "sysfs")
                m = mount("/sys", "bind", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"});
    }
    if (!rec.host.privileged) {
        linux["maskedPaths"] = {"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
                                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                                "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"};
        linux["readonlyPaths"] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
        if (seccomp_opt != "unconfined") {
            json profile;
            try {
                if (seccomp_opt.empty()) {
                    profile = json::parse(default_seccomp_profile_text());
                } else {
                    auto text = linuxfs::read_file(seccomp_opt);
                    if (!text) return fail("--security-opt seccomp={}: {}", seccomp_opt, text.error().what());
                    profile = json::parse(*text);
                }
            } catch (const json::exception& e) {
                return fail("--security-opt seccomp={}: {}", seccomp_opt, e.what());
            }
            auto sc = seccomp_for(profile, caps, machine);
            if (!sc) return std::unexpected(sc.error());
            linux["seccomp"] = std::move(*sc);
        }
    }
    if (!label.empty() && label != "disable" && label.find(':') != std::string::npos && label.starts_with("level:"))
        linux["mountLabel"] = fmt::format("system_u:object_r:container_file_t:{}", label.substr(6));

    ojson spec = {
        {"ociVersion", "1.0.2"},
        {"process", std::move(process)},
        {"root", {{"path", in.root_path.empty() ? rec.rootfs : in.root_path}, {"readonly", rec.host.read_only}}},
        {"hostname", rec.hostname},
        {"mounts", std::move(mounts)},
        {"annotations", {{"io.brig.container.name", rec.name}, {"io.brig.image", rec.image}}},
        {"linux", std::move(linux)},
    };
    return spec;
}

}  // namespace brig::engine
