#include "image/registry/push.hpp"

#include "image/manifest.hpp"
#include "image/registry/progress.hpp"

#include <algorithm>

namespace brig::registry {

namespace {

// Repositories of the same registry this image is known to be in: cross-repository mount sources.
std::vector<std::string> mount_sources(const image::ImageRecord& rec, const image::Reference& dest) {
    std::vector<std::string> out;
    auto consider = [&](const std::string& s) {
        auto r = image::parse_reference(s);
        if (!r || r->domain != dest.domain || r->path == dest.path) return;
        if (std::find(out.begin(), out.end(), r->path) == out.end()) out.push_back(r->path);
    };
    for (const auto& s : rec.repo_digests) consider(s);
    for (const auto& s : rec.names) consider(s);
    return out;
}

}  // namespace

Result<image::Digest> push_image(const image::Store& store, std::string_view source, const image::Reference& dest,
                                 const PushOptions& opts) {
    const std::string what = fmt::format("push {}", dest.str());
    auto lease = store.lease();
    if (!lease) return wrap(std::move(lease), what);
    auto rec = store.find_image(source);
    if (!rec) return wrap(std::move(rec), what);
    if (dest.digest && *dest.digest != rec->manifest_digest) {
        return fail("{}: the image's manifest digest is {}, not {}", what, rec->manifest_digest.str(),
                    dest.digest->str());
    }
    auto manifest_bytes = store.read_blob(rec->manifest_digest);
    if (!manifest_bytes) return wrap(std::move(manifest_bytes), what);
    auto manifest = image::parse_manifest(*manifest_bytes);
    if (!manifest) return wrap(std::move(manifest), fmt::format("{}: manifest", what));
    std::string media_type = rec->manifest_media_type;
    if (media_type.empty()) media_type = manifest->media_type;
    if (media_type.empty()) media_type = std::string(image::media::kOciManifest);

    RegistryClient client(dest.domain, opts.client);
    TransferProgress progress(opts.progress, opts.progress_tty);
    auto mounts = mount_sources(*rec, dest);

    std::vector<image::Descriptor> blobs = manifest->layers;
    blobs.push_back(manifest->config);
    for (const auto& b : blobs) {
        size_t slot = progress.add(b.digest.short_id(), b.size, "Preparing");
        auto exists = client.blob_exists(dest.path, b.digest);
        if (!exists) return wrap(std::move(exists), what);
        if (*exists) {
            progress.set_status(slot, "Layer already exists", true);
            continue;
        }
        auto fd = store.open_blob(b.digest);
        if (!fd) {
            return wrap(std::move(fd), fmt::format("{}: blob {} is not in the store", what, b.digest.str()));
        }
        auto size = store.blob_size(b.digest);
        if (!size) return wrap(std::move(size), what);
        image::FdSource file(std::move(*fd));
        image::CountingSource counted(file, [&progress, slot](uint64_t done) { progress.set_bytes(slot, done); });
        progress.set_status(slot, "Pushing");
        auto mounted = client.upload_blob(dest.path, b.digest, *size, counted, mounts);
        if (!mounted) {
            progress.set_status(slot, "Failed", true);
            progress.finish();
            return wrap(std::move(mounted), what);
        }
        progress.set_status(slot, *mounted ? "Mounted from another repository" : "Pushed", true);
    }

    const std::string ref = dest.tag.empty() ? rec->manifest_digest.str() : dest.tag;
    auto digest = client.put_manifest(dest.path, ref, media_type, *manifest_bytes);
    progress.finish();
    if (!digest) return wrap(std::move(digest), what);
    return *digest;
}

}  // namespace brig::registry
