#include "api/pipe_stream.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace brig::api {

PipeJob::~PipeJob() {
    rd.reset();
    if (writer.joinable()) writer.join();
}

Result<std::pair<std::shared_ptr<PipeJob>, UniqueFd>> make_pipe_job() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return sys_fail("pipe");
    auto job = std::make_shared<PipeJob>();
    job->rd = UniqueFd(p[0]);
    return std::pair{std::move(job), UniqueFd(p[1])};
}

Response pipe_response(std::shared_ptr<PipeJob> job, Response r, const char* content_type) {
    r.mode = BodyMode::Chunked;
    r.headers.emplace_back("Content-Type", content_type);
    r.stream = [job = std::move(job)](Stream& st) {
        char buf[65536];
        while (true) {
            ssize_t n = ::read(job->rd.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 || !st.write(std::string_view(buf, static_cast<size_t>(n)))) break;
        }
    };
    return r;
}

}  // namespace brig::api
