#include "image/registry/client.hpp"

#include "image/manifest.hpp"
#include "image/registry/endpoint.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace brig::registry {

namespace {

constexpr size_t kMaxManifestSize = 4u << 20;  // the distribution spec's limit for manifests
constexpr size_t kMaxTokenResponse = 1u << 20;

std::string scope_key(std::vector<std::string> scopes) {
    std::sort(scopes.begin(), scopes.end());
    std::string key;
    for (const auto& s : scopes) key += s + " ";
    return key;
}

std::string strip_params(std::string_view content_type) {
    std::string_view ct = content_type;
    if (size_t semi = ct.find(';'); semi != std::string_view::npos) ct = ct.substr(0, semi);
    while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
    return std::string(ct);
}

bool is_2xx(long status) { return status >= 200 && status < 300; }

}  // namespace

std::string pull_scope(const std::string& repo) { return "repository:" + repo + ":pull"; }
std::string push_scope(const std::string& repo) { return "repository:" + repo + ":pull,push"; }

std::string manifest_accept_header() {
    return fmt::format("Accept: {}, {}, {}, {}", image::media::kOciManifest, image::media::kOciIndex,
                       image::media::kDockerManifest, image::media::kDockerList);
}

std::string describe_error(const HttpResponse& resp) {
    auto j = nlohmann::json::parse(resp.body, nullptr, false);
    std::string out;
    if (!j.is_discarded() && j.is_object()) {
        auto errors = j.find("errors");
        if (errors != j.end() && errors->is_array()) {
            for (const auto& e : *errors) {
                if (!e.is_object()) continue;
                std::string code = e.value("code", "");
                std::string message = e.value("message", "");
                if (!out.empty()) out += "; ";
                out += code.empty() ? message : (message.empty() ? code : code + ": " + message);
            }
        }
        // Token servers answer {"details": "..."} or {"error": "..."}.
        if (out.empty() && j.contains("details") && j["details"].is_string()) out = j["details"];
        if (out.empty() && j.contains("error") && j["error"].is_string()) out = j["error"];
    }
    if (out.empty()) {
        out = fmt::format("HTTP status {}", resp.status);
    } else {
        out += fmt::format(" (HTTP status {})", resp.status);
    }
    return out;
}

RegistryClient::RegistryClient(std::string registry, ClientOptions opts)
    : registry_(std::move(registry)), opts_(std::move(opts)) {
    api_host_ = registry_ == "docker.io" ? std::string("registry-1.docker.io") : registry_;
    if (opts_.credentials) {
        creds_loaded_ = true;
        creds_ = opts_.credentials;
    }
}

std::string RegistryClient::absolute(const std::string& location) const {
    if (location.starts_with("http://") || location.starts_with("https://")) return location;
    if (location.starts_with("/")) return base_url_ + location;
    return base_url_ + "/" + location;
}

Result<std::optional<Credentials>> RegistryClient::credentials_for(const std::string& repo) {
    std::lock_guard lock(mu_);
    if (creds_loaded_) return creds_;
    auto c = find_credentials(registry_, repo, opts_.auth_file);
    if (!c) return std::unexpected(std::move(c.error()));
    creds_ = *c;
    creds_loaded_ = true;
    return creds_;
}

Result<void> RegistryClient::ensure_base_url() {
    {
        std::lock_guard lock(mu_);
        if (!base_url_.empty()) return {};
    }
    auto probe = [&](const std::string& base) -> Result<HttpResponse> {
        HttpRequest req;
        req.url = base + "/v2/";
        req.verify_tls = opts_.tls_verify;
        req.max_body = 64u << 10;
        return http_request(req);
    };
    std::string base = "https://" + api_host_;
    auto resp = probe(base);
    if (!resp && (!opts_.tls_verify || is_local_registry(registry_))) {
        // Not TLS (or not reachable over it): a local or explicitly insecure registry may be plain http.
        std::string http_base = "http://" + api_host_;
        auto plain = probe(http_base);
        // Only a registry's answer counts (a TLS port answers plain http with 400 "use HTTPS").
        bool registry_answer = plain && (plain->status == 200 || plain->status == 401 ||
                                         !plain->header("docker-distribution-api-version").empty());
        if (registry_answer) {
            base = http_base;
            resp = std::move(plain);
        } else if (!plain) {
            return fail("registry {}: {}; over plain http: {}", registry_, resp.error().what(), plain.error().what());
        } else if (opts_.tls_verify) {
            return fail("registry {}: {} (a self-signed certificate? --tls-verify=false)", registry_,
                        resp.error().what());
        }
    }
    if (!resp) return wrap(std::move(resp), fmt::format("registry {}", registry_));
    if (resp->status == 404) {
        return fail("registry {}: {} does not serve the registry v2 API (HTTP 404)", registry_, base + "/v2/");
    }
    std::lock_guard lock(mu_);
    base_url_ = base;
    if (resp->status == 401) {
        for (const auto& h : resp->all("www-authenticate")) {
            auto ch = parse_www_authenticate(h);
            if (!ch) continue;
            for (auto& c : *ch) {
                if (c.scheme == "bearer" || (c.scheme == "basic" && !challenge_)) challenge_ = c;
            }
        }
    }
    return {};
}

Result<std::string> RegistryClient::fetch_token(const AuthChallenge& bearer, const std::vector<std::string>& scopes) {
    auto url = token_url(bearer, scopes);
    if (!url) return wrap(std::move(url), fmt::format("registry {}", registry_));
    std::string repo;
    for (const auto& s : scopes) {
        // "repository:NAME:ACTIONS" -> NAME, for repository-scoped credentials.
        if (s.starts_with("repository:")) {
            repo = s.substr(11, s.rfind(':') - 11);
            break;
        }
    }
    auto creds = credentials_for(repo);
    if (!creds) return std::unexpected(std::move(creds.error()));
    HttpRequest req;
    req.url = *url;
    req.verify_tls = opts_.tls_verify;
    req.max_body = kMaxTokenResponse;
    if (*creds && !(*creds)->username.empty()) {
        req.headers.push_back("Authorization: Basic " + base64_encode((*creds)->username + ":" + (*creds)->password));
    }
    auto resp = http_request(req);
    if (!resp) return wrap(std::move(resp), fmt::format("get a token for registry {}", registry_));
    if (resp->status == 401 || resp->status == 403) {
        return fail("registry {}: token server {} refused {}: {}", registry_, bearer.param("realm"),
                    *creds ? "the credentials" : "anonymous access (try brig login " + registry_ + ")",
                    describe_error(*resp));
    }
    if (!is_2xx(resp->status)) {
        return fail("registry {}: token server {}: {}", registry_, bearer.param("realm"), describe_error(*resp));
    }
    auto j = nlohmann::json::parse(resp->body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return fail("registry {}: token server {} answered with something not JSON", registry_, bearer.param("realm"));
    }
    for (const char* key : {"token", "access_token"}) {
        if (auto it = j.find(key); it != j.end() && it->is_string() && !it->get<std::string>().empty()) {
            return it->get<std::string>();
        }
    }
    return fail("registry {}: token server {} answered without a token", registry_, bearer.param("realm"));
}

Result<void> RegistryClient::answer_challenge(const HttpResponse& resp, const std::vector<std::string>& scopes) {
    std::optional<AuthChallenge> chosen;
    for (const auto& h : resp.all("www-authenticate")) {
        auto ch = parse_www_authenticate(h);
        if (!ch) return wrap(std::move(ch), fmt::format("registry {}", registry_));
        for (auto& c : *ch) {
            if (c.scheme == "bearer" || (c.scheme == "basic" && !chosen)) chosen = c;
        }
    }
    if (!chosen) {
        return fail("registry {}: unauthorized without a usable WWW-Authenticate challenge: {}", registry_,
                    describe_error(resp));
    }
    {
        std::lock_guard lock(mu_);
        challenge_ = chosen;
    }
    if (chosen->scheme == "bearer") {
        auto tok = fetch_token(*chosen, scopes);
        if (!tok) return std::unexpected(std::move(tok.error()));
        std::lock_guard lock(mu_);
        tokens_[scope_key(scopes)] = std::move(*tok);
        return {};
    }
    // Basic: the credentials are sent with the retry.
    std::string repo;
    auto creds = credentials_for(repo);
    if (!creds) return std::unexpected(std::move(creds.error()));
    if (!*creds) {
        return fail("registry {}: authentication required (brig login {})", registry_, registry_);
    }
    return {};
}

std::vector<std::string> RegistryClient::auth_headers(const std::vector<std::string>& scopes) {
    std::lock_guard lock(mu_);
    if (!challenge_) return {};
    if (challenge_->scheme == "bearer") {
        auto it = tokens_.find(scope_key(scopes));
        if (it != tokens_.end()) return {"Authorization: Bearer " + it->second};
        return {};
    }
    if (challenge_->scheme == "basic" && creds_ && !creds_->username.empty()) {
        return {"Authorization: Basic " + base64_encode(creds_->username + ":" + creds_->password)};
    }
    return {};
}

Result<HttpResponse> RegistryClient::send(HttpRequest req, const std::vector<std::string>& scopes) {
    if (auto b = ensure_base_url(); !b) return std::unexpected(std::move(b.error()));
    // Known challenge: get the token (or load the basic credentials) before the first try, so a
    // request is normally sent once.
    std::optional<AuthChallenge> known;
    bool have_token = false;
    {
        std::lock_guard lock(mu_);
        known = challenge_;
        have_token = tokens_.contains(scope_key(scopes));
    }
    if (known && known->scheme == "bearer" && !have_token) {
        auto tok = fetch_token(*known, scopes);
        if (!tok) return std::unexpected(std::move(tok.error()));
        std::lock_guard lock(mu_);
        tokens_[scope_key(scopes)] = std::move(*tok);
    } else if (known && known->scheme == "basic") {
        if (auto c = credentials_for({}); !c) return std::unexpected(std::move(c.error()));
    }
    req.verify_tls = opts_.tls_verify;
    for (int attempt = 0;; ++attempt) {
        HttpRequest r = req;
        for (auto& h : auth_headers(scopes)) r.headers.push_back(std::move(h));
        auto resp = http_request(r);
        if (!resp) return resp;
        if (resp->status != 401) return resp;
        if (attempt > 0 || req.upload != nullptr) {
            return fail("{} {}: unauthorized: {}", req.method, req.url, describe_error(*resp));
        }
        if (auto a = answer_challenge(*resp, scopes); !a) return std::unexpected(std::move(a.error()));
    }
}

Result<void> RegistryClient::ping() {
    HttpRequest req;
    if (auto b = ensure_base_url(); !b) return b;
    req.url = url("/v2/");
    req.max_body = 64u << 10;
    auto resp = send(req, {});
    if (!resp) return std::unexpected(std::move(resp.error()));
    if (!is_2xx(resp->status)) return fail("registry {}: {}", registry_, describe_error(*resp));
    return {};
}

Result<FetchedManifest> RegistryClient::get_manifest(const std::string& repo, const std::string& ref) {
    if (auto b = ensure_base_url(); !b) return std::unexpected(std::move(b.error()));
    HttpRequest req;
    req.url = url("/v2/" + repo + "/manifests/" + ref);
    req.headers.push_back(manifest_accept_header());
    req.max_body = kMaxManifestSize;
    auto resp = send(req, {pull_scope(repo)});
    std::string what = fmt::format("manifest {}/{}:{}", registry_, repo, ref);
    if (!resp) return wrap(std::move(resp), fmt::format("get {}", what));
    if (resp->status == 404) return fail("{} not found: {}", what, describe_error(*resp));
    if (!is_2xx(resp->status)) return fail("get {}: {}", what, describe_error(*resp));

    FetchedManifest m;
    m.body = std::move(resp->body);
    m.digest = image::sha256_of(m.body);
    if (ref.find(':') != std::string::npos) {
        auto want = image::Digest::parse(ref);
        if (!want) return wrap(std::move(want), what);
        if (want->algorithm == "sha256" && *want != m.digest) {
            return fail("{}: digest mismatch: the registry sent content with digest {}", what, m.digest.str());
        }
    }
    if (auto dcd = resp->header("docker-content-digest"); dcd.starts_with("sha256:") && dcd != m.digest.str()) {
        return fail("{}: digest mismatch: Docker-Content-Digest says {}, the content is {}", what, dcd, m.digest.str());
    }
    std::string ct = strip_params(resp->header("content-type"));
    if (image::is_manifest_type(ct) || image::is_index_type(ct)) {
        m.media_type = ct;
    } else {
        auto mt = image::document_media_type(m.body);
        if (!mt) return wrap(std::move(mt), what);
        m.media_type = *mt;
    }
    return m;
}

Result<std::string> RegistryClient::get_blob(const std::string& repo, const image::Digest& digest, size_t limit) {
    if (auto b = ensure_base_url(); !b) return std::unexpected(std::move(b.error()));
    HttpRequest req;
    req.url = url("/v2/" + repo + "/blobs/" + digest.str());
    req.max_body = limit;
    auto resp = send(req, {pull_scope(repo)});
    std::string what = fmt::format("blob {} of {}/{}", digest.str(), registry_, repo);
    if (!resp) return wrap(std::move(resp), fmt::format("get {}", what));
    if (!is_2xx(resp->status)) return fail("get {}: {}", what, describe_error(*resp));
    auto got = image::sha256_of(resp->body);
    if (got != digest) return fail("{}: digest mismatch: the registry sent content with digest {}", what, got.str());
    return std::move(resp->body);
}

Result<std::unique_ptr<image::ByteSource>> RegistryClient::open_blob(const std::string& repo,
                                                                     const image::Digest& digest, uint64_t offset,
                                                                     const std::atomic<bool>* cancel) {
    if (auto b = ensure_base_url(); !b) return std::unexpected(std::move(b.error()));
    std::vector<std::string> scopes{pull_scope(repo)};
    std::string what = fmt::format("blob {} of {}/{}", digest.str(), registry_, repo);
    for (int attempt = 0;; ++attempt) {
        // Make sure a token for the scope is held (send() fetches it when the challenge is known).
        std::optional<AuthChallenge> known;
        bool have_token = false;
        {
            std::lock_guard lock(mu_);
            known = challenge_;
            have_token = tokens_.contains(scope_key(scopes));
        }
        if (known && known->scheme == "bearer" && !have_token) {
            auto tok = fetch_token(*known, scopes);
            if (!tok) return wrap(std::move(tok), fmt::format("get {}", what));
            std::lock_guard lock(mu_);
            tokens_[scope_key(scopes)] = std::move(*tok);
        } else if (known && known->scheme == "basic") {
            if (auto c = credentials_for(repo); !c) return std::unexpected(std::move(c.error()));
        }
        HttpRequest req;
        req.url = url("/v2/" + repo + "/blobs/" + digest.str());
        req.verify_tls = opts_.tls_verify;
        req.headers = auth_headers(scopes);
        auto src = HttpBodySource::open(req, offset, cancel);
        if (!src) return wrap(std::move(src), fmt::format("get {}", what));
        long status = (*src)->status();
        if (is_2xx(status)) return std::unique_ptr<image::ByteSource>(std::move(*src));
        if (status == 401 && attempt == 0) {
            if (auto a = answer_challenge((*src)->error_response(), scopes); !a) {
                return wrap(std::move(a), fmt::format("get {}", what));
            }
            continue;
        }
        if (status == 416) return fail("get {}: the registry refused the range from byte {}", what, offset);
        return fail("get {}: {}", what, describe_error((*src)->error_response()));
    }
}

Result<bool> RegistryClient::blob_exists(const std::string& repo, const image::Digest& digest) {
    if (auto b = ensure_base_url(); !b) return std::unexpected(std::move(b.error()));
    HttpRequest req;
    req.method = "HEAD";
    req.url = url("/v2/" + repo + "/blobs/" + digest.str());
    auto resp = send(req, {push_scope(repo)});
    if (!resp) return wrap(std::move(resp), fmt::format("check blob {} in {}/{}", digest.str(), registry_, repo));
    if (resp->status == 404) return false;
    if (is_2xx(resp->status)) return true;
    return fail("check blob {} in {}/{}: HTTP status {}", digest.str(), registry_, repo, resp->status);
}

Result<bool> RegistryClient::upload_blob(const std::string& repo, const image::Digest& digest, int64_t size,
                                         image::ByteSource& data, const std::vector<std::string>& mount_from) {
    if (auto b = ensure_base_url(); !b) return std::unexpected(std::move(b.error()));
    std::string what = fmt::format("upload blob {} to {}/{}", digest.str(), registry_, repo);
    std::string location;
    for (const auto& from : mount_from) {
        if (from == repo) continue;
        HttpRequest req;
        req.method = "POST";
        req.url = url(fmt::format("/v2/{}/blobs/uploads/?mount={}&from={}", repo, url_encode(digest.str()),
                                  url_encode(from)));
        auto resp = send(req, {push_scope(repo), pull_scope(from)});
        if (!resp) return wrap(std::move(resp), what);
        if (resp->status == 201) return true;
        if (resp->status == 202) {
            location = resp->header("location");  // not mounted: an upload session instead
            break;
        }
    }
    if (location.empty()) {
        HttpRequest req;
        req.method = "POST";
        req.url = url("/v2/" + repo + "/blobs/uploads/");
        auto resp = send(req, {push_scope(repo)});
        if (!resp) return wrap(std::move(resp), what);
        if (resp->status != 202) return fail("{}: start: {}", what, describe_error(*resp));
        location = resp->header("location");
        if (location.empty()) return fail("{}: the registry started an upload without a Location", what);
    }
    const bool chunked = opts_.upload_chunk_size > 0 && size > opts_.upload_chunk_size;
    if (chunked) {
        auto loc = upload_chunks(repo, location, size, data, what);
        if (!loc) return std::unexpected(std::move(loc.error()));
        location = std::move(*loc);
    }
    HttpRequest put;
    put.method = "PUT";
    std::string loc;
    {
        std::lock_guard lock(mu_);
        loc = absolute(location);
    }
    put.url = loc + (loc.find('?') == std::string::npos ? "?" : "&") + "digest=" + url_encode(digest.str());
    put.headers.push_back("Content-Type: application/octet-stream");
    if (!chunked) {
        put.upload = &data;
        put.upload_size = size;
    }
    auto resp = send(put, {push_scope(repo)});
    if (!resp) return wrap(std::move(resp), what);
    if (resp->status != 201) return fail("{}: {}", what, describe_error(*resp));
    return false;
}

Result<std::string> RegistryClient::upload_chunks(const std::string& repo, std::string location, int64_t size,
                                                  image::ByteSource& data, const std::string& what) {
    int64_t sent = 0;
    while (sent < size) {
        int64_t len = std::min<int64_t>(opts_.upload_chunk_size, size - sent);
        image::LimitedSource chunk(data, static_cast<uint64_t>(len));
        HttpRequest patch;
        patch.method = "PATCH";
        {
            std::lock_guard lock(mu_);
            patch.url = absolute(location);
        }
        patch.headers.push_back("Content-Type: application/octet-stream");
        // The distribution spec's form: first-last byte, inclusive, no unit.
        patch.headers.push_back(fmt::format("Content-Range: {}-{}", sent, sent + len - 1));
        patch.upload = &chunk;
        patch.upload_size = len;
        auto resp = send(patch, {push_scope(repo)});
        if (!resp) return wrap(std::move(resp), fmt::format("{}: chunk at byte {}", what, sent));
        if (resp->status != 202) return fail("{}: chunk at byte {}: {}", what, sent, describe_error(*resp));
        if (chunk.left() != 0) return fail("{}: the blob ended {} bytes early", what, chunk.left());
        // The registry says how much it holds ("0-<last>"); anything else is a lost chunk.
        if (auto range = resp->header("range"); !range.empty()) {
            std::string want = fmt::format("0-{}", sent + len - 1);
            std::string got = range.starts_with("bytes=") ? range.substr(6) : range;
            if (got != want) return fail("{}: the registry holds bytes {} after sending {}", what, range, want);
        }
        if (auto next = resp->header("location"); !next.empty()) location = std::move(next);
        sent += len;
    }
    return location;
}

Result<image::Digest> RegistryClient::put_manifest(const std::string& repo, const std::string& ref,
                                                   const std::string& media_type, const std::string& body) {
    if (auto b = ensure_base_url(); !b) return std::unexpected(std::move(b.error()));
    HttpRequest req;
    req.method = "PUT";
    req.url = url("/v2/" + repo + "/manifests/" + ref);
    req.headers.push_back("Content-Type: " + media_type);
    req.body = body;
    std::string what = fmt::format("put manifest {}/{}:{}", registry_, repo, ref);
    auto resp = send(req, {push_scope(repo)});
    if (!resp) return wrap(std::move(resp), what);
    if (resp->status != 201 && !is_2xx(resp->status)) return fail("{}: {}", what, describe_error(*resp));
    auto ours = image::sha256_of(body);
    if (auto dcd = resp->header("docker-content-digest"); dcd.starts_with("sha256:") && dcd != ours.str()) {
        return fail("{}: the registry reports digest {}, the manifest sent is {}", what, dcd, ours.str());
    }
    return ours;
}

}  // namespace brig::registry
