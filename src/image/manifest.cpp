#include "image/manifest.hpp"

#include <sys/utsname.h>

namespace brig::image {

using nlohmann::json;

bool is_index_type(std::string_view t) { return t == media::kOciIndex || t == media::kDockerList; }
bool is_manifest_type(std::string_view t) { return t == media::kOciManifest || t == media::kDockerManifest; }
bool is_layer_type(std::string_view t) {
    return t.starts_with("application/vnd.oci.image.layer.") || t.starts_with("application/vnd.docker.image.rootfs.");
}

namespace {

std::string normalize_arch(std::string_view a) {
    if (a == "x86_64" || a == "x86-64") return "amd64";
    if (a == "aarch64") return "arm64";
    if (a == "i386" || a == "i686") return "386";
    if (a == "armhf" || a == "armv7l" || a == "armel") return "arm";
    return std::string(a);
}

Result<std::map<std::string, std::string>> string_map(const json& j, std::string_view where) {
    std::map<std::string, std::string> out;
    if (j.is_null()) return out;
    if (!j.is_object()) return fail("{}: expected an object", where);
    for (auto& [k, v] : j.items()) {
        if (!v.is_string()) return fail("{}.{}: expected a string", where, k);
        out[k] = v.get<std::string>();
    }
    return out;
}

Result<std::vector<std::string>> string_list(const json& j, std::string_view where) {
    std::vector<std::string> out;
    if (j.is_null()) return out;
    if (!j.is_array()) return fail("{}: expected an array of strings", where);
    for (auto& v : j) {
        if (!v.is_string()) return fail("{}: expected an array of strings", where);
        out.push_back(v.get<std::string>());
    }
    return out;
}

Result<json> parse_json(std::string_view text, std::string_view what) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return fail("{}: not valid JSON", what);
    if (!j.is_object()) return fail("{}: expected a JSON object", what);
    return j;
}

}  // namespace

Result<Platform> Platform::parse(std::string_view s) {
    Platform p;
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= s.size()) {
        size_t j = s.find('/', i);
        if (j == std::string_view::npos) j = s.size();
        parts.emplace_back(s.substr(i, j - i));
        i = j + 1;
    }
    for (auto& part : parts)
        if (part.empty()) return fail("invalid platform '{}': expected os/arch[/variant]", s);
    if (parts.size() == 1) {
        p.architecture = normalize_arch(parts[0]);
    } else if (parts.size() <= 3) {
        p.os = parts[0];
        p.architecture = normalize_arch(parts[1]);
        if (parts.size() == 3) p.variant = parts[2];
    } else {
        return fail("invalid platform '{}': expected os/arch[/variant]", s);
    }
    if (p.architecture == "arm" && p.variant.empty() && (s.find("armhf") != std::string_view::npos || s.find("armv7") != std::string_view::npos))
        p.variant = "v7";
    return p;
}

Platform Platform::host() {
    Platform p;
    struct utsname u {};
    ::uname(&u);
    p.architecture = normalize_arch(u.machine);
    if (p.architecture == "arm64") p.variant = "v8";
    return p;
}

std::string Platform::str() const {
    std::string s = os + "/" + architecture;
    if (!variant.empty()) s += "/" + variant;
    return s;
}

bool Platform::matches(const Platform& c) const {
    if (c.os != os || normalize_arch(c.architecture) != architecture) return false;
    if (variant.empty() || c.variant == variant) return true;
    // arm64 images often omit the (only) variant v8.
    return architecture == "arm64" && variant == "v8" && c.variant.empty();
}

json Descriptor::to_json() const {
    json j = json::object();
    j["mediaType"] = media_type;
    j["digest"] = digest.str();
    j["size"] = size;
    if (!urls.empty()) j["urls"] = urls;
    if (!annotations.empty()) j["annotations"] = annotations;
    if (platform) {
        json p = {{"architecture", platform->architecture}, {"os", platform->os}};
        if (!platform->variant.empty()) p["variant"] = platform->variant;
        if (!platform->os_version.empty()) p["os.version"] = platform->os_version;
        j["platform"] = p;
    }
    return j;
}

Result<Descriptor> parse_descriptor(const json& j, std::string_view where) {
    if (!j.is_object()) return fail("{}: expected a descriptor object", where);
    Descriptor d;
    if (auto it = j.find("mediaType"); it != j.end()) {
        if (!it->is_string()) return fail("{}.mediaType: expected a string", where);
        d.media_type = it->get<std::string>();
    }
    auto dg = j.find("digest");
    if (dg == j.end() || !dg->is_string()) return fail("{}.digest: missing", where);
    auto digest = Digest::parse(dg->get<std::string>());
    if (!digest) return fail("{}.digest: {}", where, digest.error().message);
    d.digest = *digest;
    auto sz = j.find("size");
    if (sz == j.end() || !sz->is_number_integer() || sz->get<int64_t>() < 0)
        return fail("{}.size: missing or not a non-negative integer", where);
    d.size = sz->get<int64_t>();
    if (auto it = j.find("annotations"); it != j.end()) {
        auto a = string_map(*it, fmt::format("{}.annotations", where));
        if (!a) return std::unexpected(a.error());
        d.annotations = std::move(*a);
    }
    if (auto it = j.find("urls"); it != j.end()) {
        auto u = string_list(*it, fmt::format("{}.urls", where));
        if (!u) return std::unexpected(u.error());
        d.urls = std::move(*u);
    }
    if (auto it = j.find("platform"); it != j.end() && it->is_object()) {
        Platform p;
        p.os = it->value("os", "");
        p.architecture = it->value("architecture", "");
        p.variant = it->value("variant", "");
        p.os_version = it->value("os.version", "");
        d.platform = p;
    }
    return d;
}

Result<std::string> document_media_type(std::string_view text) {
    auto j = parse_json(text, "manifest");
    if (!j) return std::unexpected(j.error());
    if (j->value("schemaVersion", 0) == 1) return fail("Docker image manifest schema 1 is not supported (deprecated format)");
    if (auto it = j->find("mediaType"); it != j->end() && it->is_string() && !it->get<std::string>().empty())
        return it->get<std::string>();
    if (j->contains("manifests")) return std::string(media::kOciIndex);
    if (j->contains("layers") || j->contains("config")) return std::string(media::kOciManifest);
    return fail("manifest: neither an image manifest nor an index");
}

Result<Manifest> parse_manifest(std::string_view text) {
    auto j = parse_json(text, "manifest");
    if (!j) return std::unexpected(j.error());
    Manifest m;
    m.schema_version = j->value("schemaVersion", 0);
    if (m.schema_version != 2) return fail("manifest: schemaVersion {} is not supported (want 2)", m.schema_version);
    m.media_type = j->value("mediaType", "");
    if (!m.media_type.empty() && !is_manifest_type(m.media_type))
        return fail("manifest: mediaType '{}' is not an image manifest", m.media_type);
    auto cfg = j->find("config");
    if (cfg == j->end()) return fail("manifest: no config descriptor");
    auto c = parse_descriptor(*cfg, "manifest.config");
    if (!c) return std::unexpected(c.error());
    m.config = *c;
    auto layers = j->find("layers");
    if (layers == j->end() || !layers->is_array()) return fail("manifest.layers: missing or not an array");
    for (size_t i = 0; i < layers->size(); ++i) {
        auto l = parse_descriptor((*layers)[i], fmt::format("manifest.layers[{}]", i));
        if (!l) return std::unexpected(l.error());
        m.layers.push_back(std::move(*l));
    }
    if (auto it = j->find("annotations"); it != j->end()) {
        auto a = string_map(*it, "manifest.annotations");
        if (!a) return std::unexpected(a.error());
        m.annotations = std::move(*a);
    }
    return m;
}

Result<Index> parse_index(std::string_view text) {
    auto j = parse_json(text, "index");
    if (!j) return std::unexpected(j.error());
    Index x;
    x.schema_version = j->value("schemaVersion", 0);
    if (x.schema_version != 2) return fail("index: schemaVersion {} is not supported (want 2)", x.schema_version);
    x.media_type = j->value("mediaType", "");
    if (!x.media_type.empty() && !is_index_type(x.media_type))
        return fail("index: mediaType '{}' is not an index or manifest list", x.media_type);
    auto ms = j->find("manifests");
    if (ms == j->end() || !ms->is_array()) return fail("index.manifests: missing or not an array");
    for (size_t i = 0; i < ms->size(); ++i) {
        auto d = parse_descriptor((*ms)[i], fmt::format("index.manifests[{}]", i));
        if (!d) return std::unexpected(d.error());
        x.manifests.push_back(std::move(*d));
    }
    if (auto it = j->find("annotations"); it != j->end()) {
        auto a = string_map(*it, "index.annotations");
        if (!a) return std::unexpected(a.error());
        x.annotations = std::move(*a);
    }
    return x;
}

std::string manifest_to_json(const Manifest& m) {
    json j = json::object();
    j["schemaVersion"] = 2;
    if (!m.media_type.empty()) j["mediaType"] = m.media_type;
    j["config"] = m.config.to_json();
    json layers = json::array();
    for (auto& l : m.layers) layers.push_back(l.to_json());
    j["layers"] = layers;
    if (!m.annotations.empty()) j["annotations"] = m.annotations;
    return j.dump();
}

Result<Descriptor> select_platform(const Index& index, const Platform& want) {
    std::string offered;
    for (auto& d : index.manifests) {
        // Attestation manifests (buildkit) carry platform unknown/unknown: never chosen.
        if (!d.platform) continue;
        if (want.matches(*d.platform) && (d.media_type.empty() || is_manifest_type(d.media_type) || is_index_type(d.media_type)))
            return d;
        if (d.platform->os == "unknown") continue;
        if (!offered.empty()) offered += ", ";
        offered += d.platform->str();
    }
    // An index with a single manifest without platform (common in OCI layouts) is that image.
    if (index.manifests.size() == 1 && !index.manifests[0].platform) return index.manifests[0];
    return fail("no image for platform {} in the index (it has: {})", want.str(), offered.empty() ? "none" : offered);
}

Result<ImageConfig> parse_image_config(std::string_view text) {
    auto j = parse_json(text, "image config");
    if (!j) return std::unexpected(j.error());
    ImageConfig c;
    auto str = [&](const json& o, const char* k) -> std::string {
        auto it = o.find(k);
        return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    c.architecture = str(*j, "architecture");
    c.os = str(*j, "os");
    c.variant = str(*j, "variant");
    c.created = str(*j, "created");
    c.author = str(*j, "author");
    if (auto it = j->find("config"); it != j->end() && it->is_object()) {
        const json& cfg = *it;
        c.user = str(cfg, "User");
        c.working_dir = str(cfg, "WorkingDir");
        c.stop_signal = str(cfg, "StopSignal");
        auto env = string_list(cfg.value("Env", json()), "config.Env");
        if (!env) return std::unexpected(env.error());
        c.env = std::move(*env);
        for (const char* key : {"Entrypoint", "Cmd"}) {
            auto f = cfg.find(key);
            if (f == cfg.end() || f->is_null()) continue;
            std::vector<std::string> v;
            if (f->is_string()) {
                v = {"/bin/sh", "-c", f->get<std::string>()};
            } else {
                auto l = string_list(*f, fmt::format("config.{}", key));
                if (!l) return std::unexpected(l.error());
                v = std::move(*l);
            }
            (std::string_view(key) == "Cmd" ? c.cmd : c.entrypoint) = std::move(v);
        }
        for (const char* key : {"ExposedPorts", "Volumes"}) {
            auto f = cfg.find(key);
            if (f == cfg.end() || !f->is_object()) continue;
            auto& out = std::string_view(key) == "Volumes" ? c.volumes : c.exposed_ports;
            for (auto& [k, v] : f->items()) out.push_back(k);
        }
        auto labels = string_map(cfg.value("Labels", json()), "config.Labels");
        if (!labels) return std::unexpected(labels.error());
        c.labels = std::move(*labels);
    }
    if (auto rf = j->find("rootfs"); rf != j->end() && rf->is_object()) {
        if (rf->value("type", "") != "layers") return fail("image config: rootfs.type must be \"layers\"");
        auto ids = rf->find("diff_ids");
        if (ids != rf->end() && ids->is_array()) {
            for (size_t i = 0; i < ids->size(); ++i) {
                if (!(*ids)[i].is_string()) return fail("image config: rootfs.diff_ids[{}]: not a string", i);
                auto d = Digest::parse((*ids)[i].get<std::string>());
                if (!d) return fail("image config: rootfs.diff_ids[{}]: {}", i, d.error().message);
                c.diff_ids.push_back(*d);
            }
        }
    } else {
        return fail("image config: no rootfs section");
    }
    c.raw = std::move(*j);
    return c;
}

}  // namespace brig::image
