// Slash-separated path syntax shared by the build context code: Go's path.Clean rules (the
// rules docker applies to .dockerignore patterns and to COPY sources), splitting and joining.
// Pure string functions; nothing here touches the file system.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace brig::build::context {

// Lexical clean as Go's path.Clean: repeated slashes collapse, "." elements go, ".." removes
// the element before it (a leading ".." of a relative path stays, "/.." is "/"), no trailing
// slash except for "/" itself, and "" becomes ".".
std::string clean_path(std::string_view p);

// A path relative to a root: cleaned as if joined to "/" (so ".." can never climb above the
// root), without the leading slash; the root itself is "". "./a//b/../c/" -> "a/c", "../x" -> "x".
std::string rel_in_root(std::string_view p);

// The non-empty elements of `p` ("a//b/" -> {"a", "b"}); "." elements are kept.
std::vector<std::string> path_elements(std::string_view p);

// a + "/" + b, where an empty side leaves the other as it is.
std::string join_rel(std::string_view a, std::string_view b);

// The last element of `p` ("a/b" -> "b", "a" -> "a", "" -> "").
std::string_view base_name(std::string_view p);

// Everything before the last element ("a/b" -> "a", "a" -> "").
std::string_view dir_name(std::string_view p);

}  // namespace brig::build::context
