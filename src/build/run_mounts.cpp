#include "build/run_mounts.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <cstdlib>

#include "build/context/context.hpp"
#include "build/stage.hpp"
#include "common/flock.hpp"
#include "image/digest.hpp"
#include "image/fsutil.hpp"
#include "linux/fs.hpp"

namespace brig::build {

namespace df = dockerfile;

namespace {

// The option's value (the last one given wins), or `def`. Keys come normalized from the
// parser (dockerfile/decode.hpp): source, target, readonly=true|false, required=true|false.
std::string option(const df::Mount& m, std::string_view key, std::string def = "") {
    for (auto& [k, v] : m.options)
        if (k == key) def = v;
    return def;
}

// A path inside `root` (lexically: no .. above it); the kernel's bind follows links, so the
// result is checked again after realpath.
Result<std::string> inside(const std::string& root, const std::string& rel, const std::string& what) {
    std::string joined = root + "/" + rel;
    char buf[PATH_MAX];
    if (::realpath(joined.c_str(), buf) == nullptr) return sys_fail("{}: {}", what, rel);
    char rbuf[PATH_MAX];
    if (::realpath(root.c_str(), rbuf) == nullptr) return sys_fail("{}: {}", what, root);
    std::string r = rbuf, p = buf;
    if (p != r && !p.starts_with(r == "/" ? r : r + "/")) return fail("{}: {} is outside its root", what, rel);
    return p;
}

// mode=, uid=, gid= of a secret mount (validated by the parser: octal, decimal).
uint32_t number_option(const df::Mount& m, std::string_view key, uint32_t def, int base) {
    std::string v = option(m, key);
    return v.empty() ? def : static_cast<uint32_t>(std::stoul(v, nullptr, base));
}

}  // namespace

Result<SecretFile> SecretFile::make(const std::string& src, mode_t mode, uid_t uid, gid_t gid) {
    auto data = linuxfs::read_file(src);
    if (!data) return std::unexpected(std::move(data.error()).context("--secret src=" + src));
    std::string tmpl = "/dev/shm/brig-secret-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) return sys_fail("create a directory for a secret in /dev/shm");
    SecretFile f(tmpl);
    UniqueFd fd(::open(f.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) return sys_fail("create {}", f.path());
    for (size_t off = 0; off < data->size();) {
        ssize_t n = ::write(fd.get(), data->data() + off, data->size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_fail("write {}", f.path());
        off += static_cast<size_t>(n);
    }
    if (::fchown(fd.get(), uid, gid) < 0) return sys_fail("secret {}: chown {}:{}", src, uid, gid);
    if (::fchmod(fd.get(), mode) < 0) return sys_fail("secret {}: chmod {:o}", src, mode);
    return f;
}

SecretFile::~SecretFile() {
    if (dir_.empty()) return;
    ::unlink(path().c_str());
    ::rmdir(dir_.c_str());
}

Result<RunMounts> plan_run_mounts(BuildRun& run, const std::vector<df::Mount>& mounts, int stage_index) {
    RunMounts out;
    for (auto& m : mounts) {
        std::string target = option(m, "target");
        if (m.type == "secret") {
            std::string id = option(m, "id");
            if (id.empty() && !target.empty()) id = target.substr(target.rfind('/') + 1);
            if (target.empty()) target = "/run/secrets/" + id;
            const Secret* s = nullptr;
            for (auto& sec : run.opts.secrets)
                if (sec.id == id) s = &sec;
            if (s == nullptr) {
                if (option(m, "required") == "true") return fail("RUN --mount=type=secret: secret {:?} was not given (--secret id={},src=...)", id, id);
                continue;
            }
            auto copy = SecretFile::make(s->src, number_option(m, "mode", 0400, 8), number_option(m, "uid", 0, 10),
                                         number_option(m, "gid", 0, 10));
            if (!copy) return std::unexpected(std::move(copy.error()).context("RUN --mount=type=secret,id=" + id));
            out.points.push_back({.type = "bind", .source = copy->path(), .destination = target, .rw = false});
            out.secrets.push_back(std::move(*copy));
            out.cache_text += "secret:" + target + "\n";
            continue;
        }
        if (target.empty()) return fail("RUN --mount=type={}: target= is required", m.type);
        if (m.type == "tmpfs") {
            engine::MountPoint p{.type = "tmpfs", .destination = target};
            if (auto sz = option(m, "size"); !sz.empty()) p.options.push_back("size=" + sz);
            out.points.push_back(std::move(p));
            out.cache_text += "tmpfs:" + target + "\n";
        } else if (m.type == "cache") {
            std::string id = option(m, "id", target);
            std::string dir = run.store.root() + "/build-mounts/" + image::sha256_of(id).hex.substr(0, 32);
            if (auto r = image::fsutil::mkdirs(dir, 0755); !r) return std::unexpected(r.error());
            std::string sharing = option(m, "sharing", "shared");
            if (sharing != "shared" && sharing != "private" && sharing != "locked")
                return fail("RUN --mount=type=cache: sharing={} (shared, private or locked)", sharing);
            auto lock = lock_file(dir + ".lock", sharing == "locked" ? LockMode::Exclusive : LockMode::Shared);
            if (!lock) return std::unexpected(lock.error());
            out.locks.push_back(std::move(*lock));
            out.points.push_back({.type = "bind", .source = dir, .destination = target, .rw = option(m, "readonly") != "true"});
            out.cache_text += "cache:" + target + "\n";
        } else if (m.type == "bind" || m.type.empty()) {
            std::string from = option(m, "from");
            std::string root;
            if (from.empty()) {
                root = run.opts.context != nullptr ? run.opts.context->root : run.opts.context_dir;
            } else if (auto s = stage_ref(run.graph, from, stage_index)) {
                auto prev = wait_stage(run, *s);
                if (!prev) return std::unexpected(prev.error());
                auto ws = Workspace::open(run.store, prev->state.layers);
                if (!ws) return std::unexpected(ws.error());
                root = ws->rootfs();
                out.sources.push_back(std::move(*ws));
            } else {
                auto img = resolve_image(run, from);
                if (!img) return std::unexpected(img.error());
                auto ws = Workspace::open(run.store, img->layers);
                if (!ws) return std::unexpected(ws.error());
                root = ws->rootfs();
                out.sources.push_back(std::move(*ws));
            }
            auto src = inside(root, option(m, "source", "/"), "RUN --mount=type=bind source");
            if (!src) return std::unexpected(src.error());
            // Writes to a bind are thrown away (BuildKit): a stage's or image's root is a
            // throwaway overlay already; the context itself is never written, so it stays read-only.
            bool rw = option(m, "readonly", "true") == "false" && !from.empty();
            out.points.push_back({.type = "bind", .source = *src, .destination = target, .rw = rw});
            out.cache_text += "bind:" + from + ":" + option(m, "source") + ":" + target + "\n";
        } else {
            return fail("RUN --mount=type={}: not supported (bind, cache, tmpfs, secret)", m.type);
        }
    }
    return out;
}

}  // namespace brig::build
