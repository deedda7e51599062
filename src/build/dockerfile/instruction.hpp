// One logical line -> one Instruction: the keyword (known, any case), its flags (checked),
// the exec (JSON) form where the instruction has one, the heredoc references, and for
// ONBUILD the trigger parsed the same way. Internal to the parser.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "build/dockerfile/ast.hpp"
#include "build/dockerfile/flags.hpp"
#include "build/dockerfile/lines.hpp"

namespace brig::build::dockerfile::detail {

enum class ArgForm {
    kPlain,          // no JSON form
    kMaybeJson,      // RUN CMD ENTRYPOINT SHELL: a JSON array of strings, else shell form
    kMaybeJsonList,  // COPY ADD VOLUME: a JSON array of strings, else white-space separated
    kHealthcheck,    // a type word (CMD, NONE), then maybe JSON
    kOnbuild,        // another instruction
};

struct InstructionSpec {
    std::string_view keyword;  // upper case
    ArgForm form;
    bool heredocs;             // may take <<EOF
    std::span<const FlagSpec> flags;
};

// The instruction named `keyword` in any case; nullptr if there is none.
const InstructionSpec* find_instruction(std::string_view keyword);

struct ParsedLine {
    Instruction instr;                  // heredoc bodies still empty
    std::vector<Location> heredoc_locs;  // where each of instr.heredocs is referenced
    std::vector<Instruction> trigger;   // ONBUILD: its trigger (one)
};

// Errors: unknown instruction, bad flags, a JSON array of other than strings, ONBUILD
// without a trigger or with ONBUILD/FROM/MAINTAINER as one.
Result<ParsedLine> parse_line(const LogicalLine& line, std::string_view file);

}  // namespace brig::build::dockerfile::detail
