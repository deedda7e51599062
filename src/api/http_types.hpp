// The HTTP request and response as the handlers see them, free of the HTTP library: the
// server (server.cpp) fills a Request and writes a Response. A Response either carries its
// whole body, or a `stream` function the server calls after sending the head: chunked
// (logs, wait), or on the raw connection after a 101 (attach's `Upgrade: tcp` hijack).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace brig::api {

struct Request {
    std::string method;  // GET, POST, HEAD, ...
    std::string target;  // as received: /v1.41/containers/json?all=1
    std::string path;    // decoded path without the version prefix (the router sets it)
    std::string api_version;  // "1.41" from the prefix, "" without one
    std::multimap<std::string, std::string> query;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    std::map<std::string, std::string> params;  // {id} and friends from the route

    std::string header(const std::string& lower_name) const;
    std::optional<std::string> q(const std::string& name) const;
    // docker's boolValue: absent -> dflt; "", "0", "no", "false", "none" -> false; else true.
    bool q_bool(const std::string& name, bool dflt = false) const;
    // An integer parameter; an unparsable value is an error naming it.
    Result<std::optional<long long>> q_int(const std::string& name) const;
    // The body as JSON: an empty body is {}, malformed JSON an error (answered 400).
    Result<nlohmann::json> json_body() const;
};

// The connection once the head is sent.
class Stream {
public:
    virtual ~Stream() = default;
    // Chunked: one chunk; raw: the bytes as they are. False once the client is gone.
    virtual bool write(std::string_view data) = 0;
    // The socket (hijacked: read the client's stdin from it, full duplex).
    virtual int fd() const = 0;
    // Bytes the client sent after the request that the server had already read.
    virtual std::string take_buffered() = 0;
    // The client closed or reset its end (checked without blocking); on a hijacked or raw
    // stream its half-close (stdin's EOF) is not gone.
    virtual bool peer_gone() const = 0;
};

enum class BodyMode {
    Full,     // body with Content-Length
    Chunked,  // Transfer-Encoding: chunked, `stream` writes the chunks
    Hijack,   // 101 UPGRADED (Upgrade: tcp), then `stream` owns the raw connection; closed after
    Raw,      // 200 without length (attach without Upgrade), raw bytes, closed after
};

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    BodyMode mode = BodyMode::Full;
    std::function<void(Stream&)> stream;

    static Response json(int status, const nlohmann::json& j);
    static Response json(int status, const nlohmann::ordered_json& j);
    static Response no_content(int status = 204);
};

// docker's error body: {"message": "..."}.
Response error_response(int status, std::string_view message);
std::string_view reason_phrase(int status);

// docker's stdcopy frame (attach and logs without a TTY): 1 byte stream (0 stdin, 1 stdout,
// 2 stderr), 3 zero bytes, the payload's size as a big-endian uint32, the payload.
std::string stdcopy_frame(int stream, std::string_view payload);
// The Content-Type of such a stream: raw with a TTY, else multiplexed (stdcopy frames).
std::string_view stream_content_type(bool tty);

// "%2F" and "+" (query only) decoding; a bad escape is an error.
Result<std::string> url_decode(std::string_view s, bool plus_is_space);
// "a=1&b=x%20y&c" -> {a:1, b:"x y", c:""}.
Result<std::multimap<std::string, std::string>> parse_query(std::string_view qs);

// docker's `filters` parameter: {"status":["running"],"label":["a=b"]} or the old form
// {"status":{"running":true}}. Empty text -> no filters.
using Filters = std::map<std::string, std::vector<std::string>>;
Result<Filters> parse_filters(std::string_view json_text);

}  // namespace brig::api
