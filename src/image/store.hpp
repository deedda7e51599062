// The content-addressed image store under <root> (brig's --root, default /var/lib/brig):
//
//   <root>/blobs/sha256/<hex>           verified blobs (manifests, configs, compressed layers), read-only
//   <root>/layers/sha256/<diffhex>/diff  each layer unpacked once (overlay form), shared by images
//   <root>/layers/sha256/<diffhex>/link  its short name (overlay lowerdir l/<link>, see storage/)
//   <root>/ingest/                       partial blobs (resumable) and per-digest lock files
//   <root>/images.json                   image records (name:tag -> manifest, config, layers)
//
// Guarantees: a blob is written to ingest/, hashed while written, fsync'd and renamed into
// blobs/ only when its digest and size match, so no corrupt blob is ever visible (kill -9 or
// a concurrent brig process at any moment). A layer is unpacked into a temp dir, made durable
// with one syncfs(2) (power-loss safe, not only kill-safe) and renamed into layers/ when complete. Concurrent ingests of one digest serialize on a flock: the second one
// finds the blob present and returns at once. Store methods are thread-safe (parallel layers).
//
// How the registry client streams a pull (one layer = one ByteSource fed by the download):
//
//   auto store = Store::open(globals.root);                // once
//   auto lease = store->lease();                           // hold across the pull: GC waits
//   store->put_blob(manifest_bytes, manifest_digest);      // index/manifest/config: small, in memory
//   store->put_blob(config_bytes, config_desc.digest);
//   auto config = parse_image_config(config_bytes);
//   for each layer i (in parallel threads if wanted):
//       LayerIngest in{desc.media_type, desc.digest, desc.size, config->diff_ids[i]};
//       store->ingest_layer(in, [&](uint64_t offset) { return http_get_blob(desc, offset); },
//                           progress_callback);
//     // the opener returns a ByteSource reading the blob from `offset` (Range: bytes=offset-);
//     // the store hashes the compressed bytes, keeps them as the blob, inflates (gzip via
//     // igzip, zstd) and unpacks the tar as the bytes arrive. If an earlier pull was killed, the
//     // partial blob is replayed from disk and the opener is asked for the rest only.
//     // A source error mid-stream: ingest_layer retries by calling the opener again at the
//     // offset reached (up to 3 times) before failing; the partial blob stays for next time.
//   store->commit_image(manifest_digest, {ref.str()}, ref.repository() + "@" + pulled_digest);
//
// Push: find_image(ref) -> record; read_blob(record.manifest_digest) / config; open_blob(layer
// digest) for each layer (blob_size() for Content-Length).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "image/decompress.hpp"
#include "image/digest.hpp"
#include "image/manifest.hpp"
#include "image/source.hpp"

namespace brig::image {

struct LayerRecord {
    Digest digest;   // the blob (compressed as stored)
    Digest diff_id;  // sha256 of the uncompressed tar
    int64_t size = 0;
    std::string media_type;
};

struct ImageRecord {
    Digest id;  // = config digest (docker's image id)
    std::vector<std::string> names;         // normalized refs: docker.io/library/busybox:latest
    std::vector<std::string> repo_digests;  // docker.io/library/busybox@sha256:...
    Digest manifest_digest;
    std::string manifest_media_type;
    Digest config_digest;
    std::vector<LayerRecord> layers;  // base first
    int64_t size = 0;                 // sum of the unpacked layer sizes (what `images` shows)
    std::string created;              // from the config
    std::string platform;             // os/arch[/variant]
    int64_t added = 0;                // unix seconds when stored

    nlohmann::json to_json() const;
    static Result<ImageRecord> from_json(const nlohmann::json& j);
};

struct LayerIngest {
    std::string media_type;         // a hint only: the compression is detected from magic bytes
    std::optional<Digest> digest;   // expected blob digest (nullopt: computed, e.g. docker archives)
    int64_t size = -1;              // expected blob size, -1 unknown
    std::optional<Digest> diff_id;  // expected uncompressed digest (from the config's rootfs.diff_ids)
};

struct LayerResult {
    Digest digest;   // blob digest
    Digest diff_id;  // verified
    int64_t size = 0;
    int64_t unpacked_size = 0;
    bool already_present = false;  // nothing was downloaded
    Compression compression = Compression::None;  // as detected from the blob's bytes
};

// Holding a lease keeps GC away (shared flock on <root>/store.lock; GC takes it exclusively).
class StoreLease {
public:
    StoreLease() = default;
    explicit StoreLease(UniqueFd fd) : fd_(std::move(fd)) {}

private:
    UniqueFd fd_;
};

struct GcStats {
    int blobs_removed = 0;
    int layers_removed = 0;
    uint64_t bytes_freed = 0;
};

using Progress = std::function<void(uint64_t bytes_done)>;

class Store {
public:
    // Creates the directories when missing. `root` is brig's state root.
    static Result<Store> open(std::string root);
    const std::string& root() const { return root_; }

    Result<StoreLease> lease() const;

    // --- blobs
    std::string blob_path(const Digest& d) const;
    bool has_blob(const Digest& d) const;
    Result<int64_t> blob_size(const Digest& d) const;
    Result<UniqueFd> open_blob(const Digest& d) const;
    Result<std::string> read_blob(const Digest& d, size_t limit = 64u << 20) const;
    // Store a blob from bytes in memory; verified against `expected` when given. Returns its digest.
    Result<Digest> put_blob(std::string_view data, const std::optional<Digest>& expected = std::nullopt) const;
    // Stream a blob in (not resumable); size -1 = unknown.
    Result<Digest> ingest_blob(ByteSource& src, const std::optional<Digest>& expected, int64_t size = -1) const;
    // Resumable variant: replays a partial ingest from disk, then opener(offset) for the rest.
    Result<Digest> ingest_blob(const SourceOpener& opener, const Digest& expected, int64_t size,
                               const Progress& progress = {}) const;

    // --- layers
    // Hash the compressed bytes, keep them as a blob, decompress, hash the diff id, unpack: one pass.
    Result<LayerResult> ingest_layer(const LayerIngest& in, const SourceOpener& opener,
                                     const Progress& progress = {}) const;
    Result<LayerResult> ingest_layer(const LayerIngest& in, ByteSource& src) const;
    bool has_layer(const Digest& diff_id) const;
    std::string layer_path(const Digest& diff_id) const;  // <root>/layers/sha256/<hex>   (dir)
    std::string layer_diff(const Digest& diff_id) const;  // <root>/layers/sha256/<hex>/diff (tree)
    // The layer's short link name (a few chars), for overlay lowerdir strings. Created once.
    Result<std::string> layer_link(const Digest& diff_id) const;
    std::string links_dir() const;  // <root>/layers/l  (l/<link> -> ../sha256/<hex>/diff)
    // Bytes of the uncompressed tar of a layer (for docker-archive save): decompresses the blob.
    Result<std::unique_ptr<ByteSource>> open_layer_tar(const LayerRecord& layer) const;

    // --- images
    // Record an image whose manifest, config and layers are all in the store. Names are
    // normalized refs (a name moves from any other image to this one). Returns the record.
    Result<ImageRecord> commit_image(const Digest& manifest_digest, const std::vector<std::string>& names,
                                     const std::vector<std::string>& repo_digests = {}) const;
    Result<std::vector<ImageRecord>> list_images() const;
    // By name[:tag] (normalized), full or short id (>= 1 hex char, unique), sha256:<id>, or
    // name@digest (a repo digest or the manifest digest).
    Result<ImageRecord> find_image(std::string_view ref_or_id) const;
    Result<ImageConfig> image_config(const ImageRecord& r) const;
    Result<void> tag(std::string_view source, std::string_view target) const;
    // Remove one name; with no name left the image record goes (blobs stay until gc). If `ref`
    // is an id, all names go (needs force when it has several, as docker). Returns what was
    // untagged / deleted, as docker prints it.
    struct RemoveResult {
        std::vector<std::string> untagged;
        std::vector<std::string> deleted;
    };
    Result<RemoveResult> remove_image(std::string_view ref_or_id, bool force) const;

    // Delete blobs and layers no image references; `extra_layers` (diff ids used by containers)
    // are kept too. Waits for leases to go.
    Result<GcStats> gc(const std::set<std::string>& keep_layers_hex = {}) const;

private:
    explicit Store(std::string root) : root_(std::move(root)) {}
    std::string root_;
};

}  // namespace brig::image
