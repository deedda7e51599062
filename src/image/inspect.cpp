#include "image/inspect.hpp"

#include <cmath>

#include "common/time.hpp"
#include "image/reference.hpp"
#include "linux/fs.hpp"

namespace brig::image {

using ojson = nlohmann::ordered_json;

std::string human_size(int64_t bytes) {
    static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1000.0 && u < 5) {
        v /= 1000.0;
        ++u;
    }
    // %.4g then trim, as Go's strconv 'g' with 4 significant digits (docker prints "4.26MB").
    std::string s = fmt::format("{:.3g}", v);
    return s + kUnits[u];
}

std::string human_since(const std::string& created, int64_t now) {
    auto ns = parse_timestamp_ns(created);  // the offset may be missing: then UTC
    if (!ns) return "N/A";
    int64_t d = now - (*ns / 1'000'000'000 - (*ns % 1'000'000'000 < 0));
    if (d < 1) return "Less than a second ago";
    auto plural = [](int64_t n, const char* unit) { return fmt::format("{} {}{} ago", n, unit, n == 1 ? "" : "s"); };
    if (d < 60) return plural(d, "second");
    if (d < 3600) return d / 60 == 1 ? "About a minute ago" : plural(d / 60, "minute");
    if (d < 86400) return d / 3600 == 1 ? "About an hour ago" : plural(d / 3600, "hour");
    if (d < 86400 * 14) return plural(d / 86400, "day");
    if (d < 86400 * 60) return plural(d / (86400 * 7), "week");
    if (d < 86400 * 365 * 2) return plural(d / (86400 * 30), "month");
    return plural(d / (86400 * 365), "year");
}

Result<ojson> inspect_json(const Store& store, const ImageRecord& rec) {
    auto text = store.read_blob(rec.config_digest);
    if (!text) return std::unexpected(std::move(text.error()));
    ojson cfg = ojson::parse(*text, nullptr, false);
    if (cfg.is_discarded()) return fail("image {}: config is not JSON", rec.id.str());
    ojson tags = ojson::array(), digests = ojson::array();
    for (auto& n : rec.names) {
        auto r = parse_reference(n);
        tags.push_back(r ? r->familiar_repository() + ":" + r->tag : n);
    }
    for (auto& d : rec.repo_digests) {
        auto r = parse_reference(d);
        digests.push_back(r && r->digest ? r->familiar_repository() + "@" + r->digest->str() : d);
    }
    ojson c = cfg.value("config", ojson::object());
    ojson config = {
        {"Hostname", ""}, {"Domainname", ""}, {"User", c.value("User", "")},
        {"AttachStdin", false}, {"AttachStdout", false}, {"AttachStderr", false},
        {"Tty", false}, {"OpenStdin", false}, {"StdinOnce", false},
        {"Env", c.value("Env", ojson(nullptr))}, {"Cmd", c.value("Cmd", ojson(nullptr))},
        {"Image", ""}, {"Volumes", c.value("Volumes", ojson(nullptr))},
        {"WorkingDir", c.value("WorkingDir", "")}, {"Entrypoint", c.value("Entrypoint", ojson(nullptr))},
        {"OnBuild", c.value("OnBuild", ojson(nullptr))}, {"Labels", c.value("Labels", ojson(nullptr))},
    };
    if (c.contains("ExposedPorts")) config["ExposedPorts"] = c["ExposedPorts"];
    for (const char* k : {"StopSignal", "Healthcheck", "Shell", "ArgsEscaped"})
        if (c.contains(k)) config[k] = c[k];
    ojson layers = ojson::array();
    std::string lower;
    for (auto it = rec.layers.rbegin(); it != rec.layers.rend(); ++it) {
        if (!lower.empty()) lower += ':';
        lower += store.layer_diff(it->diff_id);
    }
    for (auto& l : rec.layers) layers.push_back(l.diff_id.str());
    std::string comment;
    if (cfg.contains("history") && cfg["history"].is_array() && !cfg["history"].empty())
        comment = cfg["history"].back().value("comment", "");
    ojson out = {
        {"Id", rec.id.str()},
        {"RepoTags", tags},
        {"RepoDigests", digests},
        {"Parent", ""},
        {"Comment", comment},
        {"Created", cfg.value("created", "")},
        {"DockerVersion", cfg.value("docker_version", "")},
        {"Author", cfg.value("author", "")},
        {"Config", config},
        {"Architecture", cfg.value("architecture", "")},
    };
    if (cfg.contains("variant")) out["Variant"] = cfg["variant"];
    out["Os"] = cfg.value("os", "");
    out["Size"] = rec.size;
    out["GraphDriver"] = {{"Data", {{"LowerDir", lower}}}, {"Name", "overlay"}};
    out["RootFS"] = {{"Type", "layers"}, {"Layers", layers}};
    out["Metadata"] = {{"LastTagTime", "0001-01-01T00:00:00Z"}};
    out["Descriptor"] = {{"mediaType", rec.manifest_media_type}, {"digest", rec.manifest_digest.str()},
                         {"size", store.blob_size(rec.manifest_digest).value_or(0)}};
    return out;
}

namespace {

int64_t layer_size(const Store& store, const Digest& diff_id) {
    auto meta = linuxfs::read_file(store.layer_path(diff_id) + "/meta.json");
    auto j = meta ? nlohmann::json::parse(*meta, nullptr, false) : nlohmann::json();
    return j.is_object() ? j.value("size", int64_t{0}) : 0;
}

}  // namespace

Result<std::vector<HistoryEntry>> history(const Store& store, const ImageRecord& rec) {
    auto text = store.read_blob(rec.config_digest);
    if (!text) return std::unexpected(text.error());
    auto cfg = nlohmann::json::parse(*text, nullptr, false);
    if (!cfg.is_object()) return fail("image {}: its config is not JSON", rec.id.short_id());
    auto list = cfg.find("history");
    std::vector<HistoryEntry> out;
    if (list == cfg.end() || !list->is_array()) return out;
    size_t layer = 0;
    for (const auto& h : *list) {
        if (!h.is_object()) continue;
        HistoryEntry e;
        if (!h.value("empty_layer", false) && layer < rec.layers.size()) e.size = layer_size(store, rec.layers[layer++].diff_id);
        e.created = h.value("created", "");
        e.created_by = h.value("created_by", "");
        e.comment = h.value("comment", "");
        out.insert(out.begin(), std::move(e));
    }
    return out;
}

}  // namespace brig::image
