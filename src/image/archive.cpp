#include "image/archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <set>

#include "common/scope.hpp"
#include "common/time.hpp"
#include "image/decompress.hpp"
#include "image/fsutil.hpp"
#include "image/reference.hpp"
#include "image/tar.hpp"
#include "image/unpack.hpp"
#include "linux/fs.hpp"

namespace brig::image {

using nlohmann::json;

namespace {

constexpr size_t kMaxJson = 16u << 20;

// A file system tree to load from: an OCI layout directory or an (uncompressed) tar.
struct Tree {
    virtual ~Tree() = default;
    virtual bool has(const std::string& path) const = 0;
    virtual Result<std::unique_ptr<ByteSource>> open(const std::string& path) const = 0;
    Result<std::string> read(const std::string& path) const {
        auto s = open(path);
        if (!s) return std::unexpected(std::move(s.error()));
        auto data = read_all(**s, kMaxJson);
        if (!data) return wrap(std::move(data), path);
        return data;
    }
    SourceOpener opener(const std::string& path) const {
        return [this, path](uint64_t offset) -> Result<std::unique_ptr<ByteSource>> {
            auto s = open(path);
            if (!s) return s;
            std::vector<std::byte> skip(64 * 1024);
            for (uint64_t left = offset; left > 0;) {
                auto n = (*s)->read(std::span(skip).first(std::min<uint64_t>(skip.size(), left)));
                if (!n) return std::unexpected(std::move(n.error()));
                if (*n == 0) return fail("{}: shorter than expected", path);
                left -= *n;
            }
            return s;
        };
    }
};

class DirTree : public Tree {
public:
    explicit DirTree(UniqueFd root) : root_(std::move(root)) {}
    bool has(const std::string& path) const override {
        return static_cast<bool>(linuxfs::open_in_root(root_.get(), path, O_PATH));
    }
    Result<std::unique_ptr<ByteSource>> open(const std::string& path) const override {
        auto fd = linuxfs::open_in_root(root_.get(), path, O_RDONLY);
        if (!fd) return fail("{}: not found in the image layout", path);
        return std::make_unique<FdSource>(std::move(*fd));
    }

private:
    UniqueFd root_;
};

class SliceSource : public ByteSource {
public:
    SliceSource(UniqueFd fd, uint64_t size) : file_(std::move(fd)), limited_(file_, size) {}
    Result<size_t> read(std::span<std::byte> buf) override { return limited_.read(buf); }

private:
    FdSource file_;
    LimitedSource limited_;
};

class TarTree : public Tree {
public:
    static Result<std::unique_ptr<TarTree>> index(const std::string& file) {
        auto t = std::unique_ptr<TarTree>(new TarTree(file));
        UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return sys_fail("open {}", file);
        FdSource src(std::move(fd));
        CountingSource counted(src, {});
        TarReader tar(counted);
        for (;;) {
            auto e = tar.next();
            if (!e) return std::unexpected(std::move(e.error()));
            if (!*e) break;
            auto clean = std::optional<std::string>(normalize((*e)->path));
            Member m{counted.count(), (*e)->size, {}};
            if ((*e)->type == TarType::Symlink || (*e)->type == TarType::HardLink) {
                std::string target = (*e)->linkname;
                if ((*e)->type == TarType::Symlink && !target.starts_with("/")) {
                    auto slash = clean->rfind('/');
                    if (slash != std::string::npos) target = clean->substr(0, slash) + "/" + target;
                }
                m.link = target;
            } else if ((*e)->type != TarType::Regular) {
                continue;
            }
            t->members_[*clean] = m;
        }
        return t;
    }
    bool has(const std::string& path) const override { return find(path) != nullptr; }
    Result<std::unique_ptr<ByteSource>> open(const std::string& path) const override {
        const Member* m = find(path);
        if (!m) return fail("{}: not found in the archive", path);
        UniqueFd fd(::open(file_.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return sys_fail("open {}", file_);
        if (::lseek(fd.get(), static_cast<off_t>(m->offset), SEEK_SET) < 0) return sys_fail("seek {}", file_);
        return std::make_unique<SliceSource>(std::move(fd), m->size);
    }

private:
    struct Member {
        uint64_t offset = 0, size = 0;
        std::string link;
    };
    explicit TarTree(std::string file) : file_(std::move(file)) {}
    // Lexical normalization for lookups only ("a/../b/./c" -> "b/c"; nothing is written from it):
    // docker save links duplicate layers as "<id>/layer.tar -> ../<other>/layer.tar".
    static std::string normalize(std::string_view p) {
        std::vector<std::string> parts;
        size_t i = 0;
        while (i <= p.size()) {
            size_t j = p.find('/', i);
            if (j == std::string_view::npos) j = p.size();
            std::string_view c = p.substr(i, j - i);
            if (c == "..") {
                if (!parts.empty()) parts.pop_back();
            } else if (!c.empty() && c != ".") {
                parts.emplace_back(c);
            }
            i = j + 1;
        }
        std::string out;
        for (auto& c : parts) out += (out.empty() ? "" : "/") + c;
        return out;
    }
    const Member* find(const std::string& path) const {
        std::string p = path;
        for (int hops = 0; hops < 8; ++hops) {
            auto clean = std::optional<std::string>(normalize(p));
            auto it = members_.find(*clean);
            if (it == members_.end()) return nullptr;
            if (it->second.link.empty()) return &it->second;
            p = it->second.link;
        }
        return nullptr;
    }
    std::string file_;
    std::map<std::string, Member> members_;
};

std::string familiar(const std::string& ref) {
    auto r = parse_reference(ref);
    if (!r) return ref;
    return r->familiar_repository() + (r->tag.empty() ? "" : ":" + r->tag);
}

std::string layer_media_type(Compression c, bool oci) {
    switch (c) {
        case Compression::Gzip: return std::string(oci ? media::kOciLayerGzip : media::kDockerLayerGzip);
        case Compression::Zstd: return std::string(media::kOciLayerZstd);
        case Compression::None: break;
    }
    return std::string(oci ? media::kOciLayer : media::kDockerLayer);
}

std::string blob_member(const Digest& d) { return fmt::format("blobs/{}/{}", d.algorithm, d.hex); }

// One image manifest from an OCI layout: blobs verified, layers ingested, record committed.
Result<ImageRecord> load_oci_manifest(const Store& store, const Tree& tree, const Descriptor& desc,
                                      const std::vector<std::string>& names, const LoadHooks& hooks) {
    auto mtext = tree.read(blob_member(desc.digest));
    if (!mtext) return std::unexpected(std::move(mtext.error()));
    if (auto r = store.put_blob(*mtext, desc.digest); !r) return wrap(std::move(r), "manifest");
    auto m = parse_manifest(*mtext);
    if (!m) return std::unexpected(std::move(m.error()));
    auto ctext = tree.read(blob_member(m->config.digest));
    if (!ctext) return std::unexpected(std::move(ctext.error()));
    if (auto r = store.put_blob(*ctext, m->config.digest); !r) return wrap(std::move(r), "config");
    auto cfg = parse_image_config(*ctext);
    if (!cfg) return std::unexpected(std::move(cfg.error()));
    if (cfg->diff_ids.size() != m->layers.size())
        return fail("manifest {}: {} layers but the config lists {} diff ids", desc.digest.str(), m->layers.size(), cfg->diff_ids.size());
    for (size_t i = 0; i < m->layers.size(); ++i) {
        const auto& l = m->layers[i];
        if (hooks.log) hooks.log(fmt::format("Loading layer {}", l.digest.short_id()));
        LayerIngest in{l.media_type, l.digest, l.size, cfg->diff_ids[i]};
        size_t slot = hooks.layer_start ? hooks.layer_start(l.digest.short_id(), l.size) : 0;
        Progress bytes;
        if (hooks.layer_bytes) bytes = [&hooks, slot](uint64_t done) { hooks.layer_bytes(slot, done); };
        auto r = store.ingest_layer(in, tree.opener(blob_member(l.digest)), bytes);
        if (hooks.layer_done) hooks.layer_done(slot, r.has_value(), r && r->already_present);
        if (!r) return std::unexpected(std::move(r.error()));
    }
    return store.commit_image(desc.digest, names);
}

Result<LoadResult> load_oci(const Store& store, const Tree& tree, const Platform& platform, const LoadHooks& hooks) {
    auto itext = tree.read("index.json");
    if (!itext) return std::unexpected(std::move(itext.error()));
    auto index = parse_index(*itext);
    if (!index) return wrap(std::move(index), "index.json");
    LoadResult out;
    std::string skipped;
    for (auto& d : index->manifests) {
        std::vector<std::string> names;
        std::string name;
        if (auto it = d.annotations.find("io.containerd.image.name"); it != d.annotations.end()) name = it->second;
        else if (auto rn = d.annotations.find("org.opencontainers.image.ref.name"); rn != d.annotations.end() &&
                 (rn->second.find('/') != std::string::npos || rn->second.find(':') != std::string::npos))
            name = rn->second;
        if (!name.empty()) {
            auto ref = parse_reference(name);
            if (!ref) return std::unexpected(std::move(ref.error()));
            if (!ref->digest) names.push_back(ref->str());
        }
        Descriptor mdesc = d;
        if (is_index_type(d.media_type)) {
            auto sub_text = tree.read(blob_member(d.digest));
            if (!sub_text) return std::unexpected(std::move(sub_text.error()));
            if (auto r = store.put_blob(*sub_text, d.digest); !r) return wrap(std::move(r), "index");
            auto sub = parse_index(*sub_text);
            if (!sub) return std::unexpected(std::move(sub.error()));
            auto sel = select_platform(*sub, platform);
            if (!sel) return std::unexpected(std::move(sel.error()));
            mdesc = *sel;
        } else if (d.platform && !platform.matches(*d.platform)) {
            skipped += (skipped.empty() ? "" : ", ") + d.platform->str();
            continue;
        }
        auto rec = load_oci_manifest(store, tree, mdesc, names, hooks);
        if (!rec) return std::unexpected(std::move(rec.error()));
        if (names.empty()) out.ids.push_back(rec->id);
        for (auto& n : names) out.names.push_back(familiar(n));
    }
    if (out.names.empty() && out.ids.empty())
        return fail("no image for platform {} in the archive{}", platform.str(), skipped.empty() ? "" : " (it has: " + skipped + ")");
    return out;
}

Result<LoadResult> load_docker(const Store& store, const Tree& tree, const LoadHooks& hooks) {
    auto text = tree.read("manifest.json");
    if (!text) return std::unexpected(std::move(text.error()));
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_array()) return fail("manifest.json: expected a JSON array");
    LoadResult out;
    for (size_t k = 0; k < j.size(); ++k) {
        const json& item = j[k];
        if (!item.is_object() || !item.contains("Config") || !item["Config"].is_string() || !item.contains("Layers") || !item["Layers"].is_array())
            return fail("manifest.json[{}]: needs Config and Layers", k);
        auto ctext = tree.read(item["Config"].get<std::string>());
        if (!ctext) return std::unexpected(std::move(ctext.error()));
        auto cfg = parse_image_config(*ctext);
        if (!cfg) return std::unexpected(std::move(cfg.error()));
        auto cdig = store.put_blob(*ctext);
        if (!cdig) return std::unexpected(std::move(cdig.error()));
        auto& layers = item["Layers"];
        if (layers.size() != cfg->diff_ids.size())
            return fail("manifest.json[{}]: {} layers but the config lists {} diff ids", k, layers.size(), cfg->diff_ids.size());
        Manifest m;
        m.media_type = std::string(media::kDockerManifest);
        m.config = Descriptor{std::string(media::kDockerConfig), *cdig, static_cast<int64_t>(ctext->size()), {}, {}, {}};
        for (size_t i = 0; i < layers.size(); ++i) {
            if (!layers[i].is_string()) return fail("manifest.json[{}].Layers[{}]: not a string", k, i);
            std::string path = layers[i].get<std::string>();
            if (hooks.log) hooks.log(fmt::format("Loading layer {}", cfg->diff_ids[i].short_id()));
            LayerIngest in{"", std::nullopt, -1, cfg->diff_ids[i]};
            auto src = tree.open(path);
            if (!src) return std::unexpected(std::move(src.error()));
            size_t slot = hooks.layer_start ? hooks.layer_start(cfg->diff_ids[i].short_id(), -1) : 0;
            CountingSource counted(**src, [&hooks, slot](uint64_t done) {
                if (hooks.layer_bytes) hooks.layer_bytes(slot, done);
            });
            auto r = store.ingest_layer(in, counted);
            if (hooks.layer_done) hooks.layer_done(slot, r.has_value(), r && r->already_present);
            if (!r) return wrap(std::move(r), path);
            m.layers.push_back(Descriptor{layer_media_type(r->compression, false), r->digest, r->size, {}, {}, {}});
        }
        auto mdig = store.put_blob(manifest_to_json(m));
        if (!mdig) return std::unexpected(std::move(mdig.error()));
        std::vector<std::string> names;
        if (item.contains("RepoTags") && item["RepoTags"].is_array())
            for (auto& t : item["RepoTags"])
                if (t.is_string()) {
                    auto ref = parse_reference(t.get<std::string>());
                    if (!ref) return fail("manifest.json[{}].RepoTags: {}", k, ref.error().message);
                    names.push_back(ref->str());
                }
        auto rec = store.commit_image(*mdig, names);
        if (!rec) return std::unexpected(std::move(rec.error()));
        if (names.empty()) out.ids.push_back(rec->id);
        for (auto& n : names) out.names.push_back(familiar(n));
    }
    return out;
}

Result<uint64_t> layer_tar_size(const Store& store, const LayerRecord& l) {
    if (auto meta = linuxfs::read_file(store.layer_path(l.diff_id) + "/meta.json"); meta) {
        json mj = json::parse(*meta, nullptr, false);
        if (mj.is_object() && mj.contains("tar_size")) return mj["tar_size"].get<uint64_t>();
    }
    auto src = store.open_layer_tar(l);
    if (!src) return std::unexpected(std::move(src.error()));
    return drain(**src);
}

}  // namespace

Result<LoadResult> load_archive(const Store& store, const std::string& path, const Platform& platform, const LogLine& log) {
    LoadHooks hooks;
    hooks.log = log;
    return load_archive(store, path, platform, hooks);
}

Result<LoadResult> load_archive(const Store& store, const std::string& path, const Platform& platform, const LoadHooks& hooks) {
    auto lease = store.lease();
    if (!lease) return std::unexpected(std::move(lease.error()));
    std::unique_ptr<Tree> tree;
    std::string tmp;
    ScopeGuard drop_tmp([&] {
        if (!tmp.empty()) ::unlink(tmp.c_str());
    });
    struct stat st {};
    if (path != "-" && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        UniqueFd dfd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!dfd) return sys_fail("open {}", path);
        tree = std::make_unique<DirTree>(std::move(dfd));
    } else {
        UniqueFd fd(path == "-" ? ::dup(0) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return sys_fail("open {}", path);
        if (::fstat(fd.get(), &st) < 0) return sys_fail("stat {}", path);
        std::string file = path;
        std::byte head[4] = {};
        ssize_t hn = S_ISREG(st.st_mode) ? ::pread(fd.get(), head, sizeof head, 0) : -1;
        bool plain_file = hn >= 0 && detect_compression(std::span<const std::byte>(head, static_cast<size_t>(hn))) == Compression::None;
        if (!plain_file) {
            // Compressed or a pipe: decompress into a seekable temp file first.
            auto out = fsutil::temp_file(store.root() + "/tmp", "load-", tmp);
            if (!out) return std::unexpected(std::move(out.error()));
            FdSource in(fd.get());
            auto dec = make_decompressor(in);
            std::vector<std::byte> buf(256 * 1024);
            for (;;) {
                auto n = dec->read(buf);
                if (!n) return wrap(std::move(n), path);
                if (*n == 0) break;
                if (auto w = fsutil::write_all(out->get(), buf.data(), *n, tmp); !w) return std::unexpected(w.error());
            }
            file = tmp;
        }
        auto t = TarTree::index(file);
        if (!t) return wrap(std::move(t), fmt::format("{}: not an image archive", path));
        tree = std::move(*t);
    }
    bool oci = tree->has("index.json") && tree->has("oci-layout");
    if (oci && tree->has("manifest.json")) {
        // docker save >= 25 writes both. The OCI index keeps the original manifests; use it when
        // it names the images, else the names are only in manifest.json's RepoTags.
        auto idx = tree->read("index.json");
        oci = idx && idx->find("io.containerd.image.name") != std::string::npos;
    }
    if (oci) return load_oci(store, *tree, platform, hooks);
    if (tree->has("manifest.json")) return load_docker(store, *tree, hooks);
    if (tree->has("index.json")) return load_oci(store, *tree, platform, hooks);
    return fail("{}: not a docker archive or OCI layout (no manifest.json, no oci-layout + index.json)", path);
}

Result<void> save_archive(const Store& store, const std::vector<SaveItem>& items, ArchiveFormat format, int out_fd) {
    auto lease = store.lease();
    if (!lease) return std::unexpected(std::move(lease.error()));
    TarWriter tar(out_fd);
    std::set<std::string> written;
    auto add_blob = [&](const Digest& d, const std::string& member) -> Result<void> {
        if (!written.insert(member).second) return {};
        auto fd = store.open_blob(d);
        if (!fd) return std::unexpected(std::move(fd.error()));
        struct stat st {};
        ::fstat(fd->get(), &st);
        FdSource src(std::move(*fd));
        TarEntry e;
        e.path = member;
        e.size = static_cast<uint64_t>(st.st_size);
        e.mode = 0644;
        return tar.add(e, &src);
    };
    if (format == ArchiveFormat::Oci) {
        if (auto r = tar.add_file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"); !r) return r;
        if (auto r = tar.add_dir("blobs"); !r) return r;
        if (auto r = tar.add_dir("blobs/sha256"); !r) return r;
        json manifests = json::array();
        for (auto& it : items) {
            const auto& img = it.image;
            if (auto r = add_blob(img.manifest_digest, blob_member(img.manifest_digest)); !r) return r;
            if (auto r = add_blob(img.config_digest, blob_member(img.config_digest)); !r) return r;
            for (auto& l : img.layers)
                if (auto r = add_blob(l.digest, blob_member(l.digest)); !r) return r;
            auto msize = store.blob_size(img.manifest_digest);
            if (!msize) return std::unexpected(msize.error());
            Descriptor d{img.manifest_media_type, img.manifest_digest, *msize, {}, {}, {}};
            if (it.names.empty()) manifests.push_back(d.to_json());
            for (auto& n : it.names) {
                auto ref = parse_reference(n);
                Descriptor dn = d;
                dn.annotations["io.containerd.image.name"] = n;
                if (ref && !ref->tag.empty()) dn.annotations["org.opencontainers.image.ref.name"] = ref->tag;
                manifests.push_back(dn.to_json());
            }
        }
        json index = {{"schemaVersion", 2}, {"mediaType", media::kOciIndex}, {"manifests", manifests}};
        if (auto r = tar.add_file("index.json", index.dump()); !r) return r;
        return tar.finish();
    }
    json manifest = json::array();
    json repositories = json::object();
    for (auto& it : items) {
        const auto& img = it.image;
        std::string cfg_member = img.config_digest.hex + ".json";
        if (auto r = add_blob(img.config_digest, cfg_member); !r) return r;
        json layers = json::array();
        for (auto& l : img.layers) {
            std::string member = l.diff_id.hex + "/layer.tar";
            layers.push_back(member);
            if (!written.insert(member).second) continue;
            auto size = layer_tar_size(store, l);
            if (!size) return std::unexpected(size.error());
            auto src = store.open_layer_tar(l);
            if (!src) return std::unexpected(src.error());
            if (auto r = tar.add_dir(l.diff_id.hex); !r) return r;
            TarEntry e;
            e.path = member;
            e.size = *size;
            e.mode = 0644;
            if (auto r = tar.add(e, src->get()); !r) return wrap(std::move(r), fmt::format("layer {}", l.diff_id.str()));
        }
        json tags = json::array();
        for (auto& n : it.names) {
            tags.push_back(familiar(n));
            auto ref = parse_reference(n);
            if (ref && !img.layers.empty()) repositories[ref->familiar_repository()][ref->tag] = img.layers.back().diff_id.hex;
        }
        manifest.push_back({{"Config", cfg_member}, {"RepoTags", tags.empty() ? json(nullptr) : tags}, {"Layers", layers}});
    }
    if (auto r = tar.add_file("manifest.json", manifest.dump()); !r) return r;
    if (!repositories.empty())
        if (auto r = tar.add_file("repositories", repositories.dump()); !r) return r;
    return tar.finish();
}

namespace {

Result<void> apply_change(json& cfg, const std::string& change) {
    auto sp = change.find_first_of(" =");
    std::string key = change.substr(0, sp);
    for (auto& ch : key) ch = static_cast<char>(::toupper(static_cast<unsigned char>(ch)));
    std::string val = sp == std::string::npos ? "" : change.substr(sp + 1);
    while (!val.empty() && val.front() == ' ') val.erase(0, 1);
    auto list_or_shell = [&]() -> json {
        json a = json::parse(val, nullptr, false);
        if (!a.is_discarded() && a.is_array()) return a;
        return json::array({"/bin/sh", "-c", val});
    };
    if (key == "CMD") cfg["Cmd"] = list_or_shell();
    else if (key == "ENTRYPOINT") cfg["Entrypoint"] = list_or_shell();
    else if (key == "ENV") {
        auto eq = val.find_first_of("= ");
        if (eq == std::string::npos) return fail("--change '{}': ENV needs KEY=VALUE", change);
        cfg["Env"].push_back(val.substr(0, eq) + "=" + val.substr(eq + 1));
    } else if (key == "WORKDIR") cfg["WorkingDir"] = val;
    else if (key == "USER") cfg["User"] = val;
    else if (key == "STOPSIGNAL") cfg["StopSignal"] = val;
    else if (key == "EXPOSE") cfg["ExposedPorts"][val.find('/') == std::string::npos ? val + "/tcp" : val] = json::object();
    else if (key == "VOLUME") cfg["Volumes"][val] = json::object();
    else if (key == "LABEL") {
        auto eq = val.find('=');
        if (eq == std::string::npos) return fail("--change '{}': LABEL needs KEY=VALUE", change);
        cfg["Labels"][val.substr(0, eq)] = val.substr(eq + 1);
    } else return fail("--change '{}': unsupported instruction {} (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)", change, key);
    return {};
}

}  // namespace

Result<ImageRecord> import_rootfs(const Store& store, ByteSource& tar, const ImportOptions& opts) {
    auto lease = store.lease();
    if (!lease) return std::unexpected(std::move(lease.error()));
    json cfg_section = {{"Env", json::array({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"})}};
    for (auto& c : opts.changes)
        if (auto r = apply_change(cfg_section, c); !r) return std::unexpected(r.error());
    std::vector<std::string> names;
    if (!opts.name.empty()) {
        auto ref = parse_reference(opts.name);
        if (!ref) return std::unexpected(std::move(ref.error()));
        if (ref->digest) return fail("import: the name cannot carry a digest: {}", opts.name);
        names.push_back(ref->str());
    }
    auto layer = store.ingest_layer(LayerIngest{}, tar);
    if (!layer) return std::unexpected(std::move(layer.error()));
    std::string created = now_rfc3339_seconds();
    json config = {{"architecture", opts.platform.architecture},
                   {"os", opts.platform.os},
                   {"created", created},
                   {"config", cfg_section},
                   {"rootfs", {{"type", "layers"}, {"diff_ids", json::array({layer->diff_id.str()})}}},
                   {"history", json::array({{{"created", created}, {"created_by", "brig import"}, {"comment", opts.message}}})}};
    if (!opts.platform.variant.empty()) config["variant"] = opts.platform.variant;
    std::string ctext = config.dump();
    auto cdig = store.put_blob(ctext);
    if (!cdig) return std::unexpected(std::move(cdig.error()));
    Manifest m;
    m.media_type = std::string(media::kOciManifest);
    m.config = Descriptor{std::string(media::kOciConfig), *cdig, static_cast<int64_t>(ctext.size()), {}, {}, {}};
    m.layers.push_back(Descriptor{layer_media_type(layer->compression, true), layer->digest, layer->size, {}, {}, {}});
    auto mdig = store.put_blob(manifest_to_json(m));
    if (!mdig) return std::unexpected(std::move(mdig.error()));
    return store.commit_image(*mdig, names);
}

}  // namespace brig::image
