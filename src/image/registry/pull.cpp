#include "image/registry/pull.hpp"

#include "image/registry/progress.hpp"

#include <atomic>
#include <mutex>
#include <thread>

namespace brig::registry {

namespace {

constexpr size_t kMaxConfigSize = 16u << 20;

struct Resolved {
    FetchedManifest manifest;        // the platform's image manifest
    std::optional<FetchedManifest> index;  // what the tag pointed at, when an index
};

Result<Resolved> resolve(RegistryClient& client, const image::Reference& ref, const image::Platform& want) {
    const std::string ref_str = ref.digest ? ref.digest->str() : ref.tag;
    auto top = client.get_manifest(ref.path, ref_str);
    if (!top) return std::unexpected(std::move(top.error()));
    Resolved r;
    if (image::is_index_type(top->media_type)) {
        auto index = image::parse_index(top->body);
        if (!index) return wrap(std::move(index), fmt::format("{}: index", ref.str()));
        auto desc = image::select_platform(*index, want);
        if (!desc) return wrap(std::move(desc), ref.str());
        auto m = client.get_manifest(ref.path, desc->digest.str());
        if (!m) return std::unexpected(std::move(m.error()));
        if (!image::is_manifest_type(m->media_type)) {
            return fail("{}: the index entry for {} is a {}, not an image manifest", ref.str(), want.str(),
                        m->media_type);
        }
        r.index = std::move(*top);
        r.manifest = std::move(*m);
    } else if (image::is_manifest_type(top->media_type)) {
        r.manifest = std::move(*top);
    } else {
        return fail("{}: unsupported manifest media type \"{}\"", ref.str(), top->media_type);
    }
    return r;
}

}  // namespace

Result<image::ImageRecord> pull_image(const image::Store& store, const image::Reference& ref,
                                      const PullOptions& opts) {
    const std::string what = fmt::format("pull {}", ref.str());
    auto lease = store.lease();
    if (!lease) return wrap(std::move(lease), what);

    image::Platform want = opts.platform ? *opts.platform : image::Platform::host();
    RegistryClient client(ref.domain, opts.client);
    TransferProgress progress(opts.progress, opts.progress_tty);

    auto resolved = resolve(client, ref, want);
    if (!resolved) return wrap(std::move(resolved), what);
    auto manifest = image::parse_manifest(resolved->manifest.body);
    if (!manifest) return wrap(std::move(manifest), fmt::format("{}: manifest", what));
    const std::string& cfg_type = manifest->config.media_type;
    if (cfg_type != image::media::kOciConfig && cfg_type != image::media::kDockerConfig) {
        return fail("{}: not a container image (config media type \"{}\")", what, cfg_type);
    }
    for (const auto& l : manifest->layers) {
        if (!image::is_layer_type(l.media_type) || l.media_type == image::media::kDockerForeignLayerGzip) {
            return fail("{}: layer {} has unsupported media type \"{}\"", what, l.digest.str(), l.media_type);
        }
    }

    // Config: small, verified in memory.
    std::string config_bytes;
    if (store.has_blob(manifest->config.digest)) {
        auto c = store.read_blob(manifest->config.digest, kMaxConfigSize);
        if (!c) return wrap(std::move(c), what);
        config_bytes = std::move(*c);
    } else {
        auto c = client.get_blob(ref.path, manifest->config.digest, kMaxConfigSize);
        if (!c) return wrap(std::move(c), what);
        config_bytes = std::move(*c);
    }
    auto config = image::parse_image_config(config_bytes);
    if (!config) return wrap(std::move(config), fmt::format("{}: image config", what));
    if (opts.platform && !resolved->index && !config->architecture.empty() && !want.matches(config->platform())) {
        // A single-platform image: only an explicit --platform that it does not satisfy is an error (as docker).
        return fail("{}: the image is for {}, not the requested {}", what, config->platform().str(), want.str());
    }
    if (config->diff_ids.size() != manifest->layers.size()) {
        return fail("{}: the manifest has {} layers but the config lists {} diff ids", what,
                    manifest->layers.size(), config->diff_ids.size());
    }

    // Layers: a few workers take the next layer; each layer is one streamed ingest.
    const size_t n = manifest->layers.size();
    std::vector<size_t> slots(n);
    for (size_t i = 0; i < n; ++i) {
        const auto& l = manifest->layers[i];
        bool present = store.has_layer(config->diff_ids[i]) && store.has_blob(l.digest);
        slots[i] = progress.add(l.digest.short_id(), l.size, present ? "Already exists" : "Waiting");
        if (present) progress.set_status(slots[i], "Already exists", true);
    }
    std::atomic<size_t> next{0};
    std::atomic<bool> cancel{false};
    std::mutex err_mu;
    std::optional<Error> first_error;
    auto worker = [&] {
        while (!cancel.load()) {
            size_t i = next.fetch_add(1);
            if (i >= n) return;
            const auto& desc = manifest->layers[i];
            if (store.has_layer(config->diff_ids[i]) && store.has_blob(desc.digest)) continue;
            progress.set_status(slots[i], "Downloading");
            image::LayerIngest in{desc.media_type, desc.digest, desc.size, config->diff_ids[i]};
            image::SourceOpener opener = [&client, &ref, &desc, &cancel](uint64_t offset) {
                return client.open_blob(ref.path, desc.digest, offset, &cancel);
            };
            size_t slot = slots[i];
            auto r = store.ingest_layer(in, opener, [&progress, slot](uint64_t done) { progress.set_bytes(slot, done); });
            if (!r) {
                progress.set_status(slot, "Failed", true);
                std::lock_guard lock(err_mu);
                if (!first_error) first_error = std::move(r.error());
                cancel.store(true);
                return;
            }
            progress.set_status(slot, r->already_present ? "Already exists" : "Pull complete", true);
        }
    };
    std::vector<std::thread> threads;
    size_t workers = std::min<size_t>(std::max(1, opts.parallel), n);
    for (size_t w = 1; w < workers; ++w) threads.emplace_back(worker);
    if (workers > 0) worker();
    for (auto& t : threads) t.join();
    if (first_error) {
        progress.finish();
        return std::unexpected(std::move(*first_error).context(what));
    }

    // Documents last: once the layers are in, the image can be recorded.
    if (resolved->index) {
        auto p = store.put_blob(resolved->index->body, resolved->index->digest);
        if (!p) return wrap(std::move(p), what);
    }
    if (auto p = store.put_blob(resolved->manifest.body, resolved->manifest.digest); !p) return wrap(std::move(p), what);
    if (auto p = store.put_blob(config_bytes, manifest->config.digest); !p) return wrap(std::move(p), what);

    std::vector<std::string> names;
    if (!ref.tag.empty()) names.push_back(ref.repository() + ":" + ref.tag);
    const image::Digest& pulled = resolved->index ? resolved->index->digest : resolved->manifest.digest;
    std::vector<std::string> repo_digests{ref.repository() + "@" + pulled.str()};
    auto record = store.commit_image(resolved->manifest.digest, names, repo_digests);
    progress.finish();
    if (!record) return wrap(std::move(record), what);
    return record;
}

}  // namespace brig::registry
