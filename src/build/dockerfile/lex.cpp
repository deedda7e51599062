#include "build/dockerfile/lex.hpp"

#include <optional>

#include "build/dockerfile/pattern.hpp"

namespace brig::build::dockerfile::detail {
namespace {

constexpr int kEof = -1;

bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool is_digit(int c) { return c >= '0' && c <= '9'; }
bool is_name_char(int c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
// POSIX special parameters: $@ $* $# $? $- $$ $! $0.
bool is_special(int c) {
    return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' || c == '$' || c == '!' || c == '0';
}

// The split into words, built alongside the expanded text.
struct Words {
    std::string buf;
    std::vector<std::string> words;
    bool in_word = false;

    void add_char(char c) {
        if (!is_space(c)) return add_raw_char(c);
        if (in_word && !buf.empty()) {
            words.push_back(std::move(buf));
            buf.clear();
            in_word = false;
        }
    }
    void add_raw_char(char c) {
        buf += c;
        in_word = true;
    }
    void add_string(std::string_view s) {
        for (char c : s) add_char(c);
    }
    void add_raw_string(std::string_view s) {
        buf += s;
        in_word = true;
    }
    std::vector<std::string> take() {
        if (!buf.empty()) words.push_back(std::move(buf));
        buf.clear();
        in_word = false;
        return std::move(words);
    }
};

class Lexer {
public:
    Lexer(std::string_view in, const Vars& vars, const LexOptions& o)
        : in_(in), vars_(vars), o_(o), esc_(static_cast<unsigned char>(o.escape)), raw_escapes_(o.raw_escapes) {}

    Result<Lexed> run() { return stop_on(kEof, o_.raw_escapes); }

private:
    int peek() const { return p_ < in_.size() ? static_cast<unsigned char>(in_[p_]) : kEof; }
    int next() { return p_ < in_.size() ? static_cast<unsigned char>(in_[p_++]) : kEof; }

    std::optional<std::string> get(std::string_view name) const {
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
            if (it->first == name) return it->second;
        return std::nullopt;
    }

    // Up to `stop` (consumed) or the end of the input when stop is kEof.
    Result<Lexed> stop_on(int stop, bool raw_escapes) {
        struct Restore {
            bool& ref;
            bool saved;
            ~Restore() { ref = saved; }
        } restore{raw_escapes_, raw_escapes_};
        raw_escapes_ = raw_escapes;
        std::string result;
        Words words;
        while (peek() != kEof) {
            int ch = peek();
            if (stop != kEof && ch == stop) {
                next();
                return Lexed{std::move(result), words.take()};
            }
            if (ch == '$' || (!o_.skip_quotes && (ch == '\'' || ch == '"'))) {
                auto part = ch == '$' ? dollar() : ch == '\'' ? single_quote() : double_quote();
                if (!part) return std::unexpected(part.error());
                result += *part;
                if (ch == '$')
                    words.add_string(*part);
                else
                    words.add_raw_string(*part);
                continue;
            }
            ch = next();
            if (ch == esc_) {
                if (raw_escapes_) {
                    words.add_raw_char(static_cast<char>(ch));
                    result += static_cast<char>(ch);
                }
                ch = next();  // the escape takes the next character literally; alone at the end it goes
                if (ch == kEof) break;
                words.add_raw_char(static_cast<char>(ch));
            } else {
                words.add_char(static_cast<char>(ch));
            }
            result += static_cast<char>(ch);
        }
        if (stop != kEof) return fail("unexpected end of statement while looking for matching {}", static_cast<char>(stop));
        return Lexed{std::move(result), words.take()};
    }

    Result<std::string> single_quote() {
        std::string r;
        next();
        if (o_.raw_quotes) r += '\'';
        for (;;) {
            int ch = next();
            if (ch == kEof) return fail("unexpected end of statement while looking for matching single-quote");
            if (ch == '\'') {
                if (o_.raw_quotes) r += '\'';
                return r;
            }
            r += static_cast<char>(ch);
        }
    }

    // Inside "...": $ expands; the escape character escapes only '"', '$' and itself.
    Result<std::string> double_quote() {
        std::string r;
        next();
        if (o_.raw_quotes) r += '"';
        for (;;) {
            int c = peek();
            if (c == kEof) return fail("unexpected end of statement while looking for matching double-quote");
            if (c == '"') {
                next();
                if (o_.raw_quotes) r += '"';
                return r;
            }
            if (c == '$') {
                auto v = dollar();
                if (!v) return v;
                r += *v;
                continue;
            }
            int ch = next();
            if (ch == esc_) {
                if (raw_escapes_) r += static_cast<char>(ch);
                int n = peek();
                if (n == kEof) continue;
                if (n == '"' || n == '$' || n == esc_) ch = next();
            }
            r += static_cast<char>(ch);
        }
    }

    std::string name() {
        std::string n;
        while (peek() != kEof) {
            int c = peek();
            if (n.empty() && is_digit(c)) {
                while (is_digit(peek())) n += static_cast<char>(next());
                return n;
            }
            if (n.empty() && is_special(c)) return std::string(1, static_cast<char>(next()));
            if (!is_name_char(c)) break;
            n += static_cast<char>(next());
        }
        return n;
    }

    Result<std::string> dollar() {
        next();  // '$'
        if (peek() != '{') {
            std::string n = name();
            if (n.empty()) return std::string("$");
            auto v = get(n);
            if (!v && o_.skip_unset) return "$" + n;
            return v.value_or("");
        }
        next();  // '{'
        int c = peek();
        if (c == kEof) return fail("syntax error: missing '}}'");
        if (c == '{' || c == '}' || c == ':') return fail("syntax error: bad substitution");
        std::string n = name();
        int ch = next();
        if (ch == kEof) return fail("syntax error: missing '}}'");
        std::string mod(1, static_cast<char>(ch));
        if (ch == '}') {
            auto v = get(n);
            if (!v && o_.skip_unset) return "${" + n + "}";
            return v.value_or("");
        }
        if (ch == '/') return substitute(n);
        bool null_is_unset = ch == ':';
        if (null_is_unset) {
            ch = next();
            if (ch == kEof) return fail("syntax error: missing '}}'");
            mod += static_cast<char>(ch);
        }
        if (ch != '+' && ch != '-' && ch != '?' && ch != '#' && ch != '%')
            return fail("unsupported modifier ({}) in substitution", mod);
        bool pattern = ch == '#' || ch == '%';
        if (null_is_unset && pattern) return fail("unsupported modifier ({}) in substitution", mod);
        auto w = stop_on('}', pattern);
        if (!w) {
            if (peek() == kEof) return fail("syntax error: missing '}}'");
            return std::unexpected(w.error());
        }
        std::string word = std::move(w->word);
        auto v = get(n);
        if (!v && o_.skip_unset) return "${" + n + mod + word + "}";
        bool unset = !v || (null_is_unset && v->empty());
        switch (ch) {
        case '-': return unset ? word : *v;
        case '+': return unset ? std::string() : word;
        case '?':
            if (unset)
                return fail("{}: {}", n, !word.empty() ? word : !v ? "is not allowed to be unset" : "is not allowed to be empty");
            return *v;
        default: {
            bool longest = !word.empty() && word[0] == ch;
            std::string_view pat = longest ? std::string_view(word).substr(1) : std::string_view(word);
            return ch == '%' ? trim_suffix(v.value_or(""), pat, longest) : trim_prefix(v.value_or(""), pat, longest);
        }
        }
    }

    // ${V/pattern/replacement} and ${V//pattern/replacement}, after the first '/'.
    Result<std::string> substitute(const std::string& n) {
        bool all = peek() == '/';
        if (all) next();
        auto pat = stop_on('/', true);
        if (!pat) {
            if (peek() == kEof) return fail("syntax error: missing '/' in ${{}}");
            return std::unexpected(pat.error());
        }
        auto rep = stop_on('}', true);
        if (!rep) {
            if (peek() == kEof) return fail("syntax error: missing '}}'");
            return std::unexpected(rep.error());
        }
        auto v = get(n);
        if (!v && o_.skip_unset) return fmt::format("${{{}/{}/{}}}", n, pat->word, rep->word);
        return replace_pattern(v.value_or(""), pat->word, rep->word, all);
    }

    std::string_view in_;
    size_t p_ = 0;
    const Vars& vars_;
    const LexOptions& o_;
    int esc_;
    bool raw_escapes_;
};

}  // namespace

Result<Lexed> lex(std::string_view input, const Vars& vars, const LexOptions& opts) {
    return Lexer(input, vars, opts).run();
}

}  // namespace brig::build::dockerfile::detail
