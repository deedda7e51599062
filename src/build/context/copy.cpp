#include "build/context/copy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/context/archive.hpp"
#include "build/context/copy_tree.hpp"
#include "build/context/path.hpp"
#include "build/context/rootpath.hpp"

namespace brig::build::context {
namespace {

bool names_dir(const std::string& dest) { return dest.ends_with('/') || dest.ends_with("/.") || dest == "." || dest.empty(); }

ResolveOptions parents_options(const CopyOptions& o, bool make_last_dir) {
    ResolveOptions r;
    r.follow_last = true;
    r.create_parents = true;
    r.make_last_dir = make_last_dir;
    r.dir_mode = 0755;
    r.uid = o.uid ? o.uid : o.gid ? std::optional<uid_t>(0) : std::nullopt;
    r.gid = o.gid ? o.gid : o.uid ? std::optional<gid_t>(static_cast<gid_t>(*o.uid)) : std::nullopt;
    return r;
}

// One source, at (parent, name) in the source root with its lstat `st`, to dest.
class Job {
public:
    Job(const SourceRoot& src, const CopyOptions& opts, int root, const std::string& dest)
        : opts_(opts), root_(root), dest_(dest), tree_(src, opts, root) {}

    CopyStats& stats() { return tree_.stats(); }

    // dest names a directory (created now, before any source, as docker does).
    Result<void> open_dest_dir() {
        auto d = resolve_in_root(root_, dest_, parents_options(opts_, true));
        if (!d) return wrap(std::move(d), fmt::format("create the destination {}", dest_));
        dir_ = std::move(*d);
        return {};
    }

    Result<void> run(const ResolvedSource& s, const InRoot& from) {
        tree_.next_source();
        if (opts_.extract_archives && S_ISREG(from.st.st_mode)) {
            auto fd = open_resolved(from, O_RDONLY);
            if (!fd) return wrap(std::move(fd), s.shown);
            if (is_tar_archive(fd->get())) return unpack(s, fd->get());
        }
        if (dir_) return into_dir(s, from, *dir_);
        auto t = resolve_in_root(root_, dest_, parents_options(opts_, false));
        if (!t) return wrap(std::move(t), fmt::format("destination {}", dest_));
        const bool src_dir = S_ISDIR(from.st.st_mode);
        if (t->exists && S_ISDIR(t->st.st_mode)) return into_dir(s, from, *t);
        if (src_dir) {
            if (t->exists) return fail("cannot copy to non-directory: /{}", t->rel);
            // A new destination is made as a missing parent would be (0755, the --chown owner),
            // not from the source directory: only the contents are copied (docker, buildah).
            if (auto r = open_dest_dir(); !r) return r;
            return into_dir(s, from, *dir_);
        }
        return tree_.copy_entry(from.parent.get(), from.name, s.rel, from.st, t->parent.get(), t->name, t->rel);
    }

private:
    // Into the existing directory `d`: a directory's contents (the directory's own metadata is
    // left as it is), or anything else under its name.
    Result<void> into_dir(const ResolvedSource& s, const InRoot& from, const InRoot& d) {
        if (S_ISDIR(from.st.st_mode)) {
            auto out = open_resolved(d, O_RDONLY | O_DIRECTORY);
            if (!out) return std::unexpected(std::move(out.error()));
            auto in = open_resolved(from, O_RDONLY | O_DIRECTORY);
            if (!in) return wrap(std::move(in), s.shown);
            return tree_.copy_contents(in->get(), s.rel, out->get(), d.rel);
        }
        auto out = open_resolved(d, O_PATH | O_DIRECTORY);
        if (!out) return std::unexpected(std::move(out.error()));
        const std::string name = s.name.empty() ? from.name : s.name;
        return tree_.copy_entry(from.parent.get(), from.name, s.rel, from.st, out->get(), name, join_rel(d.rel, name));
    }

    // ADD of a local archive: unpacked into dest, which is a directory either way.
    Result<void> unpack(const ResolvedSource& s, int fd) {
        if (!dir_) {
            if (auto r = open_dest_dir(); !r) return r;
        }
        auto out = open_resolved(*dir_, O_RDONLY | O_DIRECTORY);
        if (!out) return std::unexpected(std::move(out.error()));
        auto st = extract_archive(fd, out->get());
        if (!st) return wrap(std::move(st), fmt::format("extract {}", s.shown));
        stats().files += st->entries;
        stats().bytes += st->bytes;
        ++stats().archives;
        return {};
    }

    const CopyOptions& opts_;
    int root_;
    std::string dest_;
    TreeCopier tree_;
    std::optional<InRoot> dir_;  // dest as a directory, once it is one
};

}  // namespace

Result<CopyStats> copy_sources(const SourceRoot& src, const std::vector<ResolvedSource>& sources, const std::string& dest_root,
                               const std::string& dest, const CopyOptions& opts) {
    if (sources.empty()) return fail("no source files were specified");
    const bool dir_form = names_dir(dest);
    if (sources.size() > 1 && !dir_form)
        return fail("When using COPY with more than one source file, the destination must be a directory and end with a /");
    UniqueFd root(::open(dest_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return sys_fail("open the destination root {}", dest_root);
    Job job(src, opts, root.get(), dest);
    if (dir_form) {
        if (auto r = job.open_dest_dir(); !r) return std::unexpected(std::move(r.error()));
    }
    for (const auto& s : sources) {
        auto from = resolve_in_root(src.fd.get(), s.rel);
        if (!from) return wrap(std::move(from), s.shown);
        if (!from->exists) return fail("{}: no longer exists", s.shown);
        if (auto r = job.run(s, *from); !r) return std::unexpected(std::move(r.error()));
    }
    return job.stats();
}

}  // namespace brig::build::context
