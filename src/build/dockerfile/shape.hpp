// The shape of each instruction's arguments before any variable is expanded: the checks
// parse() makes so that a missing or malformed argument fails at once, with docker's
// messages, and the raw pieces decode() then expands. Internal.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "build/dockerfile/ast.hpp"
#include "build/dockerfile/decode.hpp"

namespace brig::build::dockerfile::detail {

// The flag `name` of i (the last one if repeated), or nullptr.
const Flag* find_flag(const Instruction& i, std::string_view name);

// The text split at runs of white space, no quoting (docker's list form).
std::vector<std::string> split_spaces(std::string_view text);

struct RawPair {
    std::string key;
    std::optional<std::string> value;
};
// ENV and LABEL: "K=V K2=V2" or the old "K V" (value always set); ARG: "N" or "N=default".
// Quotes and escapes are still in the pieces.
Result<std::vector<RawPair>> raw_pairs(const Instruction& i, char escape);

// COPY ADD VOLUME: the JSON elements or the words; EXPOSE FROM: the words.
std::vector<std::string> raw_args(const Instruction& i);

struct RawFrom {
    std::string image;  // unexpanded
    std::string name;   // lower case, checked
};
Result<RawFrom> raw_from(const Instruction& i);

// HEALTHCHECK takes no variables: decoded whole here.
Result<Healthcheck> decode_healthcheck(const Instruction& i);

// Every check above that applies to i.keyword, and the argument counts. ONBUILD's trigger is
// checked by the parser (it has the trigger parsed).
Result<void> check_shape(const Instruction& i, char escape);

}  // namespace brig::build::dockerfile::detail
