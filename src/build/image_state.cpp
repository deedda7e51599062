#include "build/image_state.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "build/context/path.hpp"
#include "image/manifest.hpp"

namespace brig::build {

using nlohmann::json;
using nlohmann::ordered_json;
namespace df = dockerfile;

namespace {

std::vector<std::string> strings_at(const ordered_json& c, const char* key) {
    std::vector<std::string> out;
    if (auto it = c.find(key); it != c.end() && it->is_array())
        for (auto& v : *it)
            if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
}

std::string string_at(const ordered_json& c, const char* key) {
    auto it = c.find(key);
    return it != c.end() && it->is_string() ? it->get<std::string>() : "";
}

// WORKDIR and VOLUME paths: relative ones are taken from the current WORKDIR; "." and ".."
// are folded (inside "/").
std::string absolute_path(const std::string& base, const std::string& p) {
    return context::clean_path(p.starts_with('/') ? p : base + "/" + p);
}

std::vector<std::string> with_shell(const ImageState& s, const std::vector<std::string>& argv, bool shell_form) {
    if (!shell_form) return argv;
    auto sh = s.shell();
    std::string line;
    for (size_t i = 0; i < argv.size(); ++i) line += (i ? " " : "") + argv[i];
    sh.push_back(line);
    return sh;
}

}  // namespace

std::vector<std::string> ImageState::env() const { return strings_at(config, "Env"); }

std::string ImageState::env_value(std::string_view key) const {
    for (auto& kv : env())
        if (kv.size() > key.size() && kv.compare(0, key.size(), key) == 0 && kv[key.size()] == '=')
            return kv.substr(key.size() + 1);
    return "";
}

std::vector<std::string> ImageState::shell() const {
    auto sh = strings_at(config, "Shell");
    return sh.empty() ? std::vector<std::string>{"/bin/sh", "-c"} : sh;
}

std::string ImageState::workdir() const {
    auto w = string_at(config, "WorkingDir");
    return w.empty() ? "/" : w;
}

std::string ImageState::user() const { return string_at(config, "User"); }

ImageState scratch_state() {
    ImageState s;
    auto p = image::Platform::host();
    s.os = p.os;
    s.architecture = p.architecture;
    s.variant = p.variant;
    s.config["Env"] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    return s;
}

Result<ImageState> state_from_image(const image::Store& store, const image::ImageRecord& img) {
    auto text = store.read_blob(img.config_digest);
    if (!text) return std::unexpected(std::move(text.error()));
    json doc = json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return fail("image {}: its config is not JSON", img.id.short_id());
    ImageState s;
    if (auto it = doc.find("config"); it != doc.end() && it->is_object()) s.config = ordered_json(*it);
    if (auto it = doc.find("history"); it != doc.end() && it->is_array()) s.history = *it;
    s.os = doc.value("os", "linux");
    s.architecture = doc.value("architecture", image::Platform::host().architecture);
    s.variant = doc.value("variant", "");
    s.author = doc.value("author", "");
    s.last_created = doc.value("created", "");
    s.layers = img.layers;
    if (!s.config.contains("Env"))
        s.config["Env"] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    // Fields a runtime container state leaves behind that a new image must not inherit.
    for (const char* k : {"Hostname", "Domainname", "Image"}) s.config.erase(k);
    return s;
}

void set_env(ImageState& s, const std::string& key, const std::string& value) {
    auto env = s.env();
    std::string kv = key + "=" + value;
    auto it = std::find_if(env.begin(), env.end(), [&](const std::string& e) { return e.starts_with(key + "="); });
    if (it != env.end()) *it = kv;
    else env.push_back(kv);
    s.config["Env"] = env;
}

Result<void> apply_metadata(ImageState& s, const df::Command& c) {
    return std::visit(
        [&](const auto& v) -> Result<void> {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, df::Env>) {
                for (auto& [k, val] : v.pairs) set_env(s, k, val);
            } else if constexpr (std::is_same_v<T, df::Label>) {
                if (!s.config.contains("Labels") || !s.config["Labels"].is_object()) s.config["Labels"] = ordered_json::object();
                for (auto& [k, val] : v.pairs) s.config["Labels"][k] = val;
            } else if constexpr (std::is_same_v<T, df::Cmd>) {
                s.config["Cmd"] = with_shell(s, v.argv, v.shell_form);
                s.cmd_set = true;
            } else if constexpr (std::is_same_v<T, df::Entrypoint>) {
                s.config["Entrypoint"] = with_shell(s, v.argv, v.shell_form);
                if (!s.cmd_set) s.config["Cmd"] = nullptr;  // an inherited CMD goes with a new ENTRYPOINT
            } else if constexpr (std::is_same_v<T, df::Expose>) {
                if (!s.config.contains("ExposedPorts") || !s.config["ExposedPorts"].is_object())
                    s.config["ExposedPorts"] = ordered_json::object();
                for (auto p : v.ports) {
                    if (p.find('/') == std::string::npos) p += "/tcp";
                    s.config["ExposedPorts"][p] = ordered_json::object();
                }
            } else if constexpr (std::is_same_v<T, df::Volume>) {
                if (!s.config.contains("Volumes") || !s.config["Volumes"].is_object()) s.config["Volumes"] = ordered_json::object();
                for (auto& p : v.paths) s.config["Volumes"][absolute_path(s.workdir(), p)] = ordered_json::object();
            } else if constexpr (std::is_same_v<T, df::User>) {
                s.config["User"] = v.user;
            } else if constexpr (std::is_same_v<T, df::Workdir>) {
                s.config["WorkingDir"] = absolute_path(s.workdir(), v.path);
            } else if constexpr (std::is_same_v<T, df::StopSignal>) {
                s.config["StopSignal"] = v.signal;
            } else if constexpr (std::is_same_v<T, df::Shell>) {
                s.config["Shell"] = v.argv;
            } else if constexpr (std::is_same_v<T, df::Healthcheck>) {
                ordered_json h;
                h["Test"] = v.none ? std::vector<std::string>{"NONE"} : v.test;
                if (v.interval_ns) h["Interval"] = v.interval_ns;
                if (v.timeout_ns) h["Timeout"] = v.timeout_ns;
                if (v.start_period_ns) h["StartPeriod"] = v.start_period_ns;
                if (v.start_interval_ns) h["StartInterval"] = v.start_interval_ns;
                if (v.retries) h["Retries"] = v.retries;
                s.config["Healthcheck"] = h;
            } else if constexpr (std::is_same_v<T, df::OnBuild>) {
                if (!s.config.contains("OnBuild") || !s.config["OnBuild"].is_array()) s.config["OnBuild"] = ordered_json::array();
                s.config["OnBuild"].push_back(v.instruction);
            } else if constexpr (std::is_same_v<T, df::Maintainer>) {
                s.author = v.name;
            } else {
                return fail("not a metadata instruction");
            }
            return {};
        },
        c);
}

void add_history(ImageState& s, const std::string& created_by, const std::string& created, bool empty_layer) {
    json h = {{"created", created}, {"created_by", created_by}};
    if (empty_layer) h["empty_layer"] = true;
    s.history.push_back(std::move(h));
}

std::string config_json(const ImageState& s, const std::string& created) {
    ordered_json doc;
    doc["architecture"] = s.architecture;
    if (!s.author.empty()) doc["author"] = s.author;
    doc["config"] = s.config;
    doc["created"] = created;
    doc["history"] = s.history;
    doc["os"] = s.os;
    ordered_json diff_ids = ordered_json::array();
    for (auto& l : s.layers) diff_ids.push_back(l.diff_id.str());
    doc["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
    if (!s.variant.empty()) doc["variant"] = s.variant;
    return doc.dump();
}

Result<image::ImageRecord> write_image(const image::Store& store, const ImageState& s, const std::string& created,
                                       const std::vector<std::string>& names) {
    std::string ctext = config_json(s, created);
    auto cdig = store.put_blob(ctext);
    if (!cdig) return std::unexpected(std::move(cdig.error()));
    image::Manifest m;
    m.media_type = std::string(image::media::kOciManifest);
    m.config = image::Descriptor{std::string(image::media::kOciConfig), *cdig, static_cast<int64_t>(ctext.size()), {}, {}, {}};
    for (auto& l : s.layers)
        m.layers.push_back(image::Descriptor{l.media_type.empty() ? std::string(image::media::kOciLayerGzip) : l.media_type,
                                             l.digest, l.size, {}, {}, {}});
    auto mdig = store.put_blob(image::manifest_to_json(m));
    if (!mdig) return std::unexpected(std::move(mdig.error()));
    return store.commit_image(*mdig, names);
}

}  // namespace brig::build
