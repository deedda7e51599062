// The --flags each instruction takes, and the check of the flags written against them
// (BuildKit's BFlags rules: --name=value for string flags, bare or =true/=false for bool
// flags, only list flags repeat). Internal to the parser.
#pragma once

#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "build/dockerfile/ast.hpp"

namespace brig::build::dockerfile::detail {

enum class FlagType { kString, kStrings, kBool };

struct FlagSpec {
    std::string_view name;
    FlagType type;
};

// The flag words as extracted ("--from=build") with where each starts. Errors: unknown flag,
// duplicate flag, missing value, bad bool value; each names the flag's location.
Result<std::vector<Flag>> check_flags(const std::vector<std::pair<std::string, Location>>& words,
                                      std::span<const FlagSpec> specs);

}  // namespace brig::build::dockerfile::detail
