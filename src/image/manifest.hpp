// OCI and Docker schema-2 image documents: descriptors, manifests, indexes / manifest lists,
// image configs, platforms and platform selection. Pure parsing, unit-tested.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "image/digest.hpp"

namespace brig::image {

namespace media {
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kDockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
}  // namespace media

bool is_index_type(std::string_view media_type);
bool is_manifest_type(std::string_view media_type);
bool is_layer_type(std::string_view media_type);

struct Platform {
    std::string os = "linux";
    std::string architecture;  // GOARCH names: amd64, arm64, arm, 386, ppc64le, s390x, riscv64
    std::string variant;       // v7, v8 (arm)
    std::string os_version;

    // "os/arch[/variant]" (also "arch" alone); normalizes aarch64->arm64, x86_64->amd64, armhf->arm/v7.
    static Result<Platform> parse(std::string_view s);
    static Platform host();
    std::string str() const;  // linux/arm64/v8
    // Does a descriptor's platform satisfy this wanted platform? (variant: empty wanted = any,
    // arm64 with an empty variant equals v8)
    bool matches(const Platform& candidate) const;
};

struct Descriptor {
    std::string media_type;
    Digest digest;
    int64_t size = 0;
    std::optional<Platform> platform;
    std::map<std::string, std::string> annotations;
    std::vector<std::string> urls;

    nlohmann::json to_json() const;
};

struct Manifest {
    int schema_version = 2;
    std::string media_type;  // kOciManifest or kDockerManifest (may be empty in OCI documents)
    Descriptor config;
    std::vector<Descriptor> layers;
    std::map<std::string, std::string> annotations;
};

struct Index {
    int schema_version = 2;
    std::string media_type;  // kOciIndex or kDockerList
    std::vector<Descriptor> manifests;
    std::map<std::string, std::string> annotations;
};

// The media type of a manifest/index document: its mediaType field, else guessed from its shape
// ("manifests" -> OCI index, "layers" -> OCI manifest). Docker schema 1 is refused clearly.
Result<std::string> document_media_type(std::string_view json);
Result<Descriptor> parse_descriptor(const nlohmann::json& j, std::string_view where);
Result<Manifest> parse_manifest(std::string_view json);
Result<Index> parse_index(std::string_view json);
std::string manifest_to_json(const Manifest& m);  // canonical bytes to store/push

// Choose the manifest for `want` from an index: the first exact match; errors list what the
// index offers ("no linux/s390x in index: has linux/amd64, linux/arm64/v8").
Result<Descriptor> select_platform(const Index& index, const Platform& want);

// The image config (application/vnd.oci.image.config.v1+json).
struct ImageConfig {
    std::string architecture;
    std::string os;
    std::string variant;
    std::string created;  // RFC 3339
    std::string author;
    // config section
    std::string user;
    std::vector<std::string> env;
    std::optional<std::vector<std::string>> entrypoint;  // null vs [] matter to docker
    std::optional<std::vector<std::string>> cmd;
    std::string working_dir;
    std::vector<std::string> exposed_ports;  // "80/tcp"
    std::vector<std::string> volumes;        // "/data"
    std::string stop_signal;
    std::map<std::string, std::string> labels;
    std::vector<Digest> diff_ids;  // rootfs.diff_ids, base layer first
    nlohmann::json raw;            // the whole document, as parsed

    Platform platform() const { return Platform{os, architecture, variant, {}}; }
};
Result<ImageConfig> parse_image_config(std::string_view json);

}  // namespace brig::image
