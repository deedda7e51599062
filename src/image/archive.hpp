// Image archives: `brig load` (docker-archive = `docker save` output, OCI layout directory or
// tar, any compression), `brig save` (docker-archive or oci-archive) and `brig import` (a root
// file system tar as a one-layer image).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "image/manifest.hpp"
#include "image/store.hpp"

namespace brig::image {

using LogLine = std::function<void(const std::string&)>;

struct LoadResult {
    std::vector<std::string> names;  // "Loaded image: busybox:latest" (familiar form)
    std::vector<Digest> ids;         // images loaded without a name ("Loaded image ID: sha256:...")
};

// What a load reports while it runs: log lines, and each layer's bytes (brig load's progress).
struct LoadHooks {
    LogLine log;
    std::function<size_t(const std::string& id, int64_t size)> layer_start;  // returns a slot; size -1: unknown
    std::function<void(size_t slot, uint64_t bytes_read)> layer_bytes;      // compressed bytes read so far
    std::function<void(size_t slot, bool ok, bool already_present)> layer_done;
};

// `path`: a file (tar, tar.gz, tar.zst), "-" for stdin, or an OCI layout directory.
Result<LoadResult> load_archive(const Store& store, const std::string& path, const Platform& platform, const LogLine& log = {});
Result<LoadResult> load_archive(const Store& store, const std::string& path, const Platform& platform, const LoadHooks& hooks);

enum class ArchiveFormat { Docker, Oci };
// Write the images (each with the names to record for it, normalized) as one archive to out_fd.
struct SaveItem {
    ImageRecord image;
    std::vector<std::string> names;  // normalized refs; empty = untagged
};
Result<void> save_archive(const Store& store, const std::vector<SaveItem>& items, ArchiveFormat format, int out_fd);

struct ImportOptions {
    std::string name;     // normalized ref or "" (untagged)
    std::string message;  // history comment
    std::vector<std::string> changes;  // docker --change: "CMD [..]", "ENV K=V", "WORKDIR /x", "ENTRYPOINT [..]", "USER u"
    Platform platform = Platform::host();
};
// A root file system tar (any compression) as a one-layer image.
Result<ImageRecord> import_rootfs(const Store& store, ByteSource& tar, const ImportOptions& opts);

}  // namespace brig::image
