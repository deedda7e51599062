#include "image/source.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace brig::image {

Result<size_t> FdSource::read(std::span<std::byte> buf) {
    for (;;) {
        ssize_t n = ::read(fd_, buf.data(), buf.size());
        if (n >= 0) return static_cast<size_t>(n);
        if (errno != EINTR) return sys_fail("read");
    }
}

Result<size_t> MemorySource::read(std::span<std::byte> buf) {
    size_t n = std::min(buf.size(), data_.size() - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
}

Result<size_t> LimitedSource::read(std::span<std::byte> buf) {
    if (left_ == 0 || buf.empty()) return 0;
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), left_));
    auto n = in_->read(buf.first(want));
    if (!n) return n;
    if (*n == 0) return fail("unexpected end of data ({} bytes missing)", left_);
    left_ -= *n;
    return n;
}

Result<size_t> CountingSource::read(std::span<std::byte> buf) {
    auto n = in_.read(buf);
    if (n && *n > 0) {
        count_ += *n;
        if (progress_) progress_(count_);
    }
    return n;
}

Result<void> read_exact(ByteSource& src, std::span<std::byte> buf) {
    size_t done = 0;
    while (done < buf.size()) {
        auto n = src.read(buf.subspan(done));
        if (!n) return std::unexpected(std::move(n.error()));
        if (*n == 0) return fail("unexpected end of data");
        done += *n;
    }
    return {};
}

Result<std::string> read_all(ByteSource& src, size_t limit) {
    std::string out;
    std::vector<std::byte> buf(64 * 1024);
    for (;;) {
        auto n = src.read(buf);
        if (!n) return std::unexpected(std::move(n.error()));
        if (*n == 0) return out;
        if (out.size() + *n > limit) return fail("data larger than {} bytes", limit);
        out.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
}

Result<uint64_t> drain(ByteSource& src) {
    std::vector<std::byte> buf(128 * 1024);
    uint64_t total = 0;
    for (;;) {
        auto n = src.read(buf);
        if (!n) return std::unexpected(std::move(n.error()));
        if (*n == 0) return total;
        total += *n;
    }
}

SourceOpener file_opener(std::string path) {
    return [path = std::move(path)](uint64_t offset) -> Result<std::unique_ptr<ByteSource>> {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return sys_fail("open {}", path);
        if (offset && ::lseek(fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0) return sys_fail("seek {}", path);
        return std::make_unique<FdSource>(std::move(fd));
    };
}

}  // namespace brig::image
