// COPY/ADD sources: the root they are read from (the build context, or another stage's root
// file system for COPY --from) and the resolution of the source patterns against it.
//
// Resolution follows docker:
//   - a source is relative to the root; it is cleaned as if joined to "/", so "../x" is "x"
//     and nothing climbs above the root
//   - each path element may hold filepath.Match wildcards; they are expanded element by
//     element against the directory listings, matches sorted by name at each level
//   - the source itself is followed when it is a symlink (COPY link copies what it points to,
//     under the link's name), inside the root (rootpath.hpp): a link can never reach outside
//   - in the context, what .dockerignore excludes does not exist: an excluded path (or one whose
//     link leads to an excluded path) is not found, except an excluded directory that a '!'
//     rule re-includes something below
//   - a source that is not there is an error naming it; so is a wildcard that matches nothing
// The messages are docker's; the builder prefixes them with "COPY failed: " or "ADD failed: ".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "build/context/ignore.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"

namespace brig::build::context {

struct SourceRoot {
    std::string path;              // absolute directory
    UniqueFd fd;                   // O_PATH | O_DIRECTORY of path
    const Ignore* ignore = nullptr;  // the context's rules (not owned); null: nothing is ignored
    bool is_context = true;        // false: a stage's root file system (COPY --from)

    // `ignore` must outlive the SourceRoot. A stage root has no ignore rules.
    static Result<SourceRoot> open(const std::string& path, const Ignore* ignore, bool is_context);

    // Is the path left out? An excluded directory that may hold re-included entries is not.
    bool hidden(std::string_view rel, bool is_dir) const;
    // For walkers: `rel` is excluded itself (its own entry is not part of the source set).
    bool excluded(std::string_view rel) const { return ignore != nullptr && ignore->excluded(rel); }
    bool may_include_below(std::string_view rel) const { return ignore == nullptr || ignore->may_include_below(rel); }
};

struct ResolvedSource {
    std::string rel;    // where it is: symlink-free, from the root ("" for the root itself)
    std::string name;   // the name it is copied as: the last element as matched ("" for the root)
    std::string shown;  // the path as matched, for messages ("." for the root)
    bool is_dir = false;
};

// The sources of one pattern, in order.
Result<std::vector<ResolvedSource>> resolve_source(const SourceRoot& root, std::string_view pattern);

// All patterns of one COPY/ADD, in the order given, each one's matches in order.
Result<std::vector<ResolvedSource>> resolve_sources(const SourceRoot& root, const std::vector<std::string>& patterns);

}  // namespace brig::build::context
