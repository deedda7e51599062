// Content digests ("sha256:<64 hex>") and a streaming SHA-256 (OpenSSL EVP).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "image/source.hpp"

namespace brig::image {

struct Digest {
    std::string algorithm = "sha256";
    std::string hex;  // lower-case, 64 chars for sha256

    // "sha256:<hex>"; validates the algorithm (sha256 only) and the hex length/charset.
    static Result<Digest> parse(std::string_view s);
    std::string str() const { return algorithm + ":" + hex; }
    std::string short_id() const { return hex.substr(0, 12); }
    bool empty() const { return hex.empty(); }
    bool operator==(const Digest&) const = default;
    auto operator<=>(const Digest&) const = default;
};

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;
    void update(std::span<const std::byte> data);
    void update(std::string_view data);
    Digest finish();  // the hasher is reset afterwards

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

Digest sha256_of(std::string_view data);

// Hashes the bytes passing through. total() is the byte count.
class HashingSource : public ByteSource {
public:
    explicit HashingSource(ByteSource& in) : in_(in) {}
    Result<size_t> read(std::span<std::byte> buf) override;
    Digest finish() { return hash_.finish(); }
    uint64_t total() const { return total_; }

private:
    ByteSource& in_;
    Sha256 hash_;
    uint64_t total_ = 0;
};

}  // namespace brig::image
