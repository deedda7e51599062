// parse(): a Dockerfile's text -> directives, global ARGs and stages of instructions, with
// every structural error docker reports at parse time, each naming file:line:column.
#pragma once

#include <string_view>

#include "build/dockerfile/ast.hpp"
#include "build/dockerfile/expand.hpp"

namespace brig::build::dockerfile {

// `file` names the file in errors: "Dockerfile:3:1: unknown instruction: RUNN". Errors: an
// unknown instruction; a flag the instruction does not take, repeated or malformed; a
// missing or malformed argument; an instruction other than ARG before the first FROM; a JSON
// array of other than strings (other bad JSON is shell form, as in docker); an unterminated
// heredoc; a bad ONBUILD trigger; a bad or repeated directive; a repeated stage name; an
// empty file or one without FROM.
Result<Dockerfile> parse(std::string_view text, std::string_view file = "Dockerfile");

// An ONBUILD trigger as OnBuild::instruction holds it ("RUN echo hi", heredoc bodies after
// it) -> the instruction, checked as parse() checks ONBUILD.
Result<Instruction> parse_trigger(std::string_view trigger, char escape = '\\', std::string_view file = "ONBUILD");

}  // namespace brig::build::dockerfile
