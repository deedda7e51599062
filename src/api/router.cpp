#include "api/router.hpp"

#include <fmt/core.h>

#include "api/errors.hpp"

namespace brig::api {

namespace {

std::vector<std::string> split_segments(std::string_view path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        out.emplace_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

bool match_segments(const std::vector<std::string>& pat, size_t pi, const std::vector<std::string>& segs, size_t si,
                    std::map<std::string, std::string>& params) {
    if (pi == pat.size()) return si == segs.size();
    const std::string& p = pat[pi];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (si == segs.size()) return false;
        bool greedy = p[p.size() - 2] == '*';
        std::string key = p.substr(1, p.size() - (greedy ? 3 : 2));
        if (!greedy) {
            params[key] = segs[si];
            if (match_segments(pat, pi + 1, segs, si + 1, params)) return true;
            params.erase(key);
            return false;
        }
        // The longest run that lets the rest match (so /images/a/b/json keeps "json" literal).
        for (size_t end = segs.size(); end > si; --end) {
            std::string joined;
            for (size_t k = si; k < end; ++k) joined += (k == si ? "" : "/") + segs[k];
            params[key] = joined;
            if (match_segments(pat, pi + 1, segs, end, params)) return true;
        }
        params.erase(key);
        return false;
    }
    if (si == segs.size() || segs[si] != p) return false;
    return match_segments(pat, pi + 1, segs, si + 1, params);
}

}  // namespace

std::optional<std::pair<int, int>> parse_api_version(std::string_view v) {
    size_t dot = v.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 >= v.size()) return std::nullopt;
    int major = 0, minor = 0;
    for (char c : v.substr(0, dot)) {
        if (c < '0' || c > '9') return std::nullopt;
        major = major * 10 + (c - '0');
    }
    for (char c : v.substr(dot + 1)) {
        if (c < '0' || c > '9') return std::nullopt;
        minor = minor * 10 + (c - '0');
    }
    return std::pair{major, minor};
}

Result<VersionedPath> split_version(std::string_view path) {
    VersionedPath out;
    if (path.size() > 2 && path.starts_with("/v") && path[2] >= '0' && path[2] <= '9') {
        size_t slash = path.find('/', 1);
        std::string_view v = path.substr(2, slash == std::string_view::npos ? std::string_view::npos : slash - 2);
        auto parsed = parse_api_version(v);
        if (!parsed) return fail("invalid API version {:?}", v);
        auto max = *parse_api_version(kApiVersion), min = *parse_api_version(kMinApiVersion);
        if (*parsed > max)
            return fail("client version {} is too new. Maximum supported API version is {}", v, kApiVersion);
        if (*parsed < min)
            return fail("client version {} is too old. Minimum supported API version is {}, please upgrade your client to a newer version",
                        v, kMinApiVersion);
        out.version = std::string(v);
        out.path = slash == std::string_view::npos ? "/" : std::string(path.substr(slash));
    } else {
        out.path = std::string(path);
    }
    return out;
}

void Router::add(std::string method, std::string_view pattern, Handler h) {
    routes_.push_back({std::move(method), std::string(pattern), split_segments(pattern), std::move(h)});
}

void Router::unimplemented(std::string method, std::string_view pattern) {
    routes_.push_back({std::move(method), std::string(pattern), split_segments(pattern), std::nullopt});
}

std::optional<Router::Match> Router::match(std::string_view method, std::string_view path, bool* method_mismatch) const {
    auto segs = split_segments(path);
    if (method_mismatch) *method_mismatch = false;
    for (const auto& r : routes_) {
        std::map<std::string, std::string> params;
        if (!match_segments(r.segments, 0, segs, 0, params)) continue;
        if (r.method != method) {
            if (method_mismatch) *method_mismatch = true;
            continue;
        }
        Match m;
        m.handler = r.handler ? &*r.handler : nullptr;
        m.pattern = r.pattern;
        m.params = std::move(params);
        return m;
    }
    return std::nullopt;
}

Response Router::dispatch(Request& req) const {
    std::string raw = req.target.substr(0, req.target.find('?'));
    auto decoded = url_decode(raw, false);
    if (!decoded) return error_response(400, decoded.error().message);
    auto vp = split_version(*decoded);
    if (!vp) return error_response(400, vp.error().message);
    req.api_version = vp->version;
    req.path = vp->path;
    bool mismatch = false;
    auto m = match(req.method, req.path, &mismatch);
    if (!m) {
        if (mismatch) return error_response(405, fmt::format("method {} not allowed for {}", req.method, req.path));
        return error_response(404, fmt::format("page not found: {} {}", req.method, req.path));
    }
    if (m->handler == nullptr)
        return error_response(501, fmt::format("not implemented in brig yet: {} {}", req.method, m->pattern));
    req.params = std::move(m->params);
    try {
        auto r = (*m->handler)(req);
        if (!r) return error_from(r.error());
        return std::move(*r);
    } catch (const std::exception& e) {
        return error_response(500, fmt::format("internal error: {}", e.what()));
    }
}

}  // namespace brig::api
