// A response body that a writer produces on a thread of its own into a pipe (export, save,
// archive tars), sent on in chunks as it comes; a client that leaves closes the pipe, which
// ends the writer (EPIPE).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "api/http_types.hpp"

namespace brig::api {

using Headers = std::vector<std::pair<std::string, std::string>>;

// What a writer calls once its body is sure to start (a root mounted, a path found), with any
// headers learnt on the way (docker cp's path stat).
struct PipeReady {
    std::function<void(Headers)> tell;
    void operator()(Headers h = {}) const { tell(std::move(h)); }
};

// `writer(fd, ready)` writes the body to fd and calls ready() once it is sure to start. The
// request waits for that: an error returned before ready() is the response (`on_error`'s, or
// 500 "WHAT: error"), not an empty 200. An error after it cuts the body short and is logged.
using PipeWriter = std::function<Result<void>(int fd, const PipeReady& ready)>;
using ErrorResponse = std::function<Response(const Error&)>;
Result<Response> piped_response(std::string content_type, std::string what, PipeWriter writer,
                                ErrorResponse on_error = {});

}  // namespace brig::api
