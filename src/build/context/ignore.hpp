// .dockerignore rules, as docker reads and applies them:
//   - one pattern a line; a line whose first character is '#' is a comment; lines are trimmed
//     of surrounding white space and blank ones skipped; a UTF-8 BOM at the start is dropped
//   - a leading '!' (white space after it trimmed too) makes the line an exception
//   - a pattern is cleaned as Go's filepath.Clean, then a leading '/' is dropped: "/a", "./a"
//     and "a/" all mean "a"; the context root is both the working and the root directory
//   - the glob syntax is Go's filepath.Match plus `**` (see glob.hpp)
//   - a path is matched by a pattern when the path itself or any of its parent directories
//     matches, so a pattern naming a directory excludes everything below it
//   - the last pattern that matches a path decides: excluded, or re-included by a '!' line
// The Dockerfile and the ignore file themselves may be listed: docker still sends them to the
// builder (which reads the Dockerfile from where it is, see context.hpp) but COPY and ADD then
// treat them as absent. Ignore applies exactly that: excluded() says true for them as for any
// other path.
//
// Also here: which ignore file a build uses (find_ignore_file).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "build/context/glob.hpp"
#include "common/error.hpp"

namespace brig::build::context {

class Ignore {
public:
    // Refuses what docker refuses: a lone "!", and malformed patterns (naming the line).
    static Result<Ignore> parse(std::string_view text);

    // Is `relpath` (relative to the context root, '/'-separated; "./" and a leading '/' are
    // accepted) left out of the context?
    bool excluded(std::string_view relpath) const;

    // For a walker at an excluded directory: could a '!' rule re-include something below it
    // (so the walk must go in)? False means nothing below `reldir` can be included. It may say
    // true when nothing ends up included (a `**` in an exception is taken as "maybe").
    bool may_include_below(std::string_view reldir) const;

    bool empty() const { return rules_.empty(); }
    // The cleaned patterns, '!' kept, in file order (for messages and tests).
    std::vector<std::string> patterns() const;

private:
    struct Rule {
        std::string pattern;  // cleaned, without the '!'
        bool exception = false;
        Glob glob;
    };
    // The rule matches `path` or one of its parent directories.
    static bool matches(const Rule& r, std::string_view path);

    std::vector<Rule> rules_;
};

// Which ignore file applies to a build of `context_dir` with the Dockerfile at `dockerfile`
// (a path as given to -f, "" for the default, "-" for stdin):
//   1. "<dockerfile>.dockerignore" next to the Dockerfile (buildkit: it wins over the others;
//      for -f build/app.Dockerfile it is build/app.Dockerfile.dockerignore)
//   2. "<context>/.containerignore" (podman and buildah read it before .dockerignore)
//   3. "<context>/.dockerignore"
// The first regular file that exists wins; nullopt when there is none.
std::optional<std::string> find_ignore_file(const std::string& context_dir, const std::string& dockerfile);

// Reads and parses an ignore file (the path in error messages).
Result<Ignore> load_ignore_file(const std::string& path);

}  // namespace brig::build::context
