#include "api/netvol_filters.hpp"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "api/router.hpp"
#include "common/time.hpp"
#include "engine/logs.hpp"

namespace brig::api {

namespace {

// Every key of `f` is one of `known`.
Result<void> check_keys(const Filters& f, std::initializer_list<std::string_view> known) {
    for (const auto& [key, _] : f)
        if (std::ranges::find(known, key) == known.end()) return fail("invalid filter '{}'", key);
    return {};
}

// docker's boolean filter values.
Result<bool> bool_value(const std::string& key, const std::string& v) {
    if (v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    return fail("invalid filter '{}={}'", key, v);
}

Result<void> check_bools(const Filters& f, const std::string& key) {
    if (auto it = f.find(key); it != f.end())
        for (const auto& v : it->second)
            if (auto b = bool_value(key, v); !b) return std::unexpected(b.error());
    return {};
}

// Some value of `key` satisfies `pred` (no values for the key: no constraint).
template <class Pred>
bool any_of(const Filters& f, const std::string& key, Pred pred) {
    auto it = f.find(key);
    if (it == f.end() || it->second.empty()) return true;
    return std::ranges::any_of(it->second, pred);
}

const std::vector<std::string>& values(const Filters& f, const std::string& key) {
    static const std::vector<std::string> none;
    auto it = f.find(key);
    return it == f.end() ? none : it->second;
}

bool predefined(const std::string& name) { return name == "bridge" || name == "host" || name == "none"; }

}  // namespace

bool labels_match(const std::vector<std::string>& wanted, const Labels& labels) {
    return std::ranges::all_of(wanted, [&](const std::string& w) {
        auto eq = w.find('=');
        auto it = labels.find(w.substr(0, eq));
        return it != labels.end() && (eq == std::string::npos || it->second == w.substr(eq + 1));
    });
}

Labels labels_of(const network::NetworkInfo& n) { return Labels(n.labels.begin(), n.labels.end()); }

Result<NetworkFilter> NetworkFilter::parse(const Filters& f) {
    if (auto r = check_keys(f, {"driver", "id", "name", "label", "scope", "type", "dangling"}); !r) return std::unexpected(r.error());
    if (auto r = check_bools(f, "dangling"); !r) return std::unexpected(r.error());
    for (const auto& t : values(f, "type"))
        if (t != "custom" && t != "builtin") return fail("invalid filter 'type={}': use custom or builtin", t);
    NetworkFilter out;
    out.f_ = f;
    return out;
}

bool NetworkFilter::matches(const network::NetworkInfo& n) const {
    return any_of(f_, "driver", [&](const std::string& v) { return n.driver == v; }) &&
           any_of(f_, "id", [&](const std::string& v) { return n.id.starts_with(v); }) &&
           any_of(f_, "name", [&](const std::string& v) { return n.name.find(v) != std::string::npos; }) &&
           any_of(f_, "scope", [&](const std::string& v) { return v == "local"; }) &&
           any_of(f_, "type", [&](const std::string& v) { return (v == "builtin") == predefined(n.name); }) &&
           any_of(f_, "dangling", [&](const std::string& v) {
               bool dangling = n.endpoints.empty() && !predefined(n.name);
               return dangling == *bool_value("dangling", v);
           }) &&
           labels_match(values(f_, "label"), labels_of(n));
}

Result<VolumeFilter> VolumeFilter::parse(const Filters& f) {
    if (auto r = check_keys(f, {"name", "driver", "label", "dangling"}); !r) return std::unexpected(r.error());
    if (auto r = check_bools(f, "dangling"); !r) return std::unexpected(r.error());
    VolumeFilter out;
    out.f_ = f;
    return out;
}

bool VolumeFilter::matches(const storage::Volume& v, bool in_use) const {
    return any_of(f_, "name", [&](const std::string& s) { return v.name.find(s) != std::string::npos; }) &&
           any_of(f_, "driver", [&](const std::string& s) { return v.driver == s; }) &&
           any_of(f_, "dangling", [&](const std::string& s) { return !in_use == *bool_value("dangling", s); }) &&
           labels_match(values(f_, "label"), v.labels);
}

Result<PruneFilter> PruneFilter::parse(const Filters& f, PruneKind kind) {
    auto keys = kind == PruneKind::Volumes ? check_keys(f, {"label", "label!", "all"}) : check_keys(f, {"label", "label!", "until"});
    if (!keys) return std::unexpected(keys.error());
    PruneFilter out;
    out.labels = values(f, "label");
    out.not_labels = values(f, "label!");
    for (const auto& v : values(f, "all")) {
        auto b = bool_value("all", v);
        if (!b) return std::unexpected(b.error());
        out.all = out.all || *b;
    }
    const auto& until = values(f, "until");
    if (until.size() > 1) return fail("invalid filter 'until': more than one value");
    if (!until.empty()) {
        auto t = engine::parse_time_filter(until.front());
        if (!t || t->empty()) return fail("invalid filter 'until={}'", until.front());
        auto ns = parse_rfc3339_ns(*t);
        if (!ns) return fail("invalid filter 'until={}'", until.front());
        out.until_ns = *ns;
    }
    return out;
}

bool PruneFilter::matches(const Labels& l, const std::string& created) const {
    if (!labels_match(labels, l)) return false;
    // label!: left out when all of them hold (docker's MatchKVList on "label!").
    if (!not_labels.empty() && labels_match(not_labels, l)) return false;
    if (until_ns) {
        auto c = parse_rfc3339_ns(created);
        if (!c || *c >= *until_ns) return false;
    }
    return true;
}

bool prune_all_volumes(const PruneFilter& f, const std::string& api_version) {
    if (f.all) return true;
    auto v = parse_api_version(api_version);
    return v && *v < std::pair{1, 42};
}

}  // namespace brig::api
