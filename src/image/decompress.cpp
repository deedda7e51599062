#include "image/decompress.hpp"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <cstring>
#include <vector>

namespace brig::image {
namespace {

constexpr size_t kInBuf = 256 * 1024;

// Common input buffering: reads the underlying source in large chunks.
class Buffered {
public:
    explicit Buffered(ByteSource& in) : in_(in), buf_(kInBuf) {}
    // Make sure some input is available; false at EOF.
    Result<bool> fill() {
        if (pos_ < len_) return true;
        if (eof_) return false;
        auto n = in_.read(buf_);
        if (!n) return std::unexpected(std::move(n.error()));
        pos_ = 0;
        len_ = *n;
        if (len_ == 0) eof_ = true;
        return len_ > 0;
    }
    std::byte* data() { return buf_.data() + pos_; }
    size_t avail() const { return len_ - pos_; }
    void consume(size_t n) { pos_ += n; }

private:
    ByteSource& in_;
    std::vector<std::byte> buf_;
    size_t pos_ = 0, len_ = 0;
    bool eof_ = false;
};

class PlainSource : public ByteSource {
public:
    explicit PlainSource(Buffered& b) : b_(b) {}
    Result<size_t> read(std::span<std::byte> out) override {
        auto more = b_.fill();
        if (!more) return std::unexpected(std::move(more.error()));
        if (!*more) return 0;
        size_t n = std::min(out.size(), b_.avail());
        std::memcpy(out.data(), b_.data(), n);
        b_.consume(n);
        return n;
    }

private:
    Buffered& b_;
};

class GzipSource : public ByteSource {
public:
    explicit GzipSource(Buffered& b) : b_(b) { reset(); }
    Result<size_t> read(std::span<std::byte> out) override {
        if (done_ || out.empty()) return 0;
        for (;;) {
            if (state_.block_state == ISAL_BLOCK_FINISH) {
                // End of a member: another one may follow (multi-member gzip, e.g. pigz).
                auto more = b_.fill();
                if (!more) return std::unexpected(std::move(more.error()));
                if (!*more) {
                    done_ = true;
                    return 0;
                }
                auto* p = reinterpret_cast<const unsigned char*>(b_.data());
                if (p[0] == 0) {  // trailing zero padding after the last member: ignore
                    b_.consume(b_.avail());
                    continue;
                }
                reset();
            }
            auto more = b_.fill();
            if (!more) return std::unexpected(std::move(more.error()));
            state_.next_in = reinterpret_cast<uint8_t*>(b_.data());
            state_.avail_in = *more ? static_cast<uint32_t>(b_.avail()) : 0;
            state_.next_out = reinterpret_cast<uint8_t*>(out.data());
            state_.avail_out = static_cast<uint32_t>(std::min<size_t>(out.size(), UINT32_MAX));
            uint32_t in_before = state_.avail_in;
            int ret = isal_inflate(&state_);
            b_.consume(in_before - state_.avail_in);
            if (ret != ISAL_DECOMP_OK) return fail("gzip: corrupt compressed data (igzip error {})", ret);
            size_t produced = out.size() - state_.avail_out;
            if (produced > 0) return produced;
            if (!*more && state_.block_state != ISAL_BLOCK_FINISH) return fail("gzip: unexpected end of compressed data");
        }
    }

private:
    void reset() {
        isal_inflate_init(&state_);
        state_.crc_flag = ISAL_GZIP;  // parse the gzip header, check CRC32 and ISIZE
    }
    Buffered& b_;
    inflate_state state_{};
    bool done_ = false;
};

class ZstdSource : public ByteSource {
public:
    explicit ZstdSource(Buffered& b) : b_(b), ctx_(ZSTD_createDStream()) {
        ZSTD_DCtx_setParameter(ctx_, ZSTD_d_windowLogMax, 31);
    }
    ~ZstdSource() override { ZSTD_freeDStream(ctx_); }
    Result<size_t> read(std::span<std::byte> out) override {
        if (out.empty()) return 0;
        for (;;) {
            auto more = b_.fill();
            if (!more) return std::unexpected(std::move(more.error()));
            ZSTD_inBuffer in{b_.data(), *more ? b_.avail() : 0, 0};
            ZSTD_outBuffer o{out.data(), out.size(), 0};
            size_t r = ZSTD_decompressStream(ctx_, &o, &in);
            b_.consume(in.pos);
            if (ZSTD_isError(r)) return fail("zstd: {}", ZSTD_getErrorName(r));
            if (r == 0) frame_done_ = true;
            else if (in.pos > 0 || o.pos > 0) frame_done_ = false;
            if (o.pos > 0) return o.pos;
            if (!*more) {
                if (frame_done_) return 0;
                return fail("zstd: unexpected end of compressed data");
            }
        }
    }

private:
    Buffered& b_;
    ZSTD_DStream* ctx_;
    bool frame_done_ = false;
};

class Decompressor : public ByteSource {
public:
    explicit Decompressor(ByteSource& in) : buf_(in) {}
    Result<size_t> read(std::span<std::byte> out) override {
        if (!impl_) {
            // Detect from the first bytes (a tiny first read is topped up to 4 bytes).
            auto more = buf_.fill();
            if (!more) return std::unexpected(std::move(more.error()));
            Compression c = detect_compression(std::span<const std::byte>(buf_.data(), buf_.avail()));
            if (c == Compression::Gzip) impl_ = std::make_unique<GzipSource>(buf_);
            else if (c == Compression::Zstd) impl_ = std::make_unique<ZstdSource>(buf_);
            else impl_ = std::make_unique<PlainSource>(buf_);
        }
        return impl_->read(out);
    }

private:
    Buffered buf_;
    std::unique_ptr<ByteSource> impl_;
};

}  // namespace

std::string_view compression_name(Compression c) {
    switch (c) {
        case Compression::Gzip: return "gzip";
        case Compression::Zstd: return "zstd";
        case Compression::None: break;
    }
    return "none";
}

Compression detect_compression(std::span<const std::byte> head) {
    auto at = [&](size_t i) { return i < head.size() ? static_cast<unsigned char>(head[i]) : 0u; };
    if (head.size() >= 2 && at(0) == 0x1f && at(1) == 0x8b) return Compression::Gzip;
    if (head.size() >= 4 && at(0) == 0x28 && at(1) == 0xb5 && at(2) == 0x2f && at(3) == 0xfd) return Compression::Zstd;
    return Compression::None;
}

std::unique_ptr<ByteSource> make_decompressor(ByteSource& in) { return std::make_unique<Decompressor>(in); }

}  // namespace brig::image
