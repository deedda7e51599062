// Image references as docker normalizes them: "busybox" -> docker.io/library/busybox:latest,
// "localhost:5000/a/b@sha256:..." keeps its registry. Pure logic, unit-tested.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "image/digest.hpp"

namespace brig::image {

struct Reference {
    std::string domain;  // "docker.io", "localhost:5000", "quay.io"
    std::string path;    // "library/busybox", "a/b"
    std::string tag;     // "latest" when neither tag nor digest was given; empty with a digest only
    std::optional<Digest> digest;

    std::string repository() const { return domain + "/" + path; }  // docker.io/library/busybox
    // Full normalized form: docker.io/library/busybox:latest or repo@sha256:...
    std::string str() const;
    // The short form docker prints: busybox (docker.io/library stripped), quay.io/x/y.
    std::string familiar_repository() const;
    // Registry host to contact: docker.io -> registry-1.docker.io.
    std::string registry_host() const;
};

// Parse and normalize. Rejects upper-case repositories, bad tags, bad digests with a clear error.
Result<Reference> parse_reference(std::string_view s);

// Does `s` look like a (possibly short) image id: 1..64 lower-case hex chars, or sha256:<hex>?
bool looks_like_id(std::string_view s);

}  // namespace brig::image
