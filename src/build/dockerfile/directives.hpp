// Parser directives: the "# key=value" comment lines at the very top of a Dockerfile
// (escape, syntax; check is known and ignored). They are read until the first line that is
// not one: an instruction, an empty line, an ordinary comment or an unknown directive; a
// directive-looking comment after that is an ordinary comment. Internal to the parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace brig::build::dockerfile::detail {

struct Directives {
    char escape = '\\';
    std::string syntax;
};

// Errors: a directive given twice, an escape other than '\' or '`' (file:line:column).
Result<Directives> read_directives(const std::vector<std::string_view>& lines, std::string_view file);

}  // namespace brig::build::dockerfile::detail
