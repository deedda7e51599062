#include "runtime/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/magic.h>

#include "common/strings.hpp"
#include "linux/fs.hpp"
#include "linux/lsm.hpp"
#include "linux/syscalls.hpp"
#include "linux/userns.hpp"
#include "oci/names.hpp"
#include "runtime/mount_plan.hpp"

namespace brig::runtime {
namespace {

using linuxfs::fd_path;

Result<void> set_attr(int fd, uint64_t set, uint64_t clr, bool recursive, std::string_view what) {
    if (!set && !clr) return {};
    mount_attr attr{};
    attr.attr_set = set;
    attr.attr_clr = clr;
    if (::mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
        return sys_fail("set mount attributes on {}", what);
    return {};
}

Result<void> propagate(const std::string& target, unsigned long flags, std::string_view what) {
    if (::mount(nullptr, target.c_str(), nullptr, flags, nullptr) < 0)
        return sys_fail("set propagation of {}", what);
    return {};
}

// linux.mountLabel for the file systems mounted for the container (not bind mounts, not
// proc/sysfs/cgroupfs, which take no context); empty when it does not apply.
std::string mount_label(const RootfsContext& ctx) {
    if (!ctx.spec.linux || ctx.spec.linux->mountLabel.empty()) return {};
    static const bool selinux = lsm::selinux_enabled();
    return selinux ? ctx.spec.linux->mountLabel : std::string();
}

bool takes_mount_label(std::string_view type) {
    return type != "proc" && type != "sysfs" && type != "cgroup" && type != "cgroup2" && type != "bind";
}

bool source_is_dir(const std::string& src) {
    struct stat st;
    return ::stat(src.c_str(), &st) < 0 || S_ISDIR(st.st_mode);
}

// Mount the cgroup hierarchies at `dest` as the container should see them.
Result<void> mount_cgroups(const RootfsContext& ctx, int root_fd, const oci::Mount& m, const MountPlan& p) {
    const std::string& dest = m.destination;
    auto target = linuxfs::mkdir_all_in_root(root_fd, dest);
    if (!target) return std::unexpected(target.error());
    unsigned long ro = p.flags & MS_RDONLY;
    unsigned long common = p.flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_NOATIME);
    if (!ctx.cgroups || !ctx.cgroup) return fail("mount cgroup on {}: no cgroup was set up", dest);
    if (ctx.cgroup->dirs.empty()) {
        // Rootless without a cgroup of its own: the caller's view, read-only.
        if (::mount("/sys/fs/cgroup", fd_path(target->get()).c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
            return sys_fail("bind /sys/fs/cgroup on {}", dest);
        auto top = linuxfs::open_in_root(root_fd, dest, O_PATH);
        if (!top) return std::unexpected(top.error());
        return set_attr(top->get(), MOUNT_ATTR_RDONLY | attr_of(common), 0, true, dest);
    }

    if (ctx.cgroups->layout == cgroup::Layout::V2) {
        if (ctx.new_cgroup_ns) {
            if (::mount("cgroup2", fd_path(target->get()).c_str(), "cgroup2", common | ro, nullptr) < 0)
                return sys_fail("mount cgroup2 on {}", dest);
        } else {
            if (::mount(ctx.cgroup->v2_dir.c_str(), fd_path(target->get()).c_str(), nullptr, MS_BIND, nullptr) < 0)
                return sys_fail("bind cgroup {} on {}", ctx.cgroup->v2_dir, dest);
        }
        auto top = linuxfs::open_in_root(root_fd, dest, O_PATH);
        if (!top) return std::unexpected(top.error());
        return set_attr(top->get(), attr_of(common | ro), 0, false, dest);
    }

    // v1 / hybrid: a tmpfs holding one directory per hierarchy, as runc and crun lay it out.
    if (::mount("tmpfs", fd_path(target->get()).c_str(), "tmpfs", common & ~MS_RDONLY, "mode=755") < 0)
        return sys_fail("mount tmpfs for cgroups on {}", dest);
    auto top = linuxfs::open_in_root(root_fd, dest, O_PATH | O_DIRECTORY);
    if (!top) return std::unexpected(top.error());
    for (size_t i = 0; i < ctx.cgroups->hierarchies.size(); ++i) {
        const auto& h = ctx.cgroups->hierarchies[i];
        std::string name = h.mountpoint.substr(h.mountpoint.rfind('/') + 1);
        std::string sub = dest + "/" + name;
        // Directly in the tmpfs we have just mounted in our own mount namespace: nobody else
        // can have put anything there, so no resolution inside the root is needed.
        if (name.empty() || name == "." || name == "..") return fail("cgroup hierarchy at {}: bad name", h.mountpoint);
        if (::mkdirat(top->get(), name.c_str(), 0755) < 0 && errno != EEXIST) return sys_fail("mkdir {}", sub);
        UniqueFd t(::openat(top->get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!t) return sys_fail("open {}", sub);
        std::string tp = fd_path(t.get());
        int rc;
        if (ctx.new_cgroup_ns) {
            std::string opts = brig::join(h.controllers, ",");
            rc = h.v2 ? ::mount("cgroup2", tp.c_str(), "cgroup2", common | ro, nullptr)
                      : ::mount("cgroup", tp.c_str(), "cgroup", common | ro, opts.c_str());
        } else {
            rc = ::mount(ctx.cgroup->dirs[i].c_str(), tp.c_str(), nullptr, MS_BIND, nullptr);
        }
        if (rc < 0) return sys_fail("mount cgroup hierarchy {} on {}", name, sub);
    }
    // The tmpfs and every hierarchy on it at once (nothing else is mounted below it).
    return set_attr(top->get(), attr_of(common | ro), 0, true, dest);
}

Result<void> do_mount(const RootfsContext& ctx, int root_fd, const oci::Mount& m, int premade) {
    MountPlan p = plan_mount(m);
    const std::string& dest = m.destination;
    if (m.type == "cgroup" || m.type == "cgroup2") return mount_cgroups(ctx, root_fd, m, p);

    auto target = linuxfs::ensure_target_in_root(root_fd, dest, p.bind && !source_is_dir(m.source));
    if (!target) return std::unexpected(target.error());
    std::string tpath = fd_path(target->get());

    if (premade >= 0) {
        if (::move_mount(premade, "", target->get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return sys_fail("attach id-mapped mount of {} on {}", m.source, dest);
    } else if (p.bind) {
        if (::mount(m.source.c_str(), tpath.c_str(), nullptr, MS_BIND | (p.flags & MS_REC), nullptr) < 0)
            return sys_fail("bind mount {} on {}", m.source, dest);
    } else {
        unsigned long flags = p.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
        const char* src = m.source.empty() ? m.type.c_str() : m.source.c_str();
        std::string label = takes_mount_label(m.type) ? mount_label(ctx) : std::string();
        std::string data = lsm::mount_data_with_label(p.data, label, !label.empty());
        int rc = ::mount(src, tpath.c_str(), m.type.c_str(), flags, data.empty() ? nullptr : data.c_str());
        // mqueue takes no context on some kernels: without it, as runc does.
        if (rc < 0 && errno == EINVAL && !label.empty() && m.type == "mqueue")
            rc = ::mount(src, tpath.c_str(), m.type.c_str(), flags, p.data.empty() ? nullptr : p.data.c_str());
        if (rc < 0 && errno == EPERM && m.type == "sysfs" && !ctx.new_net_ns) {
            // sysfs can only be mounted by the owner of the network namespace: in a user
            // namespace that shares the host's network, bind the host's /sys instead.
            rc = ::mount("/sys", tpath.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
            if (rc == 0) p.attr_set = attr_of(flags), p.bind = true;
        }
        if (rc < 0) return sys_fail("mount {} ({}) on {}", src, m.type, dest);
    }
    if (!p.bind && !p.rattr_set && !p.rattr_clr && p.propagation.empty()) return {};
    // Re-open the target: the fd we mounted onto still names the covered directory.
    auto mounted = linuxfs::open_in_root(root_fd, dest, O_PATH);
    if (!mounted) return std::unexpected(mounted.error());
    if (p.bind)
        if (auto r = set_attr(mounted->get(), p.attr_set, p.attr_clr, false, dest); !r) return r;
    if (auto r = set_attr(mounted->get(), p.rattr_set, p.rattr_clr, true, dest); !r) return r;
    for (unsigned long prop : p.propagation)
        if (auto r = propagate(fd_path(mounted->get()), prop, dest); !r) return r;
    return {};
}

struct DefaultDevice {
    const char* name;
    unsigned major, minor;
};
constexpr DefaultDevice kDefaultDevices[] = {
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

// The node `name` in the verified directory parent_fd (path is its full path in the root).
Result<void> make_device_in(const RootfsContext& ctx, int root_fd, int parent_fd, const std::string& path,
                            const std::string& name, char type, unsigned major, unsigned minor, mode_t perm,
                            uid_t uid, gid_t gid) {
    mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
    if (ctx.in_user_ns) {
        // mknod is not allowed in a user namespace: bind the host's node instead.
        int fd = ::openat(parent_fd, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) return sys_fail("create {}", path);
        if (fd >= 0) ::close(fd);
        auto t = linuxfs::open_in_root(root_fd, path, O_PATH);
        if (!t) return std::unexpected(t.error());
        std::string host = "/dev/" + path.substr(5);
        if (path.rfind("/dev/", 0) != 0) host = path;
        if (::mount(host.c_str(), fd_path(t->get()).c_str(), nullptr, MS_BIND, nullptr) < 0)
            return sys_fail("bind device {} on {}", host, path);
        return {};
    }
    if (::mknodat(parent_fd, name.c_str(), kind | (perm & 07777), makedev(major, minor)) < 0) {
        if (errno != EEXIST) return sys_fail("mknod {}", path);
        ::unlinkat(parent_fd, name.c_str(), 0);  // replace whatever the image had there
        if (::mknodat(parent_fd, name.c_str(), kind | (perm & 07777), makedev(major, minor)) < 0)
            return sys_fail("mknod {}", path);
    }
    if (::fchownat(parent_fd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return sys_fail("chown {}", path);
    return {};
}

Result<void> make_device(const RootfsContext& ctx, int root_fd, const std::string& path, char type,
                         unsigned major, unsigned minor, mode_t perm, uid_t uid, gid_t gid) {
    auto slash = path.rfind('/');
    auto parent = linuxfs::mkdir_all_in_root(root_fd, path.substr(0, slash));
    if (!parent) return std::unexpected(parent.error());
    return make_device_in(ctx, root_fd, parent->get(), path, path.substr(slash + 1), type, major, minor, perm, uid,
                          gid);
}

Result<void> setup_dev(const RootfsContext& ctx, int root_fd) {
    auto dev = linuxfs::mkdir_all_in_root(root_fd, "/dev");
    if (!dev) return std::unexpected(dev.error());
    for (auto& d : kDefaultDevices)
        if (auto r = make_device_in(ctx, root_fd, dev->get(), std::string("/dev/") + d.name, d.name, 'c', d.major,
                                    d.minor, 0666, 0, 0);
            !r)
            return r;
    struct Link {
        const char* target;
        const char* name;
    };
    static constexpr Link links[] = {{"/proc/self/fd", "fd"},   {"/proc/self/fd/0", "stdin"},
                                     {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                                     {"pts/ptmx", "ptmx"}};
    for (auto& l : links) {
        // ptmx: the devpts instance's own ptmx, so ptys are created inside the container.
        if (std::string_view(l.name) == "ptmx") ::unlinkat(dev->get(), "ptmx", 0);
        if (::symlinkat(l.target, dev->get(), l.name) < 0 && errno != EEXIST)
            return sys_fail("symlink /dev/{}", l.name);
    }
    if (linuxfs::exists("/proc/kcore"))
        if (::symlinkat("/proc/kcore", dev->get(), "core") < 0 && errno != EEXIST) return sys_fail("symlink /dev/core");
    return {};
}

Result<void> setup_spec_devices(const RootfsContext& ctx, int root_fd) {
    if (!ctx.spec.linux) return {};
    for (auto& d : ctx.spec.linux->devices)
        if (auto r = make_device(ctx, root_fd, d.path, d.type.empty() ? 'c' : d.type[0], static_cast<unsigned>(d.major),
                                 static_cast<unsigned>(d.minor), d.fileMode.value_or(0666), d.uid.value_or(0),
                                 d.gid.value_or(0));
            !r)
            return r;
    return {};
}

// The host's /dev/null, verified to be the null device, for masking files.
Result<UniqueFd> open_null() {
    UniqueFd fd(::open("/dev/null", O_PATH | O_CLOEXEC));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) < 0) return sys_fail("open /dev/null");
    if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) return fail("/dev/null is not the null device");
    return fd;
}

Result<void> mask_paths(const RootfsContext& ctx, int root_fd) {
    if (!ctx.spec.linux || ctx.spec.linux->maskedPaths.empty()) return {};
    auto null = open_null();
    if (!null) return std::unexpected(null.error());
    const std::string label = mount_label(ctx);
    for (auto& path : ctx.spec.linux->maskedPaths) {
        auto t = linuxfs::open_in_root(root_fd, path, O_PATH);
        if (!t) {
            if (t.error().errnum == ENOENT) continue;
            return std::unexpected(std::move(t.error()).context("masked path"));
        }
        struct stat st;
        if (::fstat(t->get(), &st) < 0) return sys_fail("stat masked path {}", path);
        std::string data = lsm::mount_data_with_label("size=0k,mode=500", label, !label.empty());
        int rc = S_ISDIR(st.st_mode)
                     ? ::mount("tmpfs", fd_path(t->get()).c_str(), "tmpfs", MS_RDONLY, data.c_str())
                     : ::mount(fd_path(null->get()).c_str(), fd_path(t->get()).c_str(), nullptr, MS_BIND, nullptr);
        if (rc < 0) return sys_fail("mask {}", path);
    }
    return {};
}

Result<void> readonly_paths(const RootfsContext& ctx, int root_fd) {
    if (!ctx.spec.linux) return {};
    for (auto& path : ctx.spec.linux->readonlyPaths) {
        auto t = linuxfs::open_in_root(root_fd, path, O_PATH);
        if (!t) {
            if (t.error().errnum == ENOENT) continue;
            return std::unexpected(std::move(t.error()).context("readonly path"));
        }
        UniqueFd tree(::open_tree(t->get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE));
        if (!tree) return sys_fail("clone mount of readonly path {}", path);
        if (auto r = set_attr(tree.get(), MOUNT_ATTR_RDONLY, 0, true, path); !r) return r;
        if (::move_mount(tree.get(), "", t->get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return sys_fail("mount readonly path {}", path);
    }
    return {};
}

Result<void> enter_root(const RootfsContext& ctx, int root_fd) {
    if (::fchdir(root_fd) < 0) return sys_fail("chdir to rootfs {}", ctx.rootfs);
    if (ctx.no_pivot) {
        if (::mount(".", "/", nullptr, MS_MOVE, nullptr) < 0) return sys_fail("move rootfs {} to /", ctx.rootfs);
        if (::chroot(".") < 0) return sys_fail("chroot to rootfs {}", ctx.rootfs);
    } else {
        // pivot_root(".", ".") stacks the old root on top of the new one; detach it.
        if (sys::pivot_root(".", ".") < 0) return sys_fail("pivot_root to {}", ctx.rootfs);
        // Make the old root a slave first so the detach cannot propagate to the host.
        if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) return sys_fail("make old root slave");
        if (::umount2(".", MNT_DETACH) < 0) return sys_fail("detach old root");
    }
    if (::chdir("/") < 0) return sys_fail("chdir /");
    return {};
}

}  // namespace

Result<std::vector<std::pair<size_t, UniqueFd>>> prepare_idmapped_mounts(const oci::Spec& spec, pid_t init,
                                                                         bool new_user_ns) {
    std::vector<std::pair<size_t, UniqueFd>> out;
    UniqueFd init_userns;
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        bool idmap = false, recursive = false;
        for (auto& o : m.options)
            if (auto info = oci::lookup_mount_option(o); info && info->kind == oci::MountOptionKind::Idmap)
                idmap = true, recursive = recursive || info->recursive;
        if (!idmap && m.uidMappings.empty()) continue;
        std::string where = fmt::format("mounts[{}] ({})", i, m.destination);
        if (!plan_mount(m).bind) return fail("{}: id-mapped mounts are only supported for bind mounts", where);
        UniqueFd userns_fd;
        if (!m.uidMappings.empty()) {
            auto ns = userns::make(m.uidMappings, m.gidMappings);
            if (!ns) return std::unexpected(std::move(ns.error()).context(where));
            userns_fd = std::move(*ns);
        } else {
            if (!new_user_ns) return fail("{}: idmap without uidMappings needs a new user namespace", where);
            if (!init_userns) init_userns.reset(::open(fmt::format("/proc/{}/ns/user", init).c_str(), O_RDONLY | O_CLOEXEC));
            if (!init_userns) return sys_fail("{}: open the container's user namespace", where);
            userns_fd.reset(::dup(init_userns.get()));
        }
        bool rbind = (plan_mount(m).flags & MS_REC) != 0;
        UniqueFd tree(::open_tree(AT_FDCWD, m.source.c_str(),
                                  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind || recursive ? AT_RECURSIVE : 0)));
        if (!tree) return sys_fail("{}: clone {}", where, m.source);
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_IDMAP;
        attr.userns_fd = static_cast<uint64_t>(userns_fd.get());
        if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
            return sys_fail("{}: id-map {}", where, m.source);
        out.emplace_back(i, std::move(tree));
    }
    return out;
}

Result<void> setup_rootfs(const RootfsContext& ctx) {
    const auto& spec = ctx.spec;
    // Propagation of the whole tree: slave by default, so nothing we mount reaches the host.
    unsigned long prop = MS_SLAVE | MS_REC;
    std::optional<unsigned long> after;  // shared/unbindable are applied to the new root after pivot
    if (spec.linux && !spec.linux->rootfsPropagation.empty()) {
        auto f = oci::rootfs_propagation_flags(spec.linux->rootfsPropagation);
        if (!f) return fail("linux.rootfsPropagation: unknown value {:?}", spec.linux->rootfsPropagation);
        if (*f & (MS_SLAVE | MS_PRIVATE)) prop = *f;
        else after = *f;
    }
    if (::mount(nullptr, "/", nullptr, prop, nullptr) < 0) return sys_fail("set propagation of /");

    if (::mount(ctx.rootfs.c_str(), ctx.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        return sys_fail("bind rootfs {} onto itself", ctx.rootfs);
    UniqueFd root(::open(ctx.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return sys_fail("open rootfs {}", ctx.rootfs);
    // The bind must not be shared even if / is, or pivot_root refuses it.
    if (::mount(nullptr, fd_path(root.get()).c_str(), nullptr, MS_PRIVATE, nullptr) < 0)
        return sys_fail("make rootfs {} private", ctx.rootfs);

    bool dev_is_bind = false;
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        int premade = -1;
        if (ctx.premade)
            if (auto it = ctx.premade->find(i); it != ctx.premade->end()) premade = it->second.get();
        if (auto r = do_mount(ctx, root.get(), m, premade); !r) return std::unexpected(std::move(r.error()).context(fmt::format("mounts[{}]", i)));
        if (m.destination == "/dev" && plan_mount(m).bind) dev_is_bind = true;
    }
    if (!dev_is_bind) {
        if (auto r = setup_dev(ctx, root.get()); !r) return r;
    }
    if (auto r = setup_spec_devices(ctx, root.get()); !r) return r;
    if (spec.process && !spec.process->cwd.empty())
        if (auto r = linuxfs::mkdir_all_in_root(root.get(), spec.process->cwd); !r)
            return std::unexpected(std::move(r.error()).context("process.cwd"));
    if (auto r = mask_paths(ctx, root.get()); !r) return r;
    if (auto r = readonly_paths(ctx, root.get()); !r) return r;
    if (spec.root.readonly)
        if (auto r = set_attr(root.get(), MOUNT_ATTR_RDONLY, 0, false, "/"); !r) return r;

    if (ctx.before_pivot)
        if (auto r = ctx.before_pivot(); !r) return r;
    if (auto r = enter_root(ctx, root.get()); !r) return r;
    if (after && ::mount(nullptr, "/", nullptr, *after, nullptr) < 0)
        return sys_fail("set rootfs propagation {}", spec.linux->rootfsPropagation);
    return {};
}

}  // namespace brig::runtime
