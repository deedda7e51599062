#include "engine/usermap.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <charconv>
#include <fstream>
#include <optional>

#include <fmt/core.h>

#include "common/scope.hpp"
#include "common/strings.hpp"
#include "engine/store.hpp"
#include "image/store.hpp"
#include "storage/overlay.hpp"
#include "linux/userns.hpp"
#include "network/rtnl.hpp"

namespace brig::engine::usermap {

namespace {

// The first range of `user` in an /etc/subuid-style file.
std::optional<Map> sub_range(const std::string& file, const std::string& user) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        auto c1 = line.find(':');
        auto c2 = line.find(':', c1 == std::string::npos ? 0 : c1 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos || line.substr(0, c1) != user) continue;
        auto start = parse_number<uint32_t>(std::string_view(line).substr(c1 + 1, c2 - c1 - 1));
        auto count = parse_number<uint32_t>(std::string_view(line).substr(c2 + 1));
        if (start && count && *count > 0) return Map{0, *start, *count};
    }
    return std::nullopt;
}

std::vector<oci::IdMapping> to_oci(const std::vector<Map>& maps) {
    std::vector<oci::IdMapping> out;
    for (const auto& m : maps) out.push_back({m.container, m.host, m.size});
    return out;
}

// The root of a mount (bind mounts of the same file system included, which st_dev cannot tell).
bool is_mount_point(const std::string& path) {
    struct statx st {};
    if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &st) < 0) return false;
    return (st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 && (st.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

}  // namespace

Result<Map> parse_map(std::string_view s) {
    auto c1 = s.find(':');
    auto c2 = c1 == std::string_view::npos ? c1 : s.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return fail("invalid id mapping {:?}: want CONTAINER_ID:HOST_ID:AMOUNT", s);
    auto c = parse_number<uint32_t>(s.substr(0, c1));
    auto h = parse_number<uint32_t>(s.substr(c1 + 1, c2 - c1 - 1));
    auto n = parse_number<uint32_t>(s.substr(c2 + 1));
    if (!c || !h || !n || *n == 0) return fail("invalid id mapping {:?}: want CONTAINER_ID:HOST_ID:AMOUNT", s);
    if (uint64_t{*c} + *n > UINT32_MAX || uint64_t{*h} + *n > UINT32_MAX)
        return fail("invalid id mapping {:?}: the range goes past 4294967295", s);
    return Map{*c, *h, *n};
}

Result<void> check_flags(const HostConfig& hc) {
    const std::string& userns = hc.userns_mode;
    const std::vector<std::string>& uidmaps = hc.uid_maps;
    const std::vector<std::string>& gidmaps = hc.gid_maps;
    for (const auto& group : {uidmaps, gidmaps})
        for (const auto& m : group)
            if (auto r = parse_map(m); !r) return std::unexpected(r.error());
    if (userns.empty() || userns == "host") {
        if (userns == "host" && (!uidmaps.empty() || !gidmaps.empty()))
            return fail("--userns=host cannot be combined with --uidmap/--gidmap");
    } else if (userns == "auto" || userns.starts_with("auto:")) {
        if (!uidmaps.empty() || !gidmaps.empty()) return fail("--userns=auto cannot be combined with --uidmap/--gidmap");
        if (userns.size() > 5) {
            std::string_view opt = std::string_view(userns).substr(5);
            if (!opt.starts_with("size=")) return fail("invalid --userns {:?}: the only option of auto is size=N", userns);
            auto n = parse_number<uint32_t>(opt.substr(5));
            if (!n || *n == 0 || *n > kAutoCount) return fail("invalid --userns {:?}: size must be 1 to {}", userns, kAutoCount);
        }
    } else {
        return fail("invalid --userns {:?}: use host, auto or auto:size=N (or --uidmap/--gidmap)", userns);
    }
    if (!gidmaps.empty() && uidmaps.empty()) return fail("--gidmap needs --uidmap too");
    return {};
}

Result<UniqueFd> assign(const std::string& root, const std::vector<ContainerRecord>& others, ContainerRecord& rec) {
    if (auto r = check_flags(rec.host); !r) return std::unexpected(r.error());
    const std::string& mode = rec.host.userns_mode;
    std::vector<Map> uids, gids;
    if (!rec.host.uid_maps.empty()) {
        for (const auto& s : rec.host.uid_maps) uids.push_back(*parse_map(s));
        for (const auto& s : rec.host.gid_maps) gids.push_back(*parse_map(s));
        if (gids.empty()) gids = uids;
    } else if (mode.starts_with("auto")) {
        uint32_t size = kAutoSize;
        if (mode.size() > 10) size = *parse_number<uint32_t>(std::string_view(mode).substr(10));
        auto lock = lock_file(root + "/userns.lock");
        if (!lock) return std::unexpected(lock.error());
        auto su = sub_range("/etc/subuid", "containers");
        auto sg = sub_range("/etc/subgid", "containers");
        Map pool = su ? *su : Map{0, kAutoBase, kAutoCount};
        Map gpool = sg ? *sg : pool;
        // Ranges of the other auto containers, as offsets into the pool.
        std::vector<std::pair<uint64_t, uint64_t>> used;
        for (const auto& o : others) {
            if (o.id == rec.id || !o.host.userns_mode.starts_with("auto")) continue;
            for (const auto& m : o.uid_mappings)
                if (m.host >= pool.host) used.push_back({m.host - pool.host, uint64_t{m.host} - pool.host + m.size});
        }
        std::sort(used.begin(), used.end());
        uint64_t offset = 0;
        for (const auto& [a, b] : used) {
            if (offset + size <= a) break;
            offset = std::max(offset, b);
        }
        if (offset + size > pool.size || offset + size > gpool.size)
            return fail("--userns={}: no free range of {} ids left in {} ({} ids from {})", mode, size,
                        su ? "the subuid range of user containers" : "brig's auto range", pool.size, pool.host);
        uids = {Map{0, static_cast<uint32_t>(pool.host + offset), size}};
        gids = {Map{0, static_cast<uint32_t>(gpool.host + offset), size}};
        rec.uid_mappings = uids;
        rec.gid_mappings = gids;
        return std::move(*lock);
    } else {
        return UniqueFd();
    }
    rec.uid_mappings = uids;
    rec.gid_mappings = gids;
    return UniqueFd();
}


// Outside the container dir (<root>/idmap/<id>), so no removal of that dir ever walks into them.
std::string idmap_dir(const std::string& container_dir) {
    std::filesystem::path p(container_dir);
    return (p.parent_path().parent_path() / "idmap" / p.filename()).string();
}

std::string mapped_root(const std::string& container_dir) { return idmap_dir(container_dir) + "/rootfs"; }

namespace {

// An id-mapped copy of the mount at `source` (not recursive) attached at `target`.
Result<void> bind_idmapped(const std::string& source, const std::string& target, int userns_fd) {
    if (::mkdir(target.c_str(), 0711) < 0 && errno != EEXIST) return sys_fail("create {}", target);
    if (is_mount_point(target)) return {};
    UniqueFd tree(static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
    if (!tree) return sys_fail("--userns: open_tree {}", source);
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<uint64_t>(userns_fd);
    if (::syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        return sys_fail("--userns: id-map {} (mount_setattr MOUNT_ATTR_IDMAP)", source);
    if (::syscall(SYS_move_mount, tree.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return sys_fail("--userns: mount the id-mapped {} on {}", source, target);
    return {};
}

// Unmounts everything stacked on target (until umount says it is no mount point), then removes
// the empty dir. Never recursing into a still-mounted bind matters: the engine deletes the
// container dir afterwards, and a bind of the layer store must not be deleted through.
void unmount_all(const std::string& target) {
    for (int i = 0; i < 16; ++i)
        if (::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0) break;
    ::rmdir(target.c_str());
}

}  // namespace

namespace {

bool is_nsfs(const std::string& path) {
    struct statfs st {};
    return ::statfs(path.c_str(), &st) == 0 && st.f_type == NSFS_MAGIC;
}

// The container's user namespace, kept as a bind-mounted nsfs file; made on first use.
Result<UniqueFd> ensure_userns(const std::string& dir, const ContainerRecord& rec) {
    std::string path = userns_file(dir);
    if (is_nsfs(path)) {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return sys_fail("open {}", path);
        return fd;
    }
    auto ns = brig::userns::make(to_oci(rec.uid_mappings), to_oci(rec.gid_mappings));
    if (!ns) return std::unexpected(std::move(ns.error()).context("--userns: create the user namespace"));
    UniqueFd f(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444));
    if (!f) return sys_fail("create {}", path);
    if (::mount(fmt::format("/proc/self/fd/{}", ns->get()).c_str(), path.c_str(), nullptr, MS_BIND, nullptr) < 0)
        return sys_fail("--userns: bind the user namespace on {}", path);
    return std::move(*ns);
}

// A network namespace owned by the container's user namespace (so its root may configure it and
// bind low ports), bind-mounted at `path` like network::create_netns, lo up.
Result<void> make_netns_in(int userns_fd, const std::string& path) {
    std::string what = fmt::format("--userns: create network namespace {}", path);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    ::unlink(path.c_str());  // a leftover of an interrupted start (not a namespace: prepare checked)
    UniqueFd f(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
    if (!f) return sys_fail("{}", what);
    f.reset();
    int up[2], down[2];
    if (::pipe2(up, O_CLOEXEC) < 0 || ::pipe2(down, O_CLOEXEC) < 0) return sys_fail("pipe");
    UniqueFd up_r(up[0]), up_w(up[1]), down_r(down[0]), down_w(down[1]);
    pid_t child = ::fork();
    if (child < 0) return sys_fail("fork");
    if (child == 0) {
        down_w.reset();
        up_r.reset();
        int err = 0;
        if (::setns(userns_fd, CLONE_NEWUSER) < 0 || ::unshare(CLONE_NEWNET) < 0) err = errno;
        else if (auto r = network::rtnl::set_up("lo"); !r) err = r.error().errnum ? r.error().errnum : EIO;
        (void)!::write(up_w.get(), &err, sizeof err);
        char c;
        (void)!::read(down_r.get(), &c, 1);
        ::_exit(0);
    }
    up_w.reset();
    down_r.reset();
    int err = EIO;
    (void)!::read(up_r.get(), &err, sizeof err);
    Result<void> result;
    if (err != 0) result = errno_fail(err, "{}", what);
    else if (::mount(fmt::format("/proc/{}/ns/net", child).c_str(), path.c_str(), nullptr, MS_BIND, nullptr) < 0)
        result = sys_fail("{}: bind mount", what);
    down_w.reset();
    while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (!result) {
        ::umount2(path.c_str(), MNT_DETACH);
        ::unlink(path.c_str());
    }
    return result;
}

}  // namespace

std::string userns_file(const std::string& dir) { return dir + "/userns"; }

Result<void> prepare(const std::string& root, const std::string& dir, const std::string& netns, const ContainerRecord& rec) {
    auto uids = rec.uid_mappings;
    if (uids.empty()) return {};
    // The init, as the container's root, reaches its /etc files (hosts, resolv.conf) in here.
    // (and its parent, <root>/containers: traversable, not listable).
    std::string parent = std::filesystem::path(dir).parent_path().string();
    if (::chmod(dir.c_str(), 0711) < 0) return sys_fail("chmod {}", dir);
    struct stat pst {};
    if (::stat(parent.c_str(), &pst) == 0 && (pst.st_mode & 0001) == 0 && ::chmod(parent.c_str(), (pst.st_mode & 07777) | 0111) < 0)
        return sys_fail("chmod {}", parent);
    auto ns = ensure_userns(dir, rec);
    if (!ns) return std::unexpected(ns.error());
    if (!netns.empty() && !is_nsfs(netns))
        if (auto r = make_netns_in(ns->get(), netns); !r) return r;
    std::string target = mapped_root(dir);
    std::error_code ec;
    std::filesystem::create_directories(idmap_dir(dir), ec);
    if (ec) return errno_fail(ec.value(), "create {}", idmap_dir(dir));
    if (::mkdir(target.c_str(), 0755) < 0 && errno != EEXIST) return sys_fail("create {}", target);
    if (is_mount_point(target)) return {};
    if (!rec.rootfs_managed) return bind_idmapped(rec.rootfs, target, ns->get());
    // overlayfs itself cannot be id-mapped, but its layers can: id-mapped views of the layer
    // store and of the container's own dir (diff/, work/), and the overlay made from them.
    auto store = image::Store::open(root);
    if (!store) return std::unexpected(store.error());
    auto cs = storage::ContainerStorage::open(*store);
    if (!cs) return std::unexpected(cs.error());
    std::string own = cs->dir(rec.id);
    ScopeGuard undo([&] { unmount_root(dir); });
    std::string layers = idmap_dir(dir) + "/layers", own_view = idmap_dir(dir) + "/own";
    if (auto r = bind_idmapped(root + "/layers", layers, ns->get()); !r) return r;
    if (auto r = bind_idmapped(own, own_view, ns->get()); !r) return r;
    // The plain overlay shares the upper dir: it must not stay mounted beside this one.
    if (auto r = cs->unmount(rec.id); !r) return r;
    uint32_t root_uid = 0, root_gid = 0;
    for (const auto& m : uids)
        if (m.container == 0) root_uid = m.host;
    for (const auto& m : rec.gid_mappings)
        if (m.container == 0) root_gid = m.host;
    if (auto r = cs->mount_from(rec.id, layers, own_view, target, root_uid, root_gid); !r)
        return std::unexpected(std::move(r.error()).context("--userns: overlay on id-mapped layers"));
    undo.dismiss();
    return {};
}

void unmount_root(const std::string& dir) {
    unmount_all(mapped_root(dir));
    unmount_all(idmap_dir(dir) + "/own");
    unmount_all(idmap_dir(dir) + "/layers");
    ::rmdir(idmap_dir(dir).c_str());
}

void release(const std::string& dir) {
    unmount_root(dir);
    std::string path = userns_file(dir);
    for (int i = 0; i < 8; ++i)
        if (::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0) break;
    ::unlink(path.c_str());
}

}  // namespace brig::engine::usermap
