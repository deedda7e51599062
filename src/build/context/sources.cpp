#include "build/context/sources.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "build/context/dirents.hpp"
#include "build/context/glob.hpp"
#include "build/context/path.hpp"
#include "build/context/rootpath.hpp"

namespace brig::build::context {
namespace {

auto not_found(const SourceRoot& root, std::string_view shown) {
    if (root.is_context)
        return fail("file not found in build context or excluded by .dockerignore: stat {}: file does not exist", shown);
    return fail("file not found in the source stage: stat {}: file does not exist", shown);
}

auto no_match(const SourceRoot& root, std::string_view pattern) {
    if (root.is_context)
        return fail("no source files were specified: nothing in the build context matches {} (or .dockerignore excludes it)", pattern);
    return fail("no source files were specified: nothing in the source stage matches {}", pattern);
}

// Resolve the logical path `logical` (as matched) to a source, following symlinks inside the
// root. nullopt when it is not there or is hidden by .dockerignore.
Result<std::optional<ResolvedSource>> lookup(const SourceRoot& root, const std::string& logical) {
    auto r = resolve_in_root(root.fd.get(), logical);
    if (!r) {
        if (r.error().errnum == ENOENT || r.error().errnum == ENOTDIR || r.error().errnum == ELOOP) return std::nullopt;
        return wrap(std::move(r), fmt::format("resolve {}", logical.empty() ? "." : logical));
    }
    if (!r->exists) return std::nullopt;
    bool dir = S_ISDIR(r->st.st_mode);
    // Both the name as matched (a link in the context) and where it leads must be there.
    if (root.hidden(logical, dir) || (r->rel != logical && root.hidden(r->rel, dir))) return std::nullopt;
    ResolvedSource s;
    s.rel = r->rel;
    s.name = std::string(base_name(logical));
    s.shown = logical.empty() ? "." : logical;
    s.is_dir = dir;
    return s;
}

}  // namespace

Result<SourceRoot> SourceRoot::open(const std::string& path, const Ignore* ignore, bool is_context) {
    SourceRoot r;
    r.path = path;
    r.fd.reset(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!r.fd) return sys_fail("open the source root {}", path);
    r.ignore = ignore;
    r.is_context = is_context;
    return r;
}

bool SourceRoot::hidden(std::string_view rel, bool is_dir) const {
    if (ignore == nullptr || !ignore->excluded(rel)) return false;
    return !(is_dir && ignore->may_include_below(rel));
}

Result<std::vector<ResolvedSource>> resolve_source(const SourceRoot& root, std::string_view pattern) {
    const std::string logical = rel_in_root(pattern);
    const auto elements = path_elements(logical);
    bool wild = false;
    for (const auto& e : elements) wild = wild || has_meta(e);
    std::vector<ResolvedSource> out;
    if (!wild) {
        auto s = lookup(root, logical);
        if (!s) return std::unexpected(std::move(s.error()));
        if (!*s) return not_found(root, pattern);
        out.push_back(std::move(**s));
        return out;
    }

    // Expand element by element; the candidates are logical paths (as matched).
    std::vector<std::string> cands{""};
    for (const auto& e : elements) {
        if (!has_meta(e)) {
            for (auto& c : cands) c = join_rel(c, e);
            continue;
        }
        auto glob = Glob::compile(e);
        if (!glob) return fail("{}: {}", pattern, glob.error().message);
        std::vector<std::string> next;
        for (const auto& c : cands) {
            auto dir = resolve_in_root(root.fd.get(), c);
            if (!dir || !dir->exists || !S_ISDIR(dir->st.st_mode)) continue;
            auto dfd = open_resolved(*dir, O_RDONLY | O_DIRECTORY);
            if (!dfd) return wrap(std::move(dfd), "list " + (c.empty() ? std::string(".") : c));
            auto names = read_dir(dfd->get(), true);
            if (!names) return wrap(std::move(names), "list " + (c.empty() ? std::string(".") : c));
            for (const auto& d : *names) {
                if (!glob->match(d.name)) continue;
                std::string cand = join_rel(c, d.name);
                // The excluded are not in the context (a directory stays when '!' lines may
                // re-include below it; lookup() checks links).
                if (root.excluded(cand) && !(d.type == DT_DIR || d.type == DT_LNK || d.type == DT_UNKNOWN)) continue;
                next.push_back(std::move(cand));
            }
        }
        cands = std::move(next);
        if (cands.empty()) break;
    }
    for (const auto& c : cands) {
        auto s = lookup(root, c);
        if (!s) return std::unexpected(std::move(s.error()));
        if (*s) out.push_back(std::move(**s));
    }
    if (out.empty()) return no_match(root, pattern);
    return out;
}

Result<std::vector<ResolvedSource>> resolve_sources(const SourceRoot& root, const std::vector<std::string>& patterns) {
    std::vector<ResolvedSource> out;
    for (const auto& p : patterns) {
        auto one = resolve_source(root, p);
        if (!one) return std::unexpected(std::move(one.error()));
        for (auto& s : *one) out.push_back(std::move(s));
    }
    return out;
}

}  // namespace brig::build::context
