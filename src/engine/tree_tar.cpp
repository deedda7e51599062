#include "engine/tree_tar.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <map>
#include <utility>

#include "common/fd.hpp"
#include "engine/container_path.hpp"
#include "image/source.hpp"
#include "image/tar.hpp"

namespace brig::engine {
namespace {

using image::TarEntry;
using image::TarType;

class TreeTar {
public:
    explicit TreeTar(int out_fd) : tar_(out_fd) {}

    Result<void> entry(int dir, const std::string& name, const std::string& tar_name) {
        struct stat st {};
        if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_fail("stat {}", tar_name);
        TarEntry e;
        e.path = tar_name;
        e.mode = st.st_mode & 07777;
        e.uid = st.st_uid;
        e.gid = st.st_gid;
        e.mtime_sec = st.st_mtim.tv_sec;
        e.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
        if (S_ISDIR(st.st_mode)) return directory(dir, name, std::move(e));
        if (S_ISREG(st.st_mode)) return file(dir, name, st, std::move(e));
        if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
            ssize_t n = ::readlinkat(dir, name.c_str(), target.data(), target.size());
            if (n < 0) return sys_fail("read link {}", tar_name);
            target.resize(static_cast<size_t>(n));
            e.type = TarType::Symlink;
            e.linkname = std::move(target);
        } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            e.type = S_ISCHR(st.st_mode) ? TarType::CharDev : TarType::BlockDev;
            e.devmajor = major(st.st_rdev);
            e.devminor = minor(st.st_rdev);
        } else if (S_ISFIFO(st.st_mode)) {
            e.type = TarType::Fifo;
        } else {
            return {};  // a socket: nothing a tar can hold
        }
        return tar_.add(e);
    }

    Result<void> finish() { return tar_.finish(); }

private:
    Result<void> directory(int dir, const std::string& name, TarEntry e) {
        UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) return sys_fail("open {}", e.path);
        std::string prefix = e.path == "/" ? "" : e.path;
        e.type = TarType::Directory;
        if (!e.path.ends_with('/')) e.path += '/';
        if (auto r = tar_.add(e); !r) return r;
        auto names = list_dir(fd.get(), prefix);
        if (!names) return std::unexpected(names.error());
        for (const auto& n : *names)
            if (auto r = entry(fd.get(), n, prefix + "/" + n); !r) return r;
        return {};
    }

    Result<void> file(int dir, const std::string& name, const struct stat& st, TarEntry e) {
        if (st.st_nlink > 1) {
            auto [it, fresh] = links_.try_emplace({st.st_dev, st.st_ino}, e.path);
            if (!fresh) {
                e.type = TarType::HardLink;
                e.linkname = it->second;
                return tar_.add(e);
            }
        }
        UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) return sys_fail("open {}", e.path);
        e.size = static_cast<uint64_t>(st.st_size);
        image::FdSource body(fd.get());
        image::LimitedSource exact(body, e.size);
        return tar_.add(e, &exact);
    }

    image::TarWriter tar_;
    std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace

Result<void> write_entry_tar(int dir, const std::string& name, const std::string& tar_name, int out_fd) {
    TreeTar t(out_fd);
    if (auto r = t.entry(dir, name, tar_name); !r) return r;
    return t.finish();
}

}  // namespace brig::engine
