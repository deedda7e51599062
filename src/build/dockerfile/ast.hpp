// The parsed Dockerfile: instructions as written (flags checked, text unexpanded), grouped
// into stages. This is what parse() returns; decode() turns one Instruction into a typed
// command once the builder knows the variables in scope.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace brig::build::dockerfile {

struct Location {
    std::string file;
    int line = 0;    // 1-based
    int column = 0;  // 1-based, in bytes
};
// "Dockerfile:12:5".
std::string to_string(const Location& loc);

// An error that names where it happened: "Dockerfile:3:1: unknown instruction: RUNN".
template <class... Args>
std::unexpected<Error> fail_at(const Location& loc, fmt::format_string<Args...> f, Args&&... args) {
    return std::unexpected(
        Error{0, fmt::format("{}: {}", to_string(loc), fmt::format(f, std::forward<Args>(args)...))});
}

// --from=build -> {"from", "build"}; a bool flag given bare (--link) has value "true".
// Repeatable flags (--mount) appear once per use, in order.
struct Flag {
    std::string name;
    std::string value;
    Location loc;  // of the leading "--"
};

// RUN/COPY/ADD <<EOF. `body` is the lines up to the delimiter line, each ending in "\n",
// exactly as written (leading tabs are not removed here even for <<-: see chomp_tabs()).
struct Heredoc {
    std::string name;         // the delimiter, quotes removed
    std::string body;
    bool expand = true;       // false when the delimiter was quoted (<<"EOF", <<'EOF')
    bool chomp_tabs = false;  // <<-EOF
};

struct Instruction {
    std::string keyword;                 // upper case: "RUN", "COPY", ...
    std::vector<Flag> flags;             // checked against the instruction's known flags
    bool json_form = false;              // exec form ["a","b"]; for HEALTHCHECK, of the CMD part
    std::vector<std::string> json_args;  // the elements when json_form
    std::string text;                    // the rest after the flags, unexpanded
    std::vector<Heredoc> heredocs;       // RUN/COPY/ADD (and ONBUILD of those) <<EOF
    std::string original;                // the instruction as written, on one line
    Location loc;                        // of the keyword
};

struct Stage {
    std::string name;  // AS name, lower-cased ("" if none)
    Instruction from;  // the FROM itself
    std::vector<Instruction> body;
};

struct Dockerfile {
    char escape = '\\';
    std::string syntax;                    // "# syntax=" value, if any
    std::vector<Instruction> global_args;  // ARGs before the first FROM
    std::vector<Stage> stages;
};

}  // namespace brig::build::dockerfile
