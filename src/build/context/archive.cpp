#include "build/context/archive.hpp"

#include <unistd.h>

#include "image/decompress.hpp"
#include "image/source.hpp"
#include "image/tar.hpp"

namespace brig::build::context {

bool is_tar_archive(int fd) {
    if (::lseek(fd, 0, SEEK_SET) < 0) return false;
    bool tar = false;
    {
        image::FdSource raw(fd);
        auto plain = image::make_decompressor(raw);
        image::TarReader reader(*plain);
        auto first = reader.next();
        tar = first && first->has_value();
    }
    ::lseek(fd, 0, SEEK_SET);
    return tar;
}

Result<image::UnpackStats> extract_archive(int fd, int dest_dir_fd) {
    if (::lseek(fd, 0, SEEK_SET) < 0) return sys_fail("rewind the archive");
    image::FdSource raw(fd);
    auto plain = image::make_decompressor(raw);
    image::UnpackOptions opts;
    opts.whiteouts_to_overlay = false;
    opts.same_owner = ::geteuid() == 0;
    return image::unpack_tar(*plain, dest_dir_fd, opts);
}

}  // namespace brig::build::context
