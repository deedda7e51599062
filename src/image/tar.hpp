// A streaming tar reader (ustar, GNU long names, PAX headers with xattrs) and a small writer
// (ustar + PAX for long names and big sizes). The reader never trusts the archive: header
// checksums are checked, PAX/long-name headers are bounded, sparse files are refused.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "image/source.hpp"

namespace brig::image {

enum class TarType : char {
    Regular = '0',
    HardLink = '1',
    Symlink = '2',
    CharDev = '3',
    BlockDev = '4',
    Directory = '5',
    Fifo = '6',
};

struct TarEntry {
    std::string path;  // as in the archive (not cleaned)
    TarType type = TarType::Regular;
    uint64_t size = 0;  // body bytes (regular files)
    uint32_t mode = 0;  // permission bits incl. setuid/setgid/sticky
    uint32_t uid = 0, gid = 0;
    int64_t mtime_sec = 0;
    uint32_t mtime_nsec = 0;
    std::string linkname;
    uint32_t devmajor = 0, devminor = 0;
    std::vector<std::pair<std::string, std::string>> xattrs;
};

class TarReader {
public:
    explicit TarReader(ByteSource& in) : in_(in) {}
    // The next entry, or nullopt at the end of the archive. Skips the unread body of the previous one.
    Result<std::optional<TarEntry>> next();
    // The current entry's body (regular files): read it before calling next() again.
    ByteSource& body() { return body_; }

private:
    Result<void> skip_rest();
    ByteSource& in_;
    LimitedSource body_{in_, 0};
    uint64_t padding_ = 0;
    bool ended_ = false;
};

// Writes a tar stream to a file descriptor.
class TarWriter {
public:
    explicit TarWriter(int fd) : fd_(fd) {}
    Result<void> add(const TarEntry& e, ByteSource* body = nullptr);  // body: e.size bytes exactly
    Result<void> add_file(std::string_view path, std::string_view data, uint32_t mode = 0644, int64_t mtime = 0);
    Result<void> add_dir(std::string_view path, uint32_t mode = 0755, int64_t mtime = 0);
    Result<void> finish();  // the two zero blocks
    uint64_t written() const { return written_; }

private:
    Result<void> write(const void* p, size_t n);
    int fd_;
    uint64_t written_ = 0;
};

}  // namespace brig::image
