// The shell patterns of ${V#p}, ${V%p} and ${V/p/r}: '*' any run of characters, '?' one
// character, '\' makes '*', '?' or '\' literal ("\}" and "\/" stand for '}' and '/').
// Internal to the lexer.
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace brig::build::dockerfile::detail {

// ${V#p} (longest=false) and ${V##p}: `value` without its shortest/longest matching prefix.
Result<std::string> trim_prefix(std::string_view value, std::string_view pattern, bool longest);
// ${V%p} and ${V%%p}: without the shortest/longest matching suffix.
Result<std::string> trim_suffix(std::string_view value, std::string_view pattern, bool longest);
// ${V/p/r} (all=false: the first, leftmost-longest match) and ${V//p/r} (every match).
Result<std::string> replace_pattern(std::string_view value, std::string_view pattern,
                                    std::string_view replacement, bool all);

}  // namespace brig::build::dockerfile::detail
