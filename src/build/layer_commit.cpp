#include "build/layer_commit.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "common/fd.hpp"
#include "image/compress.hpp"
#include "image/manifest.hpp"

namespace brig::build {

Result<image::LayerRecord> commit_layer(const image::Store& store, const std::string& upper, const LayerTarOptions& opts) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return sys_fail("pipe");
    UniqueFd rd(p[0]);
    UniqueFd wr(p[1]);
    Result<LayerTarStats> written = fail("layer tar: not written");
    std::thread writer([&] {
        // A reader that gave up closes its end: the write fails with EPIPE instead of a signal.
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &s, nullptr);
        written = write_layer_tar(upper, wr.get(), opts);
        wr.reset();
    });
    image::FdSource tar(rd.get());
    auto gz = image::make_gzip_compressor(tar);
    image::LayerIngest in{std::string(image::media::kOciLayerGzip), std::nullopt, -1, std::nullopt};
    auto r = store.ingest_layer(in, *gz);
    rd.reset();  // unblocks the writer if the ingest stopped early
    writer.join();
    if (!written) return std::unexpected(std::move(written.error()).context("layer from " + upper));
    if (!r) return std::unexpected(std::move(r.error()).context("store layer from " + upper));
    return image::LayerRecord{r->digest, r->diff_id, r->size, std::string(image::media::kOciLayerGzip)};
}

}  // namespace brig::build
