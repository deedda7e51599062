// Shell-style patterns with the syntax of Go's filepath.Match, which docker uses for COPY/ADD
// sources and .dockerignore lines:
//     *        any run of characters except '/'
//     ?        one character except '/'
//     [a-z]    a character class; [^a-z] negated; \ escapes inside; must not be empty
//     \c       the character c itself
// Ignore syntax adds docker's `**`: "**/" (or "**" before more pattern) matches any number of
// whole directories, none included; a trailing "**" matches everything that follows.
// A class matches any character, '/' included, exactly as Go does. Characters are UTF-8 code
// points (an invalid byte counts as one character). Malformed patterns (an unterminated
// class, an empty one, a trailing '\', a reversed range) are refused when compiled, as Go's
// ErrBadPattern ("syntax error in pattern").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace brig::build::context {

// Whether `s` holds any of Go's pattern meta characters (* ? [ \).
bool has_meta(std::string_view s);

class Glob {
public:
    enum class Syntax { Match, Ignore };

    static Result<Glob> compile(std::string_view pattern, Syntax syntax = Syntax::Match);

    // The whole of `s` matches.
    bool match(std::string_view s) const;
    // Some path strictly below the directory `dir` ("dir/...") could match: the pattern can
    // consume all of "dir/" with pattern left over. Conservative (true when a `**` could).
    bool may_match_below(std::string_view dir) const;

private:
    enum class Op : uint8_t { Byte, Star, Any, Class, AnyDirs, AnyRest };
    struct Token {
        Op op;
        unsigned char byte = 0;  // Op::Byte
        uint32_t cls = 0;        // Op::Class: index into classes_
    };
    struct Range {
        char32_t lo, hi;
    };
    struct CharClass {
        std::vector<Range> ranges;
        bool negated = false;
        bool contains(char32_t c) const;
    };

    // `partial`: succeed as soon as all of s is consumed (may_match_below).
    bool run(std::string_view s, bool partial) const;
    bool step(std::string_view s, size_t ti, size_t pos, bool partial, std::vector<int8_t>& memo) const;

    std::vector<Token> tokens_;
    std::vector<CharClass> classes_;
};

}  // namespace brig::build::context
