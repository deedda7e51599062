// ByteSource: a pull-style byte stream. Every stage of an ingest (download, file, tee into a
// blob file, hash, decompress, tar reader) is a ByteSource reading from the one before it, so a
// layer is hashed, decompressed and unpacked in a single pass with bounded memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace brig::image {

struct ByteSource {
    virtual ~ByteSource() = default;
    // Read up to buf.size() bytes. Returns the count; 0 means end of stream. Short reads are fine.
    virtual Result<size_t> read(std::span<std::byte> buf) = 0;
};

// Opens a source positioned at `offset` bytes into the stream (an HTTP Range request, an
// lseek). Used for resumable ingest: the store replays what it already has and asks for the rest.
using SourceOpener = std::function<Result<std::unique_ptr<ByteSource>>(uint64_t offset)>;

// Reads a file descriptor (owned or borrowed).
class FdSource : public ByteSource {
public:
    explicit FdSource(UniqueFd fd) : owned_(std::move(fd)), fd_(owned_.get()) {}
    explicit FdSource(int borrowed_fd) : fd_(borrowed_fd) {}
    Result<size_t> read(std::span<std::byte> buf) override;

private:
    UniqueFd owned_;
    int fd_;
};

// Reads a string in memory (not owned: it must outlive the source).
class MemorySource : public ByteSource {
public:
    explicit MemorySource(std::string_view data) : data_(data) {}
    Result<size_t> read(std::span<std::byte> buf) override;

private:
    std::string_view data_;
    size_t pos_ = 0;
};

// Reads at most `limit` bytes of another source, then reports EOF (a tar member).
class LimitedSource : public ByteSource {
public:
    LimitedSource(ByteSource& in, uint64_t limit) : in_(&in), left_(limit) {}
    Result<size_t> read(std::span<std::byte> buf) override;
    uint64_t left() const { return left_; }

private:
    ByteSource* in_;
    uint64_t left_;
};

// Counts the bytes passing through and calls `progress(total)` (progress bars).
class CountingSource : public ByteSource {
public:
    CountingSource(ByteSource& in, std::function<void(uint64_t)> progress) : in_(in), progress_(std::move(progress)) {}
    Result<size_t> read(std::span<std::byte> buf) override;
    uint64_t count() const { return count_; }

private:
    ByteSource& in_;
    std::function<void(uint64_t)> progress_;
    uint64_t count_ = 0;
};

// Fill `buf` completely; fails with "unexpected end of data" at a short stream.
Result<void> read_exact(ByteSource& src, std::span<std::byte> buf);
// Read everything (fails past `limit` bytes, so a hostile stream cannot exhaust memory).
Result<std::string> read_all(ByteSource& src, size_t limit);
// Read and discard everything; returns the number of bytes.
Result<uint64_t> drain(ByteSource& src);
// A SourceOpener over a file path (seeks to the offset).
SourceOpener file_opener(std::string path);

}  // namespace brig::image
