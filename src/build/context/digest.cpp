#include "build/context/digest.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "build/context/dirents.hpp"
#include "build/context/path.hpp"
#include "build/context/rootpath.hpp"
#include "image/digest.hpp"

namespace brig::build::context {
namespace {

using Key = std::tuple<dev_t, ino_t, off_t, int64_t, int64_t>;

std::mutex cache_mu;
std::map<Key, std::string>& cache() {
    static std::map<Key, std::string> m;
    return m;
}

int64_t ns(const timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec; }

char type_char(mode_t m) {
    switch (m & S_IFMT) {
        case S_IFREG: return 'f';
        case S_IFDIR: return 'd';
        case S_IFLNK: return 'l';
        case S_IFCHR: return 'c';
        case S_IFBLK: return 'b';
        case S_IFIFO: return 'p';
        default: return 's';
    }
}

class Walker {
public:
    explicit Walker(const SourceRoot& root) : root_(root) {}

    void field(std::string_view s) {
        h_.update(s);
        h_.update(std::string_view("\0", 1));
    }

    // One record for parent/name (seen as `path` in the record, `rel` from the root), and the
    // walk below it when it is a directory.
    Result<void> entry(int parent, const std::string& name, const std::string& path, const std::string& rel, bool marked_excluded) {
        struct stat st {};
        if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_fail("stat /{}", rel);
        std::string data;
        UniqueFd dir;
        if (S_ISREG(st.st_mode)) {
            UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
            if (!fd) return sys_fail("open /{}", rel);
            auto d = file_sha256(fd.get(), st);
            if (!d) return wrap(std::move(d), "/" + rel);
            data = std::move(*d);
        } else if (S_ISLNK(st.st_mode)) {
            data.resize(static_cast<size_t>(st.st_size) + 256);
            ssize_t n = ::readlinkat(parent, name.c_str(), data.data(), data.size());
            if (n < 0) return sys_fail("read link /{}", rel);
            data.resize(static_cast<size_t>(n));
        } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            data = fmt::format("{}:{}", major(st.st_rdev), minor(st.st_rdev));
        } else if (S_ISDIR(st.st_mode)) {
            dir.reset(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!dir) return sys_fail("open /{}", rel);
        }
        field(path);
        field(std::string(1, type_char(st.st_mode)) + (marked_excluded ? "x" : ""));
        field(fmt::format("{:o}", st.st_mode & 07777));
        field(std::to_string(st.st_uid));
        field(std::to_string(st.st_gid));
        field(S_ISREG(st.st_mode) ? std::to_string(st.st_size) : "0");
        field(data);
        if (!dir) return {};
        auto list = read_dir(dir.get(), true);
        if (!list) return wrap(std::move(list), "list /" + rel);
        for (const auto& d : *list) {
            std::string crel = join_rel(rel, d.name);
            bool excluded = root_.excluded(crel);
            if (excluded) {
                // Only a directory a '!' rule may look into is walked.
                if (d.type != DT_DIR && d.type != DT_UNKNOWN) continue;
                if (!root_.may_include_below(crel)) continue;
                struct stat cst {};
                if (::fstatat(dir.get(), d.name.c_str(), &cst, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(cst.st_mode)) continue;
            }
            if (auto r = entry(dir.get(), d.name, join_rel(path, d.name), crel, excluded); !r) return r;
        }
        return {};
    }

    Result<void> source(const ResolvedSource& s) {
        field("source");
        field(s.name);
        field(s.is_dir ? "dir" : "file");
        auto r = resolve_in_root(root_.fd.get(), s.rel);
        if (!r) return wrap(std::move(r), s.shown);
        if (!r->exists) return fail("{}: no longer exists", s.shown);
        return entry(r->parent.get(), r->name, "", s.rel, false);
    }

    std::string finish() { return h_.finish().str(); }

private:
    const SourceRoot& root_;
    image::Sha256 h_;
};

}  // namespace

Result<std::string> file_sha256(int fd, const struct stat& st) {
    Key key{st.st_dev, st.st_ino, st.st_size, ns(st.st_mtim), ns(st.st_ctim)};
    {
        std::lock_guard lock(cache_mu);
        auto it = cache().find(key);
        if (it != cache().end()) return it->second;
    }
    image::Sha256 h;
    static thread_local std::unique_ptr<std::byte[]> chunk;  // 1 MiB, allocated once, never zeroed
    constexpr size_t kChunk = 1 << 20;
    if (!chunk) chunk.reset(new std::byte[kChunk]);
    std::span<std::byte> buf(chunk.get(), kChunk);
    off_t off = 0;
    for (;;) {
        ssize_t n = ::pread(fd, buf.data(), buf.size(), off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail("read");
        }
        if (n == 0) break;
        h.update(std::span<const std::byte>(buf.data(), static_cast<size_t>(n)));
        off += n;
    }
    std::string hex = h.finish().hex;
    // Remember it only when the file did not change while it was read.
    struct stat after {};
    if (::fstat(fd, &after) == 0 && after.st_size == off &&
        Key{after.st_dev, after.st_ino, after.st_size, ns(after.st_mtim), ns(after.st_ctim)} == key) {
        std::lock_guard lock(cache_mu);
        cache()[key] = hex;
    }
    return hex;
}

void clear_file_digest_cache() {
    std::lock_guard lock(cache_mu);
    cache().clear();
}

Result<std::string> sources_digest(const SourceRoot& root, const std::vector<ResolvedSource>& sources) {
    Walker w(root);
    w.field("brig-build-sources-v1");
    for (const auto& s : sources)
        if (auto r = w.source(s); !r) return std::unexpected(std::move(r.error()));
    return w.finish();
}

}  // namespace brig::build::context
