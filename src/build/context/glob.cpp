#include "build/context/glob.hpp"

namespace brig::build::context {
namespace {

// One UTF-8 code point of s at pos: its value and its length in bytes. An invalid sequence is
// one byte long and decodes as U+FFFD (Go's utf8.RuneError).
std::pair<char32_t, size_t> decode(std::string_view s, size_t pos) {
    auto b = static_cast<unsigned char>(s[pos]);
    if (b < 0x80) return {b, 1};
    size_t len = b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
    if (len == 0 || (b >= 0xf8) || pos + len > s.size()) return {0xfffd, 1};
    char32_t c = b & (0x7f >> len);
    for (size_t i = 1; i < len; ++i) {
        auto cb = static_cast<unsigned char>(s[pos + i]);
        if ((cb & 0xc0) != 0x80) return {0xfffd, 1};
        c = (c << 6) | (cb & 0x3f);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
        return {0xfffd, 1};
    return {c, len};
}

auto bad_pattern(std::string_view p) { return fail("syntax error in pattern: \"{}\"", p); }

}  // namespace

bool has_meta(std::string_view s) { return s.find_first_of("*?[\\") != std::string_view::npos; }

bool Glob::CharClass::contains(char32_t c) const {
    bool in = false;
    for (const auto& r : ranges)
        if (r.lo <= c && c <= r.hi) in = true;
    return in != negated;
}

Result<Glob> Glob::compile(std::string_view p, Syntax syntax) {
    Glob g;
    size_t i = 0;
    auto push_bytes = [&g](std::string_view bytes) {
        for (char c : bytes) g.tokens_.push_back({Op::Byte, static_cast<unsigned char>(c)});
    };
    while (i < p.size()) {
        char c = p[i];
        if (c == '*') {
            if (syntax == Syntax::Ignore && i + 1 < p.size() && p[i + 1] == '*') {
                i += 2;
                if (i < p.size() && p[i] == '/') ++i;  // "**/" is "**"
                g.tokens_.push_back({i == p.size() ? Op::AnyRest : Op::AnyDirs});
                continue;
            }
            g.tokens_.push_back({Op::Star});
            ++i;
        } else if (c == '?') {
            g.tokens_.push_back({Op::Any});
            ++i;
        } else if (c == '\\') {
            if (i + 1 >= p.size()) return bad_pattern(p);
            auto [ch, n] = decode(p, i + 1);
            push_bytes(p.substr(i + 1, n));
            i += 1 + n;
        } else if (c == '[') {
            CharClass cls;
            ++i;
            if (i < p.size() && p[i] == '^') {
                cls.negated = true;
                ++i;
            }
            // One class character: escaped, or anything but '-' and ']'.
            auto one = [&](char32_t& out) -> bool {
                if (i >= p.size() || p[i] == '-' || p[i] == ']') return false;
                if (p[i] == '\\') {
                    if (++i >= p.size()) return false;
                }
                auto [ch, n] = decode(p, i);
                out = ch;
                i += n;
                return true;
            };
            for (;;) {
                if (i < p.size() && p[i] == ']' && !cls.ranges.empty()) {
                    ++i;
                    break;
                }
                Range r{};
                if (!one(r.lo)) return bad_pattern(p);
                r.hi = r.lo;
                if (i < p.size() && p[i] == '-') {
                    ++i;
                    if (!one(r.hi) || r.hi < r.lo) return bad_pattern(p);
                }
                if (i >= p.size()) return bad_pattern(p);  // no closing ']'
                cls.ranges.push_back(r);
            }
            g.tokens_.push_back({Op::Class, 0, static_cast<uint32_t>(g.classes_.size())});
            g.classes_.push_back(std::move(cls));
        } else {
            push_bytes(p.substr(i, 1));
            ++i;
        }
    }
    return g;
}

bool Glob::match(std::string_view s) const { return run(s, false); }

bool Glob::may_match_below(std::string_view dir) const {
    std::string s(dir);
    s += '/';
    return run(s, true);
}

bool Glob::run(std::string_view s, bool partial) const {
    // Fast path: a pattern of plain bytes only.
    bool plain = true;
    for (const auto& t : tokens_) plain = plain && t.op == Op::Byte;
    if (plain && !partial) {
        if (s.size() != tokens_.size()) return false;
        for (size_t k = 0; k < s.size(); ++k)
            if (static_cast<unsigned char>(s[k]) != tokens_[k].byte) return false;
        return true;
    }
    std::vector<int8_t> memo((tokens_.size() + 1) * (s.size() + 1), -1);
    return step(s, 0, 0, partial, memo);
}

// Does tokens_[ti..] match s[pos..]? Memoized on (ti, pos): polynomial however many stars.
// The recursion only ever moves to a later token, so its depth is bounded by the pattern.
bool Glob::step(std::string_view s, size_t ti, size_t pos, bool partial, std::vector<int8_t>& memo) const {
    const size_t n = s.size();
    if (partial && pos == n) return true;
    if (ti == tokens_.size()) return pos == n;
    int8_t& m = memo[ti * (n + 1) + pos];
    if (m >= 0) return m != 0;
    bool ok = false;
    const Token& t = tokens_[ti];
    switch (t.op) {
        case Op::Byte:
            ok = pos < n && static_cast<unsigned char>(s[pos]) == t.byte && step(s, ti + 1, pos + 1, partial, memo);
            break;
        case Op::Any:
        case Op::Class:
            if (pos < n) {
                auto [c, len] = decode(s, pos);
                bool hit = t.op == Op::Any ? c != '/' : classes_[t.cls].contains(c);
                ok = hit && step(s, ti + 1, pos + len, partial, memo);
            }
            break;
        case Op::Star:  // any run of non-'/' characters
            for (size_t p = pos;;) {
                if (step(s, ti + 1, p, partial, memo)) {
                    ok = true;
                    break;
                }
                if (p >= n || s[p] == '/') break;
                p += decode(s, p).second;
            }
            break;
        case Op::AnyDirs:  // nothing, or anything that ends with '/'
            ok = step(s, ti + 1, pos, partial, memo);
            for (size_t p = pos; !ok && p < n; ++p)
                if (s[p] == '/') ok = step(s, ti + 1, p + 1, partial, memo);
            if (!ok && partial) ok = true;  // still inside the `**` at the end of s
            break;
        case Op::AnyRest:
            ok = true;
            break;
    }
    m = ok ? 1 : 0;
    return ok;
}

}  // namespace brig::build::context
