#include "build/copy_step.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "build/context/context.hpp"
#include "build/context/copy.hpp"
#include "build/context/digest.hpp"
#include "build/context/sources.hpp"
#include "build/fetch.hpp"
#include "build/stage.hpp"
#include "common/ids.hpp"
#include "common/strings.hpp"
#include "engine/spec.hpp"
#include "image/fsutil.hpp"
#include "linux/fs.hpp"

namespace brig::build {

namespace df = dockerfile;
namespace ctx = context;

namespace {

// --chown=user[:group], names looked up in the image being built. A user name without a group
// takes the user's primary group (as docker and buildah do); a bare uid the same number.
Result<ctx::CopyOptions> owner_options(const df::Copy& c, const std::string& rootfs) {
    ctx::CopyOptions o;
    o.extract_archives = c.add;
    if (!c.chmod.empty()) o.chmod = static_cast<mode_t>(std::stoul(c.chmod, nullptr, 8));
    if (c.chown.empty()) return o;
    auto colon = c.chown.find(':');
    std::string user = c.chown.substr(0, colon);
    auto u = engine::resolve_user(rootfs, user);
    if (!u) return std::unexpected(std::move(u.error()).context("--chown=" + c.chown));
    o.uid = u->uid;
    bool numeric = !user.empty() && user.find_first_not_of("0123456789") == std::string::npos;
    o.gid = numeric ? u->uid : u->gid;
    if (colon != std::string::npos) {
        auto g = engine::resolve_user(rootfs, "0:" + c.chown.substr(colon + 1));
        if (!g) return std::unexpected(std::move(g.error()).context("--chown=" + c.chown));
        o.gid = g->gid;
    }
    return o;
}

// The destination inside the root: relative to the WORKDIR, the trailing slash kept.
std::string destination(const std::string& dest, const std::string& workdir) {
    if (dest.starts_with('/')) return dest;
    std::string w = workdir.empty() ? "/" : workdir;
    if (!w.ends_with('/')) w += "/";
    return w + dest;
}

}  // namespace

Result<CopyPlan> plan_copy(BuildRun& run, const df::Copy& c, const ImageState& st, int stage_index) {
    CopyPlan plan;
    std::string what = c.add ? "ADD" : "COPY";
    size_t urls = 0;
    for (auto& s : c.sources) {
        if (is_url(s)) {
            if (!c.add) return fail("COPY {}: COPY does not take URLs (ADD does)", s);
            ++urls;
        } else if (s.find("://") != std::string::npos || s.starts_with("git@")) {
            return fail("{} {}: git and other remote sources are not supported", what, s);
        }
    }
    if (urls != 0 && urls != c.sources.size()) return fail("ADD: URLs and local sources in one ADD are not supported yet");
    if (!c.checksum.empty() && urls == 0) return fail("ADD --checksum needs a URL source");

    // Where the sources come from: heredoc files, the context, or a stage's or image's root.
    std::string root_path;
    const ctx::Ignore* ignore = nullptr;
    bool is_context = false;
    std::string from_key;
    std::vector<std::string> patterns = c.sources;
    if (urls != 0) {
        // Downloaded into a scratch directory, which is then the source root.
        std::string dir = run.store.root() + "/build/add-" + random_hex(8);
        if (auto r = image::fsutil::mkdirs(dir, 0700); !r) return std::unexpected(r.error());
        plan.scratch = std::shared_ptr<void>(nullptr, [dir](void*) { (void)linuxfs::remove_all(dir); });
        patterns.clear();
        from_key = "url:";
        for (auto& u : c.sources) {
            std::string name = url_file_name(u);
            auto digest = fetch_url(u, dir + "/" + name, c.checksum);
            if (!digest) return std::unexpected(digest.error());
            patterns.push_back(name);
            from_key += u + "=" + *digest + ";";
        }
        root_path = dir;
    } else if (!c.heredocs.empty()) {
        std::string dir = run.store.root() + "/build/heredoc-" + random_hex(8);
        if (auto r = image::fsutil::mkdirs(dir, 0700); !r) return std::unexpected(r.error());
        plan.scratch = std::shared_ptr<void>(nullptr, [dir](void*) { (void)linuxfs::remove_all(dir); });
        for (auto& h : c.heredocs)
            if (auto r = linuxfs::write_file_atomic(dir + "/" + h.name, h.body, 0644, false); !r) return std::unexpected(r.error());
        root_path = dir;
        from_key = "heredoc";
    } else if (c.from.empty()) {
        if (run.opts.context == nullptr) return fail("{}: no build context", what);
        root_path = run.opts.context->root;
        ignore = &run.opts.context->ignore;
        is_context = true;
    } else {
        std::vector<image::LayerRecord> layers;
        if (auto s = stage_ref(run.graph, c.from, stage_index)) {
            auto prev = wait_stage(run, *s);
            if (!prev) return std::unexpected(prev.error());
            layers = prev->state.layers;
            from_key = "stage:" + prev->key;
        } else {
            auto img = resolve_image(run, c.from);
            if (!img) return std::unexpected(std::move(img.error()).context(fmt::format("{} --from={}", what, c.from)));
            layers = img->layers;
            from_key = "image:" + img->id.str();
        }
        auto ws = Workspace::open(run.store, layers);
        if (!ws) return std::unexpected(ws.error());
        root_path = ws->rootfs();
        plan.sources.push_back(std::make_shared<Workspace>(std::move(*ws)));
    }

    auto root = ctx::SourceRoot::open(root_path, ignore, is_context);
    if (!root) return std::unexpected(root.error());
    auto src = std::make_shared<ctx::SourceRoot>(std::move(*root));
    for (auto& h : c.heredocs) patterns.push_back(h.name);
    auto resolved = ctx::resolve_sources(*src, patterns);
    if (!resolved) return fail("{} failed: {}", what, resolved.error().message);
    auto digest = ctx::sources_digest(*src, *resolved);
    if (!digest) return std::unexpected(digest.error());

    std::string dest = destination(c.dest, st.workdir());
    plan.describe = join(patterns, " ") + " " + c.dest;
    plan.cache_text = fmt::format("from={}\ndigest={}\nchown={}\nchmod={}\ndest={}\nadd={}\n", from_key, *digest, c.chown,
                                  c.chmod, dest, c.add);
    plan.apply = [copy = c, src, sources = std::move(*resolved), dest, what, urls](const std::string& rootfs) -> Result<void> {
        auto opts = owner_options(copy, rootfs);
        if (!opts) return std::unexpected(opts.error());
        if (urls != 0) opts->extract_archives = false;  // docker never unpacks a download
        if (!copy.heredocs.empty() && !opts->chmod) opts->chmod = 0644;  // BuildKit's mode for heredoc files
        if (auto r = ctx::copy_sources(*src, sources, rootfs, dest, *opts); !r) return fail("{} failed: {}", what, r.error().what());
        return {};
    };
    return plan;
}

}  // namespace brig::build
