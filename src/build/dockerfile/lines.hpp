// From the file's text to logical instruction lines: comment lines, blank lines and escaped
// line ends (continuations) handled as docker does, every character of the joined line
// remembering where it was written; and the heredoc bodies that follow an instruction.
// Internal to the parser.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "build/dockerfile/ast.hpp"

namespace brig::build::dockerfile::detail {

struct Pos {
    int line = 0;
    int column = 0;
};

// One instruction, its continuation lines joined (the escape and what follows it removed,
// comment and empty lines inside dropped). pos[k] is where text[k] was written; pos has one
// more entry, just past the last character.
struct LogicalLine {
    std::string text;
    std::vector<Pos> pos;

    Location at(size_t offset, std::string_view file) const;
    // text[begin, end) as a line of its own (for ONBUILD's trigger).
    LogicalLine slice(size_t begin, size_t end) const;
};

// The physical lines: split at '\n', a '\r' before it dropped, a leading UTF-8 BOM dropped,
// no empty last line for a final '\n'.
std::vector<std::string_view> split_lines(std::string_view text);

// ASCII white space as Go's unicode.IsSpace sees it in a Dockerfile.
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

class LineReader {
public:
    LineReader(std::vector<std::string_view> lines, char escape) : lines_(std::move(lines)), escape_(escape) {}

    // The next instruction line, or nullopt at the end.
    std::optional<LogicalLine> next();
    // The body of a heredoc that starts on the next physical line: the lines up to the one
    // equal to `name` (after leading tabs when `chomp`), each with its "\n"; nullopt if the
    // file ends first.
    std::optional<std::string> heredoc_body(std::string_view name, bool chomp);

private:
    // Appends one physical line (from column `col0`) without its continuation escape;
    // returns whether the instruction ends here.
    bool append(LogicalLine& out, std::string_view s, size_t line_index, size_t col0) const;

    std::vector<std::string_view> lines_;
    char escape_;
    size_t next_ = 0;
};

}  // namespace brig::build::dockerfile::detail
