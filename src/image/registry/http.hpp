// A small HTTP layer over libcurl for the registry client: whole requests with an in-memory
// response (manifests, tokens, upload sessions) and a streaming GET that is a pull-style
// ByteSource (blobs: the store reads it as it hashes, inflates and unpacks).
#pragma once

#include "common/error.hpp"
#include "image/source.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brig::registry {

struct HttpRequest {
    std::string method = "GET";  // GET, HEAD, POST, PUT, PATCH, DELETE
    std::string url;
    std::vector<std::string> headers;      // "Name: value"
    std::string body;                      // request body when `upload` is null (POST/PUT/PATCH)
    image::ByteSource* upload = nullptr;   // a streamed request body (blob uploads)
    int64_t upload_size = -1;              // its length (Content-Length), -1 unknown
    bool verify_tls = true;
    size_t max_body = 8u << 20;            // a longer in-memory response fails (hostile servers)
};

struct HttpResponse {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // of the final response; names lower-case
    std::string body;
    std::string url;  // the effective URL (after redirects)

    // The first header of that name (case-insensitive), or "".
    std::string header(std::string_view name) const;
    std::vector<std::string> all(std::string_view name) const;
};

// Performs a request. An HTTP error status is not an error here: only transport failures
// (connect, TLS, a broken connection) are, which is how callers tell the two apart.
Result<HttpResponse> http_request(const HttpRequest& req);

// A streaming GET from `offset` (a Range request when > 0). open() returns once the final
// response's headers are in; status() tells whether the body is the content (2xx) or an error,
// whose body is then already read into error_response(). read() fails on a broken connection;
// the caller (the store's resumable ingest) opens a new stream at the offset reached.
class HttpBodySource : public image::ByteSource {
public:
    static Result<std::unique_ptr<HttpBodySource>> open(const HttpRequest& req, uint64_t offset,
                                                        const std::atomic<bool>* cancel = nullptr);
    ~HttpBodySource() override;
    HttpBodySource(const HttpBodySource&) = delete;
    HttpBodySource& operator=(const HttpBodySource&) = delete;

    long status() const { return response_.status; }
    const HttpResponse& error_response() const { return response_; }
    const HttpResponse& response() const { return response_; }
    Result<size_t> read(std::span<std::byte> buf) override;

    struct State;  // libcurl callbacks reach it

private:
    HttpBodySource() = default;
    Result<void> pump();  // runs the transfer until data is buffered or it ends

    std::unique_ptr<State> state_;
    HttpResponse response_;
    std::string url_;
};

}  // namespace brig::registry
