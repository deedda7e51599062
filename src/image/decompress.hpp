// Streaming decompression of layer blobs: gzip (ISA-L igzip), zstd, or none, detected from the
// stream's magic bytes (media types lie in the wild; the bytes do not).
//
// Why igzip: a pull is often bound by one core inflating gzip. Measured with
// brig-inflate-bench (tests/image/inflate_bench.cpp, best of 3, one core of this 2-core host) on a
// 54.1 MB gzip -6 layer (160 MB tar of /usr/lib + /usr/share/doc):
//     zlib 1.2.13 inflate        0.589 s   272 MB/s  streaming
//     ISA-L igzip 2.30 (here)    0.327 s   490 MB/s  streaming, through this decompressor
//     libdeflate 1.14            0.478 s   335 MB/s  whole buffer only: cannot overlap a download
// so igzip, 1.8x zlib, is the inflater; zstd layers go through libzstd's streaming API.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/error.hpp"
#include "image/source.hpp"

namespace brig::image {

enum class Compression { None, Gzip, Zstd };

std::string_view compression_name(Compression c);
// From the first bytes of a stream (needs up to 4).
Compression detect_compression(std::span<const std::byte> head);

// A source of decompressed bytes. The compression is detected from the first bytes read.
// Multi-member gzip and multi-frame zstd streams are read to the end; the trailer checks of
// each format (gzip CRC32/ISIZE, zstd checksum when present) are enforced.
std::unique_ptr<ByteSource> make_decompressor(ByteSource& in);

}  // namespace brig::image
