// Image records: <root>/images.json, read-modify-written under <root>/images.lock.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "common/flock.hpp"
#include "image/fsutil.hpp"
#include "image/reference.hpp"
#include "image/store.hpp"
#include "linux/fs.hpp"

namespace brig::image {

using nlohmann::json;

json ImageRecord::to_json() const {
    json layers_j = json::array();
    for (auto& l : layers)
        layers_j.push_back({{"digest", l.digest.str()}, {"diff_id", l.diff_id.str()}, {"size", l.size}, {"media_type", l.media_type}});
    return {{"id", id.str()},
            {"names", names},
            {"repo_digests", repo_digests},
            {"manifest_digest", manifest_digest.str()},
            {"manifest_media_type", manifest_media_type},
            {"config_digest", config_digest.str()},
            {"layers", layers_j},
            {"size", size},
            {"created", created},
            {"platform", platform},
            {"added", added}};
}

Result<ImageRecord> ImageRecord::from_json(const json& j) {
    try {
        ImageRecord r;
        auto dg = [](const json& v) -> Result<Digest> { return Digest::parse(v.get<std::string>()); };
        auto id = dg(j.at("id"));
        auto md = dg(j.at("manifest_digest"));
        auto cd = dg(j.at("config_digest"));
        if (!id || !md || !cd) return fail("bad digest in image record");
        r.id = *id;
        r.manifest_digest = *md;
        r.config_digest = *cd;
        r.names = j.value("names", std::vector<std::string>{});
        r.repo_digests = j.value("repo_digests", std::vector<std::string>{});
        r.manifest_media_type = j.value("manifest_media_type", "");
        r.size = j.value("size", int64_t{0});
        r.created = j.value("created", "");
        r.platform = j.value("platform", "");
        r.added = j.value("added", int64_t{0});
        for (auto& l : j.at("layers")) {
            auto d = dg(l.at("digest"));
            auto di = dg(l.at("diff_id"));
            if (!d || !di) return fail("bad layer digest in image record");
            r.layers.push_back({*d, *di, l.value("size", int64_t{0}), l.value("media_type", "")});
        }
        return r;
    } catch (const json::exception& e) {
        return fail("bad image record: {}", e.what());
    }
}

namespace {

std::string images_file(const std::string& root) { return root + "/images.json"; }

Result<std::vector<ImageRecord>> load_records(const std::string& root) {
    std::vector<ImageRecord> out;
    auto text = linuxfs::read_file(images_file(root));
    if (!text) {
        if (text.error().errnum == ENOENT) return out;
        return std::unexpected(std::move(text.error()));
    }
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("images") || !j["images"].is_array())
        return fail("{}: corrupt image records", images_file(root));
    for (auto& r : j["images"]) {
        auto rec = ImageRecord::from_json(r);
        if (!rec) return fail("{}: {}", images_file(root), rec.error().message);
        out.push_back(std::move(*rec));
    }
    return out;
}

Result<void> save_records(const std::string& root, const std::vector<ImageRecord>& recs) {
    json arr = json::array();
    for (auto& r : recs) arr.push_back(r.to_json());
    json j = {{"images", arr}};
    return linuxfs::write_file_atomic(images_file(root), j.dump(1) + "\n", 0600, true);
}

Result<UniqueFd> lock_records(const std::string& root, bool exclusive) {
    return lock_file(root + "/images.lock", exclusive ? LockMode::Exclusive : LockMode::Shared);
}

// Match `ref_or_id` against records; returns the index.
Result<size_t> find_index(const std::vector<ImageRecord>& recs, std::string_view s) {
    // A full id first.
    if (s.starts_with("sha256:") && s.size() == 71) {
        for (size_t i = 0; i < recs.size(); ++i)
            if (recs[i].id.str() == s) return i;
    }
    auto ref = parse_reference(s);
    if (ref) {
        if (ref->digest) {
            std::string want = ref->repository() + "@" + ref->digest->str();
            for (size_t i = 0; i < recs.size(); ++i) {
                auto& r = recs[i];
                if (std::find(r.repo_digests.begin(), r.repo_digests.end(), want) != r.repo_digests.end()) return i;
                if (r.manifest_digest == *ref->digest)
                    for (auto& n : r.names)
                        if (n.starts_with(ref->repository() + ":")) return i;
            }
        } else {
            std::string want = ref->str();
            for (size_t i = 0; i < recs.size(); ++i)
                if (std::find(recs[i].names.begin(), recs[i].names.end(), want) != recs[i].names.end()) return i;
        }
    }
    if (looks_like_id(s)) {
        std::string_view hex = s.starts_with("sha256:") ? s.substr(7) : s;
        std::optional<size_t> found;
        for (size_t i = 0; i < recs.size(); ++i) {
            if (recs[i].id.hex.starts_with(hex)) {
                if (found && recs[*found].id != recs[i].id) return fail("image id '{}' is ambiguous: more than one image matches", s);
                found = i;
            }
        }
        if (found) return *found;
    }
    if (!ref && !looks_like_id(s)) return fail("{}", ref.error().message);
    return errno_fail(ENOENT, "No such image: {}", s);
}

}  // namespace

Result<ImageRecord> Store::commit_image(const Digest& manifest_digest, const std::vector<std::string>& names,
                                        const std::vector<std::string>& repo_digests) const {
    auto mtext = read_blob(manifest_digest);
    if (!mtext) return std::unexpected(std::move(mtext.error()));
    auto m = parse_manifest(*mtext);
    if (!m) return wrap(std::move(m), fmt::format("manifest {}", manifest_digest.str()));
    auto ctext = read_blob(m->config.digest);
    if (!ctext) return std::unexpected(std::move(ctext.error()));
    auto cfg = parse_image_config(*ctext);
    if (!cfg) return std::unexpected(std::move(cfg.error()));
    if (cfg->diff_ids.size() != m->layers.size())
        return fail("image {}: the manifest has {} layers but the config lists {} diff ids", manifest_digest.str(),
                    m->layers.size(), cfg->diff_ids.size());
    ImageRecord rec;
    rec.id = m->config.digest;
    rec.manifest_digest = manifest_digest;
    rec.manifest_media_type = m->media_type.empty() ? std::string(media::kOciManifest) : m->media_type;
    rec.config_digest = m->config.digest;
    rec.created = cfg->created;
    rec.platform = cfg->platform().str();
    rec.added = ::time(nullptr);
    for (size_t i = 0; i < m->layers.size(); ++i) {
        const auto& l = m->layers[i];
        const auto& diff = cfg->diff_ids[i];
        if (!has_blob(l.digest)) return fail("image {}: layer blob {} is missing", manifest_digest.str(), l.digest.str());
        if (!has_layer(diff)) return fail("image {}: layer {} is not unpacked", manifest_digest.str(), diff.str());
        rec.layers.push_back({l.digest, diff, l.size, l.media_type});
        if (auto meta = linuxfs::read_file(layer_path(diff) + "/meta.json"); meta) {
            json mj = json::parse(*meta, nullptr, false);
            if (mj.is_object()) rec.size += mj.value("size", int64_t{0});
        }
    }
    std::vector<std::string> norm_names;
    for (auto& n : names) {
        auto r = parse_reference(n);
        if (!r) return std::unexpected(std::move(r.error()));
        if (r->digest) continue;  // a digest is not a name
        norm_names.push_back(r->str());
    }

    auto lock = lock_records(root_, true);
    if (!lock) return std::unexpected(std::move(lock.error()));
    auto recs = load_records(root_);
    if (!recs) return std::unexpected(std::move(recs.error()));
    for (auto& other : *recs) {
        if (other.id == rec.id) continue;
        std::erase_if(other.names, [&](const std::string& n) {
            return std::find(norm_names.begin(), norm_names.end(), n) != norm_names.end();
        });
    }
    auto it = std::find_if(recs->begin(), recs->end(), [&](const ImageRecord& r) { return r.id == rec.id; });
    if (it != recs->end()) {
        rec.names = it->names;
        rec.repo_digests = it->repo_digests;
        rec.added = it->added;
    }
    for (auto& n : norm_names)
        if (std::find(rec.names.begin(), rec.names.end(), n) == rec.names.end()) rec.names.push_back(n);
    for (auto& d : repo_digests)
        if (std::find(rec.repo_digests.begin(), rec.repo_digests.end(), d) == rec.repo_digests.end()) rec.repo_digests.push_back(d);
    if (it != recs->end()) *it = rec;
    else recs->push_back(rec);
    // Images left without a name and not the one just stored stay as dangling (<none>), as docker.
    if (auto r = save_records(root_, *recs); !r) return std::unexpected(r.error());
    return rec;
}

Result<std::vector<ImageRecord>> Store::list_images() const {
    auto lock = lock_records(root_, false);
    if (!lock) return std::unexpected(std::move(lock.error()));
    return load_records(root_);
}

Result<ImageRecord> Store::find_image(std::string_view s) const {
    auto recs = list_images();
    if (!recs) return std::unexpected(std::move(recs.error()));
    auto i = find_index(*recs, s);
    if (!i) return std::unexpected(std::move(i.error()));
    return (*recs)[*i];
}

Result<ImageConfig> Store::image_config(const ImageRecord& r) const {
    auto text = read_blob(r.config_digest);
    if (!text) return std::unexpected(std::move(text.error()));
    return parse_image_config(*text);
}

Result<void> Store::tag(std::string_view source, std::string_view target) const {
    auto ref = parse_reference(target);
    if (!ref) return std::unexpected(std::move(ref.error()));
    if (ref->digest) return fail("refusing to create a tag with a digest reference: {}", target);
    auto lock = lock_records(root_, true);
    if (!lock) return std::unexpected(std::move(lock.error()));
    auto recs = load_records(root_);
    if (!recs) return std::unexpected(std::move(recs.error()));
    auto i = find_index(*recs, source);
    if (!i) return std::unexpected(std::move(i.error()));
    std::string name = ref->str();
    for (auto& r : *recs) std::erase(r.names, name);
    (*recs)[*i].names.push_back(name);
    return save_records(root_, *recs);
}

Result<Store::RemoveResult> Store::remove_image(std::string_view s, bool force) const {
    auto lock = lock_records(root_, true);
    if (!lock) return std::unexpected(std::move(lock.error()));
    auto recs = load_records(root_);
    if (!recs) return std::unexpected(std::move(recs.error()));
    auto i = find_index(*recs, s);
    if (!i) return std::unexpected(std::move(i.error()));
    ImageRecord& r = (*recs)[*i];
    RemoveResult out;
    auto ref = parse_reference(s);
    bool by_name = ref && !ref->digest && std::find(r.names.begin(), r.names.end(), ref->str()) != r.names.end();
    auto familiar = [](const std::string& n) {
        auto p = parse_reference(n);
        return p ? p->familiar_repository() + ":" + p->tag : n;
    };
    if (by_name && r.names.size() > 1) {
        std::erase(r.names, ref->str());
        out.untagged.push_back(familiar(ref->str()));
    } else {
        if (!by_name && r.names.size() > 1 && !force)
            return fail("conflict: unable to delete {} (must be forced) - image is referenced in multiple repositories", r.id.short_id());
        for (auto& n : r.names) out.untagged.push_back(familiar(n));
        for (auto& d : r.repo_digests) {
            auto p = parse_reference(d);
            out.untagged.push_back(p ? p->familiar_repository() + "@" + p->digest->str() : d);
        }
        out.deleted.push_back(r.id.str());
        recs->erase(recs->begin() + static_cast<std::ptrdiff_t>(*i));
    }
    if (auto w = save_records(root_, *recs); !w) return std::unexpected(w.error());
    return out;
}

}  // namespace brig::image
