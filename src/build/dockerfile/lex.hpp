// The shell-word lexer behind expand(): walks quotes, the escape character and $-forms,
// giving the expanded word and its split into words. The options are BuildKit's lexer
// switches; the parser uses the raw ones to find heredoc delimiters. Internal.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "build/dockerfile/expand.hpp"

namespace brig::build::dockerfile::detail {

struct LexOptions {
    char escape = '\\';
    bool raw_quotes = false;   // keep the quote characters in the output
    bool raw_escapes = false;  // keep the escape characters in the output
    bool skip_quotes = false;  // quotes are ordinary characters
    bool skip_unset = false;   // references to unset variables stay as written
};

struct Lexed {
    std::string word;                // the whole input, expanded (white space kept)
    std::vector<std::string> words;  // split at unquoted white space
};

// Errors are bare ("syntax error: missing '}'"): callers add what they were doing.
Result<Lexed> lex(std::string_view input, const Vars& vars, const LexOptions& opts);

}  // namespace brig::build::dockerfile::detail
