// The build context: a directory on the host (`brig build DIR`), or a tar stream on stdin
// (`brig build - < ctx.tar[.gz|.zst]`) unpacked into a scratch directory; its .dockerignore
// rules; and where the Dockerfile is.
//
// The Dockerfile is read by the builder from where it is, whatever .dockerignore says (docker
// sends it even when it is listed; COPY then treats it as absent). `-f -` (the Dockerfile on
// stdin, the context a directory) is the caller's: it reads stdin itself and never asks
// find_dockerfile; with a tar context on stdin the Dockerfile is inside the tar.
#pragma once

#include <string>

#include "build/context/ignore.hpp"
#include "build/context/sources.hpp"
#include "common/error.hpp"
#include "image/source.hpp"

namespace brig::build::context {

struct Context {
    std::string root;         // absolute, symlink-free directory
    Ignore ignore;            // the rules of ignore_file (none when empty)
    std::string ignore_file;  // the ignore file used, "" when there is none
    std::string tmp;          // set when we extracted a tar: removed by the destructor or cleanup()
    bool from_archive = false;  // the tar case: -f names a path inside the context

    Context() = default;
    Context(Context&& o) noexcept;
    Context& operator=(Context&& o) noexcept;
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    ~Context() { cleanup(); }
    // Removes the extracted tree (tar contexts); a no-op otherwise and the second time.
    void cleanup();

    // The root as a COPY source (its rules applied); the Context must outlive it.
    Result<SourceRoot> source_root() const { return SourceRoot::open(root, &ignore, true); }
};

// A directory context. `dockerfile` is the -f value as given (relative to the current
// directory), "" for the default, "-" for stdin; it only matters here for finding a
// Dockerfile-specific ignore file (ignore.hpp: find_ignore_file).
Result<Context> open_dir(const std::string& dir, const std::string& dockerfile);

// A context tar read from `fd` (plain, gzip or zstd), unpacked with the hardened unpack into a
// new directory under `scratch_dir`. `dockerfile` is the -f value (a path inside the context),
// "" for the default.
Result<Context> from_tar(int fd, const std::string& scratch_dir, const std::string& dockerfile = "");
// The same from any byte source (POST /build's request body).
Result<Context> from_tar(image::ByteSource& raw, const std::string& scratch_dir, const std::string& dockerfile = "");

// The Dockerfile to build, as an absolute path. `f_flag` empty: "Dockerfile", else
// "Containerfile", in the context root. Else for a directory context the path as given, relative
// to the current directory (docker CLI semantics: it may lie outside the context); for a tar
// context a path inside it (resolved inside the context root). Must be a regular file.
Result<std::string> find_dockerfile(const Context& ctx, const std::string& f_flag);

}  // namespace brig::build::context
