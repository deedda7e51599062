#include "image/digest.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace brig::image {

Result<Digest> Digest::parse(std::string_view s) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos) return fail("invalid digest '{}': expected sha256:<hex>", s);
    std::string_view algo = s.substr(0, colon), hex = s.substr(colon + 1);
    if (algo != "sha256") return fail("unsupported digest algorithm '{}' in '{}' (only sha256)", algo, s);
    if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }))
        return fail("invalid digest '{}': expected 64 lower-case hex characters", s);
    return Digest{"sha256", std::string(hex)};
}

struct Sha256::Impl {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    Impl() { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
    ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const std::byte> data) { EVP_DigestUpdate(impl_->ctx, data.data(), data.size()); }
void Sha256::update(std::string_view data) { EVP_DigestUpdate(impl_->ctx, data.data(), data.size()); }

Digest Sha256::finish() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(impl_->ctx, md, &len);
    EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    Digest d;
    d.hex.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        d.hex += kHex[md[i] >> 4];
        d.hex += kHex[md[i] & 15];
    }
    return d;
}

Digest sha256_of(std::string_view data) {
    Sha256 h;
    h.update(data);
    return h.finish();
}

Result<size_t> HashingSource::read(std::span<std::byte> buf) {
    auto n = in_.read(buf);
    if (n && *n) {
        hash_.update(buf.first(*n));
        total_ += *n;
    }
    return n;
}

}  // namespace brig::image
