#include "image/compress.hpp"

#include <isa-l/igzip_lib.h>

#include <vector>

namespace brig::image {
namespace {

class GzipSource : public ByteSource {
public:
    explicit GzipSource(ByteSource& in) : in_(in), level_buf_(ISAL_DEF_LVL1_DEFAULT), in_buf_(256 * 1024) {
        isal_deflate_init(&s_);
        s_.level = 1;
        s_.level_buf = level_buf_.data();
        s_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
        s_.gzip_flag = IGZIP_GZIP;
    }

    Result<size_t> read(std::span<std::byte> buf) override {
        if (done_ || buf.empty()) return 0;
        s_.next_out = reinterpret_cast<uint8_t*>(buf.data());
        s_.avail_out = static_cast<uint32_t>(buf.size());
        while (s_.avail_out == buf.size()) {
            if (s_.avail_in == 0 && !s_.end_of_stream) {
                auto n = in_.read(in_buf_);
                if (!n) return std::unexpected(n.error());
                s_.next_in = reinterpret_cast<uint8_t*>(in_buf_.data());
                s_.avail_in = static_cast<uint32_t>(*n);
                if (*n == 0) s_.end_of_stream = 1;
            }
            if (int rc = isal_deflate(&s_); rc != COMP_OK) return fail("gzip: compression failed (igzip error {})", rc);
            if (s_.internal_state.state == ZSTATE_END) {
                done_ = true;
                break;
            }
        }
        return buf.size() - s_.avail_out;
    }

private:
    ByteSource& in_;
    isal_zstream s_{};
    std::vector<uint8_t> level_buf_;
    std::vector<std::byte> in_buf_;
    bool done_ = false;
};

}  // namespace

std::unique_ptr<ByteSource> make_gzip_compressor(ByteSource& in) { return std::make_unique<GzipSource>(in); }

}  // namespace brig::image
