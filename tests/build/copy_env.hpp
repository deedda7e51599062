// The COPY tests' environment: a small context (files, a subdirectory, relative and absolute
// symlinks) and an empty destination root, with a copy() through the real resolve + copy.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "build/context/copy.hpp"
#include "build/context/sources.hpp"
#include "tree_util.hpp"

namespace brig::build::test {

namespace bc = brig::build::context;

// A context and an empty destination root.
struct Env {
    TempDir t;
    std::string ctx, dst;
    bc::Ignore ignore;
    explicit Env(std::string_view rules = "") : ignore(*bc::Ignore::parse(rules)) {
        ctx = t.path + "/ctx";
        dst = t.path + "/rootfs";
        ::mkdir(dst.c_str(), 0755);
        put(ctx + "/a.txt", "a");
        put(ctx + "/b.txt", "b");
        put(ctx + "/run.sh", "#!/bin/sh\n", 0755);
        put(ctx + "/dir/x.txt", "x");
        put(ctx + "/dir/sub/y.txt", "y", 0600);
        ::symlink("x.txt", (ctx + "/dir/lnk").c_str());
        ::symlink("/etc/passwd", (ctx + "/dir/abs_lnk").c_str());
        ::symlink("dir/x.txt", (ctx + "/top_link").c_str());
        ::chmod((ctx + "/dir").c_str(), 0751);
    }
    brig::Result<bc::CopyStats> copy(std::vector<std::string> srcs, const std::string& dest, const bc::CopyOptions& o = {},
                                     bool context = true) {
        auto root = bc::SourceRoot::open(ctx, context ? &ignore : nullptr, context);
        if (!root) return std::unexpected(root.error());
        auto resolved = bc::resolve_sources(*root, srcs);
        if (!resolved) return std::unexpected(resolved.error());
        return bc::copy_sources(*root, *resolved, dst, dest, o);
    }
};

#define ASSERT_COPY(expr)                                               \
    do {                                                                \
        auto r_ = (expr);                                               \
        ASSERT_TRUE(r_.has_value()) << r_.error().what();               \
    } while (0)

}  // namespace brig::build::test
