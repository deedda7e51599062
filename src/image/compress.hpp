// Compression for layers brig makes (build, commit): gzip through ISA-L's igzip at level 1,
// the fastest good deflate Debian has (bench/compress.sh measures it against zlib and zstd).
// The gzip header carries no name and no time, so identical tars give identical blobs.
#pragma once

#include <memory>

#include "image/source.hpp"

namespace brig::image {

// Reads `in` and yields its gzip compression.
std::unique_ptr<ByteSource> make_gzip_compressor(ByteSource& in);

}  // namespace brig::image
