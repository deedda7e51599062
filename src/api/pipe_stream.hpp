// A response body written by a second thread into a pipe while the response sends it on in
// chunks (export and archive's tars): a client that leaves closes the pipe, which ends the
// writer (EPIPE); the job joins the writer when the last holder lets go.
#pragma once

#include <memory>
#include <thread>
#include <utility>

#include "api/http_types.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"

namespace brig::api {

struct PipeJob {
    UniqueFd rd;
    std::thread writer;  // started by the caller with the write end
    ~PipeJob();
};

// A job holding the read end, and the write end for its writer.
Result<std::pair<std::shared_ptr<PipeJob>, UniqueFd>> make_pipe_job();

// `r` (status and headers set) made a chunked response of the pipe's bytes, as `content_type`.
Response pipe_response(std::shared_ptr<PipeJob> job, Response r, const char* content_type);

}  // namespace brig::api
