#include "build/dockerfile/parser.hpp"

#include <set>

#include "build/dockerfile/directives.hpp"
#include "build/dockerfile/instruction.hpp"
#include "build/dockerfile/lines.hpp"
#include "build/dockerfile/shape.hpp"

namespace brig::build::dockerfile {
namespace {

// The next instruction with its heredoc bodies read and its arguments checked; nullopt at
// the end of the file.
Result<std::optional<Instruction>> next_instruction(detail::LineReader& reader, std::string_view file, char escape) {
    auto line = reader.next();
    if (!line) return std::nullopt;
    auto parsed = detail::parse_line(*line, file);
    if (!parsed) return std::unexpected(parsed.error());
    Instruction& in = parsed->instr;
    for (size_t k = 0; k < in.heredocs.size(); ++k) {
        auto body = reader.heredoc_body(in.heredocs[k].name, in.heredocs[k].chomp_tabs);
        if (!body) return fail_at(parsed->heredoc_locs[k], "unterminated heredoc");
        in.heredocs[k].body = std::move(*body);
    }
    if (auto ok = detail::check_shape(in, escape); !ok) return std::unexpected(ok.error());
    for (Instruction& trigger : parsed->trigger) {
        trigger.heredocs = in.heredocs;
        if (auto ok = detail::check_shape(trigger, escape); !ok) return std::unexpected(ok.error());
    }
    return std::move(in);
}

}  // namespace

Result<Dockerfile> parse(std::string_view text, std::string_view file) {
    std::vector<std::string_view> lines = detail::split_lines(text);
    auto directives = detail::read_directives(lines, file);
    if (!directives) return std::unexpected(directives.error());
    Dockerfile df;
    df.escape = directives->escape;
    df.syntax = directives->syntax;

    detail::LineReader reader(std::move(lines), df.escape);
    std::set<std::string> names;
    bool any = false;
    for (;;) {
        auto next = next_instruction(reader, file, df.escape);
        if (!next) return std::unexpected(next.error());
        if (!*next) break;
        Instruction& in = **next;
        any = true;
        if (in.keyword == "FROM") {
            Stage stage;
            stage.name = detail::raw_from(in)->name;
            if (!stage.name.empty() && !names.insert(stage.name).second)
                return fail_at(in.loc, "duplicate stage name \"{}\"", stage.name);
            stage.from = std::move(in);
            df.stages.push_back(std::move(stage));
        } else if (!df.stages.empty()) {
            df.stages.back().body.push_back(std::move(in));
        } else if (in.keyword == "ARG") {
            df.global_args.push_back(std::move(in));
        } else {
            return fail_at(in.loc, "{} before the first FROM: no build stage in current context", in.keyword);
        }
    }
    Location start{std::string(file), 1, 1};
    if (!any) return fail_at(start, "file with no instructions");
    if (df.stages.empty()) return fail_at(start, "no FROM instruction: the Dockerfile contains no stage to build");
    return df;
}

Result<Instruction> parse_trigger(std::string_view trigger, char escape, std::string_view file) {
    detail::LineReader reader(detail::split_lines(trigger), escape);
    auto first = next_instruction(reader, file, escape);
    if (!first) return std::unexpected(first.error());
    Location start{std::string(file), 1, 1};
    if (!*first) return fail_at(start, "ONBUILD trigger is empty");
    Instruction& in = **first;
    if (in.keyword == "ONBUILD") return fail_at(in.loc, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (in.keyword == "FROM" || in.keyword == "MAINTAINER")
        return fail_at(in.loc, "{} isn't allowed as an ONBUILD trigger", in.keyword);
    auto more = next_instruction(reader, file, escape);
    if (!more) return std::unexpected(more.error());
    if (*more) return fail_at((*more)->loc, "ONBUILD trigger must contain exactly one instruction");
    return std::move(in);
}

}  // namespace brig::build::dockerfile
