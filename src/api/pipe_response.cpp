#include "api/pipe_response.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <future>
#include <memory>
#include <thread>

#include <fmt/core.h>

#include "api/errors.hpp"
#include "common/fd.hpp"

namespace brig::api {

namespace {

struct PipeJob {
    UniqueFd rd;
    std::thread writer;
    ~PipeJob() {
        rd.reset();  // a writer still writing gets EPIPE
        if (writer.joinable()) writer.join();
    }
};

}  // namespace

Result<Response> piped_response(std::string content_type, std::string what, PipeWriter write, ErrorResponse on_error) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return error_response(500, fmt::format("{}: pipe: {}", what, std::strerror(errno)));
    if (!on_error) on_error = [what](const Error& e) { return error_response(500, fmt::format("{}: {}", what, e.what())); };
    auto job = std::make_shared<PipeJob>();
    job->rd = UniqueFd(p[0]);
    std::promise<Result<Headers>> started;
    auto ready = started.get_future();
    job->writer = std::thread([w = UniqueFd(p[1]), started = std::move(started), write = std::move(write), what]() mutable {
        bool told = false;
        auto res = write(w.get(), PipeReady{[&](Headers h) {
                             started.set_value(std::move(h));
                             told = true;
                         }});
        if (!told) started.set_value(res ? Result<Headers>{} : std::unexpected(res.error()));
        else if (!res) fmt::print(stderr, "{}: {}\n", what, res.error().what());
    });
    auto headers = ready.get();
    if (!headers) return on_error(headers.error());
    Response r;
    r.headers = std::move(*headers);
    r.mode = BodyMode::Chunked;
    r.headers.emplace_back("Content-Type", std::move(content_type));
    r.stream = [job](Stream& st) {
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
