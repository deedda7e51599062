#include "build/diff.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "storage/overlay.hpp"

namespace brig::build {
namespace {

constexpr int64_t kNs = 1'000'000'000;

// Path order of a depth-first walk with names sorted: "/a" < "/a/b" < "/a-b" ('/' first).
bool walk_before(const std::string& a, const std::string& b) {
    size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        unsigned char x = a[i] == '/' ? 0 : static_cast<unsigned char>(a[i]);
        unsigned char y = b[i] == '/' ? 0 : static_cast<unsigned char>(b[i]);
        if (x != y) return x < y;
    }
    return a.size() < b.size();
}

// docker's sameFsTime: equal, or the same second where one side has no sub-second part.
bool same_time(int64_t a, int64_t b) {
    return a == b || (a / kNs == b / kNs && (a % kNs == 0 || b % kNs == 0));
}

std::string parent_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

bool is_opaque(const std::string& host) {
    char v = 0;
    for (const char* k : {"trusted.overlay.opaque", "user.overlay.opaque"})
        if (::lgetxattr(host.c_str(), k, &v, 1) == 1 && v == 'y') return true;
    return false;
}

// lstat of `host` as the entry `path`; nullopt when missing.
std::optional<DiffEntry> entry_at(const std::string& host, const std::string& path) {
    struct stat st {};
    if (::lstat(host.c_str(), &st) < 0) return std::nullopt;
    DiffEntry e;
    e.path = path;
    e.mode = st.st_mode;
    e.size = static_cast<int64_t>(st.st_size);
    e.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * kNs + st.st_mtim.tv_nsec;
    e.whiteout = S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
    e.opaque = S_ISDIR(st.st_mode) && is_opaque(host);
    return e;
}

Result<void> walk(const std::string& host, const std::string& path, std::vector<DiffEntry>& out) {
    std::vector<std::string> names;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(host, ec), end; !ec && it != end; it.increment(ec))
        names.push_back(it->path().filename().string());
    if (ec) return errno_fail(ec.value(), "read {}", host);
    std::sort(names.begin(), names.end());
    for (auto& n : names) {
        std::string child = (path == "/" ? "" : path) + "/" + n;
        auto e = entry_at(host + "/" + n, child);
        if (!e) return sys_fail("stat {}/{}", host, n);
        bool dir = S_ISDIR(e->mode);
        out.push_back(std::move(*e));
        if (dir)
            if (auto r = walk(host + "/" + n, child, out); !r) return r;
    }
    return {};
}

// The entry of `path` in one layer: found, hidden (nullopt in `hit`, true returned), or
// neither (look further down).
bool look_in_layer(const std::string& layer, const std::string& path, std::optional<DiffEntry>& hit) {
    bool hidden_below = false;
    for (size_t start = 1; start < path.size();) {
        size_t slash = path.find('/', start);
        if (slash == std::string::npos) break;  // `path` itself, below
        auto dir = entry_at(layer + path.substr(0, slash), path.substr(0, slash));
        if (!dir) return hidden_below;  // this layer does not have the parent
        if (dir->whiteout || !S_ISDIR(dir->mode)) return true;
        hidden_below = hidden_below || dir->opaque;
        start = slash + 1;
    }
    auto e = entry_at(layer + path, path);
    if (e && !e->whiteout) hit = std::move(e);
    return e.has_value() || hidden_below;
}

}  // namespace

std::vector<Change> classify_changes(std::vector<DiffEntry> upper, const LowerLookup& lower) {
    std::sort(upper.begin(), upper.end(), [](const DiffEntry& a, const DiffEntry& b) { return walk_before(a.path, b.path); });
    std::vector<Change> out;
    std::set<std::string> listed_dirs;
    for (const auto& e : upper) {
        if (e.path.empty() || e.path == "/") continue;
        Change c{'A', e.path};
        if (e.whiteout) {
            c.kind = 'D';
        } else if (auto lo = lower(e.path)) {
            bool both_dirs = S_ISDIR(lo->mode) && S_ISDIR(e.mode);
            if (both_dirs && !e.opaque && lo->mode == e.mode && lo->size == e.size && same_time(lo->mtime_ns, e.mtime_ns))
                continue;  // only a parent of what changed: its own change, if any, is listed below it
            c.kind = 'C';
        }
        if (S_ISDIR(e.mode)) listed_dirs.insert(e.path);
        if (c.kind != 'C') {
            std::string parent = parent_of(e.path);
            if (parent != "/" && listed_dirs.insert(parent).second) out.push_back({'C', parent});
        }
        out.push_back(std::move(c));
    }
    return out;
}

Result<std::vector<DiffEntry>> list_tree(const std::string& upper_dir) {
    std::vector<DiffEntry> out;
    if (auto r = walk(upper_dir, "/", out); !r) return std::unexpected(r.error());
    return out;
}

LowerLookup layers_lookup(std::vector<std::string> layer_dirs_top_first) {
    return [dirs = std::move(layer_dirs_top_first)](const std::string& path) -> std::optional<DiffEntry> {
        for (const auto& layer : dirs) {
            std::optional<DiffEntry> hit;
            if (look_in_layer(layer, path, hit)) return hit;
        }
        return std::nullopt;
    };
}

Result<std::vector<Change>> container_changes(const image::Store& store, const std::string& container_id) {
    auto cs = storage::ContainerStorage::open(store);
    if (!cs) return std::unexpected(cs.error());
    auto all = cs->list();
    if (!all) return std::unexpected(all.error());
    auto it = std::find_if(all->begin(), all->end(), [&](const storage::ContainerLayers& c) { return c.id == container_id; });
    if (it == all->end()) return fail("container {} has no image file system (made with --rootfs?): nothing to compare", container_id);
    std::vector<std::string> dirs;
    for (auto d = it->diff_ids.rbegin(); d != it->diff_ids.rend(); ++d) {
        auto dig = image::Digest::parse(*d);
        if (!dig) return wrap(std::move(dig), fmt::format("container {}: layer", container_id));
        dirs.push_back(store.layer_diff(*dig));
    }
    auto upper = list_tree(cs->upper_path(container_id));
    if (!upper) return std::unexpected(upper.error());
    return classify_changes(std::move(*upper), layers_lookup(std::move(dirs)));
}

}  // namespace brig::build
