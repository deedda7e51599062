// Pieces shared by the decoders: expansion that names where it failed, and the decoders of
// the two instructions with the most to them, RUN and COPY/ADD. Internal to decode().
#pragma once

#include <string>
#include <string_view>

#include "build/dockerfile/decode.hpp"

namespace brig::build::dockerfile::detail {

class Expander {
public:
    Expander(const Instruction& i, const Vars& vars, char escape) : i_(i), vars_(vars), escape_(escape) {}

    // One word; an error names `at` (the instruction by default).
    Result<std::string> word(std::string_view w, const Location* at = nullptr) const;
    // The value of flag `name`, expanded ("" when absent); an error names the flag.
    Result<std::string> flag(std::string_view name) const;
    const Vars& vars() const { return vars_; }
    char escape() const { return escape_; }

private:
    const Instruction& i_;
    const Vars& vars_;
    char escape_;
};

Result<Run> decode_run(const Instruction& i, const Expander& ex);
Result<Copy> decode_copy(const Instruction& i, const Expander& ex);

}  // namespace brig::build::dockerfile::detail
