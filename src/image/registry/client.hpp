// RegistryClient: the registry v2 API (distribution spec) for one registry, with its auth.
//
// Auth follows the registry's answers, as docker does: a request goes out anonymously (or with a
// token already held for its scopes); a 401 carries WWW-Authenticate challenges; Bearer ->
// fetch a token at realm?service=..&scope=.. (with basic credentials when known) and retry;
// Basic -> retry with the credentials. Tokens are cached per scope set. Thread-safe: parallel
// layer downloads share one client.
//
// Transport: https, verified. For local registries (localhost, 127/8, ::1) and with
// tls_verify=false, a registry that does not speak TLS is reached over plain http instead.
#pragma once

#include "common/error.hpp"
#include "image/digest.hpp"
#include "image/registry/auth_file.hpp"
#include "image/registry/challenge.hpp"
#include "image/registry/http.hpp"
#include "image/source.hpp"

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace brig::registry {

struct ClientOptions {
    bool tls_verify = true;                  // false: accept any certificate, and plain http
    std::filesystem::path auth_file;         // empty: the usual search path
    std::optional<Credentials> credentials;  // given on the command line: no file lookup
    // Blobs larger than this are pushed in chunks of this size (POST, PATCH with Content-Range
    // per chunk, PUT ?digest=); smaller ones in one PUT. 0: always in one PUT.
    int64_t upload_chunk_size = 16 << 20;
};

// What a manifest GET returned: the exact bytes (their digest is the manifest's identity).
struct FetchedManifest {
    std::string media_type;
    std::string body;
    image::Digest digest;
};

// The Accept header for manifests: OCI and Docker schema 2, manifests and indexes/lists.
std::string manifest_accept_header();

// "MANIFEST_UNKNOWN: manifest unknown" from a registry error document, or the HTTP status.
std::string describe_error(const HttpResponse& resp);

class RegistryClient {
public:
    // `registry` as in a reference ("docker.io", "localhost:5000").
    RegistryClient(std::string registry, ClientOptions opts);

    const std::string& registry() const { return registry_; }

    // GET /v2/ with auth: checks the registry answers and accepts the credentials (login).
    Result<void> ping();

    // A manifest or index by tag or digest; verified against the digest when asked by digest
    // (and against Docker-Content-Digest when the registry sends one).
    Result<FetchedManifest> get_manifest(const std::string& repo, const std::string& tag_or_digest);

    // A whole (small) blob in memory, verified (configs).
    Result<std::string> get_blob(const std::string& repo, const image::Digest& digest, size_t limit);
    // A blob as a stream from `offset` (Range): the store's resumable ingest opener.
    Result<std::unique_ptr<image::ByteSource>> open_blob(const std::string& repo, const image::Digest& digest,
                                                         uint64_t offset, const std::atomic<bool>* cancel = nullptr);

    // HEAD: is the blob in the repository already?
    Result<bool> blob_exists(const std::string& repo, const image::Digest& digest);
    // Uploads a blob unless a cross-repository mount from `mount_from` (same registry) works.
    // Returns true when it was mounted (nothing sent).
    Result<bool> upload_blob(const std::string& repo, const image::Digest& digest, int64_t size,
                             image::ByteSource& data, const std::vector<std::string>& mount_from = {});
    // PUT a manifest under a tag or its digest; returns the digest the registry reports.
    Result<image::Digest> put_manifest(const std::string& repo, const std::string& tag_or_digest,
                                       const std::string& media_type, const std::string& body);

private:
    // Sends with auth for `scopes`, retrying once after answering a challenge. Requests with a
    // streamed body must be preceded by one that authenticated the same scopes.
    Result<HttpResponse> send(HttpRequest req, const std::vector<std::string>& scopes);
    Result<void> ensure_base_url();
    Result<void> answer_challenge(const HttpResponse& resp, const std::vector<std::string>& scopes);
    Result<std::string> fetch_token(const AuthChallenge& bearer, const std::vector<std::string>& scopes);
    Result<std::optional<Credentials>> credentials_for(const std::string& repo);
    std::vector<std::string> auth_headers(const std::vector<std::string>& scopes);
    std::string url(const std::string& path) const { return base_url_ + path; }
    std::string absolute(const std::string& location) const;
    // PATCHes `size` bytes of `data` to the upload session at `location` in chunks; returns the
    // session's location for the final PUT.
    Result<std::string> upload_chunks(const std::string& repo, std::string location, int64_t size,
                                      image::ByteSource& data, const std::string& what);

    std::string registry_;
    std::string api_host_;
    ClientOptions opts_;

    std::mutex mu_;  // guards everything below
    std::string base_url_;  // "https://host[:port]" once known
    std::optional<AuthChallenge> challenge_;  // the registry's bearer or basic challenge, once seen
    std::map<std::string, std::string> tokens_;  // scope set -> bearer token
    bool creds_loaded_ = false;
    std::optional<Credentials> creds_;
};

std::string pull_scope(const std::string& repo);
std::string push_scope(const std::string& repo);

}  // namespace brig::registry
