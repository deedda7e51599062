#include "api/build_request.hpp"

#include <cstdlib>

#include <fmt/core.h>

#include "image/reference.hpp"

namespace brig::api {
namespace {

using nlohmann::json;

bool unset(const std::optional<std::string>& v) {
    return !v || v->empty() || *v == "0" || *v == "null" || *v == "[]" || *v == "{}";
}

// A JSON object of strings (buildargs, labels); a null value is kept as nullopt.
Result<std::vector<std::pair<std::string, std::optional<std::string>>>> string_map(const Request& req, const char* name) {
    std::vector<std::pair<std::string, std::optional<std::string>>> out;
    auto v = req.q(name);
    if (unset(v)) return out;
    auto j = json::parse(*v, nullptr, false);
    if (!j.is_object()) return fail("{}: expected a JSON object of strings, got {:?}", name, *v);
    for (auto& [k, val] : j.items()) {
        if (k.empty()) return fail("{}: an empty key", name);
        if (val.is_null()) out.emplace_back(k, std::nullopt);
        else if (val.is_string()) out.emplace_back(k, val.get<std::string>());
        else return fail("{}: the value of {:?} is not a string", name, k);
    }
    return out;
}

Result<int64_t> epoch(const std::string& v) {
    char* end = nullptr;
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 0) return fail("buildargs: SOURCE_DATE_EPOCH={:?}: expected unix seconds", v);
    return n;
}

}  // namespace

Result<BuildRequest> parse_build_request(const Request& req) {
    BuildRequest b;
    if (auto v = req.q("version"); v && !v->empty() && *v != "1")
        return fail("version: the BuildKit builder (version={}) is not supported; use the classic builder (DOCKER_BUILDKIT=0)", *v);
    if (auto v = req.q("remote"); v && !v->empty())
        return fail("remote: remote build contexts are not supported; send the context as the request body");
    for (const char* name : {"memory", "memswap", "cpushares", "cpusetcpus", "cpusetmems", "cpuperiod", "cpuquota",
                             "shmsize", "extrahosts", "outputs", "ulimits"})
        if (auto v = req.q(name); !unset(v)) return fail("{}: not supported by brig's builder (given {:?})", name, *v);
    if (req.q_bool("squash")) return fail("squash: not supported by brig's builder");
    if (auto v = req.q("isolation"); v && !v->empty() && *v != "default")
        return fail("isolation: {:?} is not supported on Linux", *v);
    if (auto v = req.q("platform"); v && !v->empty()) return fail("platform: cross-platform builds are not supported (given {:?})", *v);
    if (!unset(req.q("cachefrom"))) b.warnings.push_back("cachefrom is not supported: the build uses brig's own layer cache");

    b.dockerfile = req.q("dockerfile").value_or("");
    for (auto [it, end] = req.query.equal_range("t"); it != end; ++it) {
        if (it->second.empty()) continue;
        auto ref = image::parse_reference(it->second);
        if (!ref) return fail("t: {:?}: {}", it->second, ref.error().message);
        if (ref->digest) return fail("t: {:?}: a tag cannot carry a digest", it->second);
        b.tags.push_back(ref->str());
        b.shown_tags.push_back(fmt::format("{}:{}", ref->familiar_repository(), ref->tag));
    }
    b.target = req.q("target").value_or("");
    b.quiet = req.q_bool("q");
    b.no_cache = req.q_bool("nocache");
    b.pull = req.q_bool("pull") ? "always" : "missing";

    auto args = string_map(req, "buildargs");
    if (!args) return std::unexpected(args.error());
    for (auto& [k, v] : *args) {
        if (!v) continue;  // docker: an ARG named without a value the client could not fill
        b.build_args.emplace_back(k, *v);
        if (k == "SOURCE_DATE_EPOCH") {
            auto n = epoch(*v);
            if (!n) return std::unexpected(n.error());
            b.source_date_epoch = *n;
        }
    }
    auto labels = string_map(req, "labels");
    if (!labels) return std::unexpected(labels.error());
    for (auto& [k, v] : *labels) b.labels[k] = v.value_or("");

    std::string net = req.q("networkmode").value_or("");
    if (net == "default") net.clear();
    if (!net.empty() && net != "none" && net != "host")
        return fail("networkmode: {:?} is not supported: builds run with host (the default) or none", net);
    b.network = net;
    b.cgroup_parent = req.q("cgroupparent").value_or("");
    if (!b.cgroup_parent.empty() && b.cgroup_parent[0] != '/')
        return fail("cgroupparent: {:?} must be an absolute cgroup path", b.cgroup_parent);
    return b;
}

}  // namespace brig::api
