// brig-inflate-bench FILE.gz [RUNS]: inflate speed of zlib, ISA-L igzip (through brig's
// streaming decompressor) and libdeflate (whole buffer) on one gzip file, one core.
// Used to choose igzip for layer ingest; figures in src/image/decompress.hpp.
#include <libdeflate.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "image/decompress.hpp"
#include "image/source.hpp"

namespace {

double seconds_of(auto&& fn, int runs) {
    double best = 1e9;
    for (int i = 0; i < runs; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        fn();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE.gz [RUNS]\n", argv[0]);
        return 2;
    }
    int runs = argc > 2 ? std::atoi(argv[2]) : 3;
    std::ifstream f(argv[1], std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string gz = ss.str();
    size_t out_size = 0;

    double t_zlib = seconds_of([&] {
        z_stream z{};
        inflateInit2(&z, 31);
        std::vector<unsigned char> out(256 * 1024);
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
        z.avail_in = static_cast<uInt>(gz.size());
        size_t total = 0;
        int r;
        do {
            z.next_out = out.data();
            z.avail_out = static_cast<uInt>(out.size());
            r = inflate(&z, Z_NO_FLUSH);
            total += out.size() - z.avail_out;
        } while (r == Z_OK);
        inflateEnd(&z);
        out_size = total;
    }, runs);

    double t_isal = seconds_of([&] {
        brig::image::MemorySource src(gz);
        auto dec = brig::image::make_decompressor(src);
        std::vector<std::byte> out(256 * 1024);
        size_t total = 0;
        for (;;) {
            auto n = dec->read(out);
            if (!n || *n == 0) break;
            total += *n;
        }
        if (total != out_size) std::fprintf(stderr, "igzip: size mismatch %zu vs %zu\n", total, out_size);
    }, runs);

    double t_deflate = seconds_of([&] {
        libdeflate_decompressor* d = libdeflate_alloc_decompressor();
        std::vector<unsigned char> out(out_size);
        size_t actual = 0;
        libdeflate_gzip_decompress(d, gz.data(), gz.size(), out.data(), out.size(), &actual);
        libdeflate_free_decompressor(d);
    }, runs);

    double mb = static_cast<double>(out_size) / 1e6;
    std::printf("input %.1f MB gzip -> %.1f MB\n", static_cast<double>(gz.size()) / 1e6, mb);
    std::printf("zlib        %6.3f s  %7.1f MB/s (streaming)\n", t_zlib, mb / t_zlib);
    std::printf("isal igzip  %6.3f s  %7.1f MB/s (streaming, brig's decompressor)\n", t_isal, mb / t_isal);
    std::printf("libdeflate  %6.3f s  %7.1f MB/s (whole buffer only)\n", t_deflate, mb / t_deflate);
    return 0;
}
