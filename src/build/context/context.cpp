#include "build/context/context.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <utility>

#include "build/context/archive.hpp"
#include "build/context/rootpath.hpp"
#include "image/decompress.hpp"
#include "image/source.hpp"
#include "linux/fs.hpp"

namespace brig::build::context {
namespace {

bool is_file(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// A Dockerfile path inside the context root, resolved there; "" when there is none.
std::string inside(const Context& ctx, const std::string& rel) {
    UniqueFd root(::open(ctx.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return {};
    auto r = resolve_in_root(root.get(), rel);
    if (!r || !r->exists || !S_ISREG(r->st.st_mode)) return {};
    return r->rel.empty() ? ctx.root : ctx.root + "/" + r->rel;
}

Result<void> load_ignore(Context& ctx, const std::string& dockerfile_path) {
    auto file = find_ignore_file(ctx.root, dockerfile_path);
    if (!file) return {};
    auto ig = load_ignore_file(*file);
    if (!ig) return std::unexpected(std::move(ig.error()));
    ctx.ignore = std::move(*ig);
    ctx.ignore_file = *file;
    return {};
}

}  // namespace

Context::Context(Context&& o) noexcept
    : root(std::move(o.root)),
      ignore(std::move(o.ignore)),
      ignore_file(std::move(o.ignore_file)),
      tmp(std::exchange(o.tmp, {})),
      from_archive(o.from_archive) {}

Context& Context::operator=(Context&& o) noexcept {
    if (this != &o) {
        cleanup();
        root = std::move(o.root);
        ignore = std::move(o.ignore);
        ignore_file = std::move(o.ignore_file);
        tmp = std::exchange(o.tmp, {});
        from_archive = o.from_archive;
    }
    return *this;
}

void Context::cleanup() {
    if (tmp.empty()) return;
    (void)linuxfs::remove_all(tmp);
    tmp.clear();
}

Result<Context> open_dir(const std::string& dir, const std::string& dockerfile) {
    char* real = ::realpath(dir.c_str(), nullptr);
    if (real == nullptr) return sys_fail("unable to prepare context: path {} not found", dir);
    Context ctx;
    ctx.root = real;
    std::free(real);
    struct stat st {};
    if (::stat(ctx.root.c_str(), &st) < 0 || !S_ISDIR(st.st_mode))
        return errno_fail(ENOTDIR, "unable to prepare context: context must be a directory: {}", dir);
    std::string df = dockerfile;
    if (df.empty()) {
        auto found = find_dockerfile(ctx, "");
        if (found) df = *found;
    }
    if (auto r = load_ignore(ctx, df); !r) return std::unexpected(std::move(r.error()));
    return ctx;
}

Result<Context> from_tar(int fd, const std::string& scratch_dir, const std::string& dockerfile) {
    image::FdSource raw(fd);
    return from_tar(raw, scratch_dir, dockerfile);
}

Result<Context> from_tar(image::ByteSource& raw, const std::string& scratch_dir, const std::string& dockerfile) {
    std::string tmpl = scratch_dir + "/build-context-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) return sys_fail("create a directory for the build context in {}", scratch_dir);
    Context ctx;
    ctx.tmp = tmpl;
    ctx.from_archive = true;
    if (::chmod(tmpl.c_str(), 0755) < 0) return sys_fail("chmod {}", tmpl);
    char* real = ::realpath(tmpl.c_str(), nullptr);
    if (real == nullptr) return sys_fail("resolve {}", tmpl);
    ctx.root = real;
    std::free(real);
    UniqueFd dir(::open(ctx.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return sys_fail("open {}", ctx.root);
    auto plain = image::make_decompressor(raw);
    image::UnpackOptions opts;
    opts.whiteouts_to_overlay = false;
    opts.same_owner = ::geteuid() == 0;
    if (auto r = image::unpack_tar(*plain, dir.get(), opts); !r) return wrap(std::move(r), "read the build context from the tar stream");
    std::string df;
    if (dockerfile.empty()) {
        auto found = find_dockerfile(ctx, "");
        if (found) df = *found;
    } else {
        df = inside(ctx, dockerfile);
    }
    if (auto r = load_ignore(ctx, df); !r) return std::unexpected(std::move(r.error()));
    return ctx;
}

Result<std::string> find_dockerfile(const Context& ctx, const std::string& f_flag) {
    if (f_flag == "-") return fail("the Dockerfile is read from stdin (-f -): the caller reads it");
    if (f_flag.empty()) {
        for (const char* name : {"Dockerfile", "Containerfile"}) {
            std::string p = ctx.from_archive ? inside(ctx, name) : ctx.root + "/" + name;
            if (!p.empty() && is_file(p)) return p;
        }
        return errno_fail(ENOENT, "Cannot locate a Dockerfile or Containerfile in the context {}", ctx.root);
    }
    if (ctx.from_archive) {
        std::string p = inside(ctx, f_flag);
        if (p.empty()) return errno_fail(ENOENT, "Cannot locate specified Dockerfile: {}", f_flag);
        return p;
    }
    std::string p = f_flag;
    if (!p.starts_with('/')) {
        char cwd[PATH_MAX];
        if (::getcwd(cwd, sizeof cwd) == nullptr) return sys_fail("getcwd");
        p = std::string(cwd) + "/" + p;
    }
    if (!is_file(p)) return errno_fail(ENOENT, "Cannot locate specified Dockerfile: {}", f_flag);
    return p;
}

}  // namespace brig::build::context
