#include "build/dockerfile/pattern.hpp"

#include <vector>

namespace brig::build::dockerfile::detail {
namespace {

struct Token {
    enum Kind { kLiteral, kOne, kAny } kind;
    char c = 0;
};

Result<std::vector<Token>> compile(std::string_view pattern) {
    std::vector<Token> out;
    for (size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        if (c == '*') {
            out.push_back({Token::kAny});
        } else if (c == '?') {
            out.push_back({Token::kOne});
        } else if (c == '\\') {
            if (i + 1 < pattern.size() && (pattern[i + 1] == '}' || pattern[i + 1] == '/')) continue;
            if (i + 1 >= pattern.size() || (pattern[i + 1] != '*' && pattern[i + 1] != '?' && pattern[i + 1] != '\\'))
                return fail("invalid pattern ({}) in substitution: invalid escape '\\{}'", pattern,
                            i + 1 < pattern.size() ? std::string(1, pattern[i + 1]) : std::string());
            out.push_back({Token::kLiteral, pattern[++i]});
        } else {
            out.push_back({Token::kLiteral, c});
        }
    }
    return out;
}

bool continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Bytes of the UTF-8 character that starts at s[i] ('?' matches one character, not a byte).
size_t char_len(std::string_view s, size_t i) {
    size_t n = 1;
    while (i + n < s.size() && continuation_byte(s[i + n])) ++n;
    return n;
}

// Whether the whole of `s` matches (the usual backtrack-to-the-last-star walk).
bool matches(const std::vector<Token>& toks, std::string_view s) {
    size_t t = 0, i = 0, star = std::string_view::npos, mark = 0;
    while (i < s.size()) {
        if (t < toks.size() && toks[t].kind == Token::kOne) {
            i += char_len(s, i);
            ++t;
        } else if (t < toks.size() && toks[t].kind == Token::kLiteral && toks[t].c == s[i]) {
            ++i;
            ++t;
        } else if (t < toks.size() && toks[t].kind == Token::kAny) {
            star = t++;
            mark = i;
        } else if (star != std::string_view::npos) {
            t = star + 1;
            mark += char_len(s, mark);
            i = mark;
        } else {
            return false;
        }
    }
    while (t < toks.size() && toks[t].kind == Token::kAny) ++t;
    return t == toks.size();
}

bool boundary(std::string_view s, size_t i) { return i == s.size() || !continuation_byte(s[i]); }

// The length of the longest match starting at `start`, or npos.
size_t longest_at(const std::vector<Token>& toks, std::string_view value, size_t start) {
    for (size_t len = value.size() - start + 1; len-- > 0;)
        if (boundary(value, start + len) && matches(toks, value.substr(start, len))) return len;
    return std::string_view::npos;
}

}  // namespace

Result<std::string> trim_prefix(std::string_view value, std::string_view pattern, bool longest) {
    auto toks = compile(pattern);
    if (!toks) return std::unexpected(toks.error());
    size_t n = value.size();
    for (size_t k = 0; k <= n; ++k) {
        size_t len = longest ? n - k : k;
        if (boundary(value, len) && matches(*toks, value.substr(0, len))) return std::string(value.substr(len));
    }
    return std::string(value);
}

Result<std::string> trim_suffix(std::string_view value, std::string_view pattern, bool longest) {
    auto toks = compile(pattern);
    if (!toks) return std::unexpected(toks.error());
    size_t n = value.size();
    for (size_t k = 0; k <= n; ++k) {
        size_t len = longest ? n - k : k;
        if (boundary(value, n - len) && matches(*toks, value.substr(n - len)))
            return std::string(value.substr(0, n - len));
    }
    return std::string(value);
}

Result<std::string> replace_pattern(std::string_view value, std::string_view pattern,
                                    std::string_view replacement, bool all) {
    auto toks = compile(pattern);
    if (!toks) return std::unexpected(toks.error());
    std::string out;
    size_t copied = 0, prev_end = std::string_view::npos;
    for (size_t s = 0; s <= value.size();) {
        size_t len = longest_at(*toks, value, s);
        // As Go's ReplaceAll: an empty match right after the previous match does not count.
        if (len == std::string_view::npos || (len == 0 && prev_end == s)) {
            if (s == value.size()) break;
            s += char_len(value, s);
            continue;
        }
        out.append(value.substr(copied, s - copied)).append(replacement);
        copied = prev_end = s + len;
        if (!all) break;
        if (len > 0) {
            s += len;
        } else {
            if (s == value.size()) break;
            s += char_len(value, s);
        }
    }
    out.append(value.substr(copied));
    return out;
}

}  // namespace brig::build::dockerfile::detail
