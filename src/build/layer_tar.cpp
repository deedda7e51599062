#include "build/layer_tar.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <vector>

#include "common/fd.hpp"
#include "image/source.hpp"
#include "image/tar.hpp"

namespace brig::build {
namespace {

using image::TarEntry;
using image::TarType;

bool overlay_xattr(std::string_view k) { return k.starts_with("trusted.overlay.") || k.starts_with("user.overlay."); }

// The xattrs worth keeping (security.capability, user.*, ...): not overlay's bookkeeping.
Result<std::vector<std::pair<std::string, std::string>>> read_xattrs(const std::string& path) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string names(1024, '\0');
    ssize_t n = ::llistxattr(path.c_str(), names.data(), names.size());
    if (n < 0 && errno == ERANGE) {
        n = ::llistxattr(path.c_str(), nullptr, 0);
        if (n > 0) names.resize(static_cast<size_t>(n));
        n = ::llistxattr(path.c_str(), names.data(), names.size());
    }
    if (n < 0) {
        if (errno == ENOTSUP) return out;
        return sys_fail("list xattrs of {}", path);
    }
    for (size_t i = 0; i < static_cast<size_t>(n);) {
        std::string key(names.c_str() + i);
        i += key.size() + 1;
        if (overlay_xattr(key) || key.empty()) continue;
        ssize_t len = ::lgetxattr(path.c_str(), key.c_str(), nullptr, 0);
        if (len < 0) continue;
        std::string val(static_cast<size_t>(len), '\0');
        len = ::lgetxattr(path.c_str(), key.c_str(), val.data(), val.size());
        if (len < 0) continue;
        val.resize(static_cast<size_t>(len));
        out.emplace_back(std::move(key), std::move(val));
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool is_opaque(const std::string& path) {
    char v = 0;
    for (const char* k : {"trusted.overlay.opaque", "user.overlay.opaque"})
        if (::lgetxattr(path.c_str(), k, &v, 1) == 1 && v == 'y') return true;
    return false;
}

class Walker {
public:
    Walker(int out_fd, const LayerTarOptions& o) : tar_(out_fd), opts_(o) {}

    Result<void> dir(const std::string& host, const std::string& rel) {
        std::vector<std::string> names;
        {
            UniqueFd fd(::open(host.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!fd) return sys_fail("open {}", host);
            DIR* d = ::fdopendir(fd.release());
            if (d == nullptr) return sys_fail("read {}", host);
            while (auto* de = ::readdir(d)) {
                std::string n = de->d_name;
                if (n != "." && n != "..") names.push_back(std::move(n));
            }
            ::closedir(d);
        }
        std::sort(names.begin(), names.end());
        for (auto& n : names)
            if (auto r = entry(host + "/" + n, rel.empty() ? n : rel + "/" + n, n); !r) return r;
        return {};
    }

    Result<void> finish() { return tar_.finish(); }
    LayerTarStats stats() const { return {entries_, tar_.written()}; }

private:
    Result<void> entry(const std::string& host, const std::string& rel, const std::string& name) {
        struct stat st {};
        if (::lstat(host.c_str(), &st) < 0) return sys_fail("stat {}", host);
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {  // overlay whiteout
            auto slash = rel.rfind('/');
            std::string wh = (slash == std::string::npos ? "" : rel.substr(0, slash + 1)) + ".wh." + name;
            return add(meta(st, wh, TarType::Regular, false));
        }
        TarEntry e = meta(st, rel, TarType::Regular, true);
        auto x = read_xattrs(host);
        if (!x) return std::unexpected(x.error());
        e.xattrs = std::move(*x);
        if (S_ISDIR(st.st_mode)) {
            e.type = TarType::Directory;
            e.path += "/";
            if (auto r = add(e); !r) return r;
            if (is_opaque(host)) {
                TarEntry o = meta(st, rel + "/.wh..wh..opq", TarType::Regular, false);
                if (auto r = add(o); !r) return r;
            }
            return dir(host, rel);
        }
        if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
            ssize_t n = ::readlink(host.c_str(), target.data(), target.size());
            if (n < 0) return sys_fail("readlink {}", host);
            target.resize(static_cast<size_t>(n));
            e.type = TarType::Symlink;
            e.linkname = std::move(target);
            return add(e);
        }
        if (S_ISREG(st.st_mode)) {
            if (st.st_nlink > 1) {
                auto [it, fresh] = links_.try_emplace({st.st_dev, st.st_ino}, rel);
                if (!fresh) {
                    e.type = TarType::HardLink;
                    e.linkname = it->second;
                    return add(e);
                }
            }
            UniqueFd fd(::open(host.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
            if (!fd) return sys_fail("open {}", host);
            e.size = static_cast<uint64_t>(st.st_size);
            image::FdSource body(fd.get());
            image::LimitedSource exact(body, e.size);
            return add(e, &exact);
        }
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            e.type = S_ISCHR(st.st_mode) ? TarType::CharDev : TarType::BlockDev;
            e.devmajor = major(st.st_rdev);
            e.devminor = minor(st.st_rdev);
            return add(e);
        }
        if (S_ISFIFO(st.st_mode)) {
            e.type = TarType::Fifo;
            return add(e);
        }
        return {};  // sockets are not layer content
    }

    TarEntry meta(const struct stat& st, std::string path, TarType type, bool keep_owner) const {
        TarEntry e;
        e.path = std::move(path);
        e.type = type;
        e.mode = keep_owner ? (st.st_mode & 07777) : 0;
        e.uid = keep_owner ? st.st_uid : 0;
        e.gid = keep_owner ? st.st_gid : 0;
        e.mtime_sec = st.st_mtim.tv_sec;
        e.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
        if (opts_.clamp_mtime && e.mtime_sec >= *opts_.clamp_mtime) {
            e.mtime_sec = *opts_.clamp_mtime;
            e.mtime_nsec = 0;
        }
        return e;
    }

    Result<void> add(const TarEntry& e, image::ByteSource* body = nullptr) {
        ++entries_;
        return tar_.add(e, body);
    }

    image::TarWriter tar_;
    const LayerTarOptions& opts_;
    std::map<std::pair<dev_t, ino_t>, std::string> links_;
    uint64_t entries_ = 0;
};

}  // namespace

Result<LayerTarStats> write_layer_tar(const std::string& upper, int out_fd, const LayerTarOptions& opts) {
    Walker w(out_fd, opts);
    if (auto r = w.dir(upper, ""); !r) return std::unexpected(r.error());
    if (auto r = w.finish(); !r) return std::unexpected(r.error());
    return w.stats();
}

}  // namespace brig::build
