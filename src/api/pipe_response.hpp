// A response body that a writer produces on a thread of its own into a pipe (export, save,
// archive tars), sent on in chunks as it comes; a client that leaves closes the pipe, which
// ends the writer (EPIPE).
#pragma once

#include <functional>
#include <string>

#include "api/http_types.hpp"

namespace brig::api {

// `writer(fd, ready)` writes the body to fd and calls ready() once it is sure to start (a root
// mounted, an image found). The request waits for that: an error returned before ready() is
// the response (500, "WHAT: error"), not an empty 200. An error after it cuts the body short
// and is logged.
using PipeWriter = std::function<Result<void>(int fd, const std::function<void()>& ready)>;
Result<Response> piped_response(std::string content_type, std::string what, PipeWriter writer);

}  // namespace brig::api
