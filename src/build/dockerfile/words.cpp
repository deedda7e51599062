#include "build/dockerfile/words.hpp"

#include "build/dockerfile/lines.hpp"

namespace brig::build::dockerfile::detail {

std::vector<RawWord> split_words_raw(std::string_view s, char escape) {
    enum { kSpaces, kWord, kQuote } phase = kSpaces;
    std::vector<RawWord> words;
    RawWord word;
    char quote = 0;
    bool blank_ok = false;
    auto flush = [&] {
        if (blank_ok || !word.text.empty()) words.push_back(std::move(word));
        word = RawWord{};
        blank_ok = false;
    };
    for (size_t pos = 0; pos < s.size(); ++pos) {
        char ch = s[pos];
        if (phase == kSpaces) {
            if (is_space(ch)) continue;
            phase = kWord;
            word.offset = pos;
        }
        if (phase == kWord) {
            if (is_space(ch)) {
                phase = kSpaces;
                flush();
                continue;
            }
            if (ch == '\'' || ch == '"') {
                quote = ch;
                blank_ok = true;
                phase = kQuote;
            } else if (ch == escape) {
                if (pos + 1 == s.size()) continue;  // an escape at the end is dropped
                word.text += ch;                    // kept, with the character it escapes
                ch = s[++pos];
            }
            word.text += ch;
            continue;
        }
        // In quotes: the escape character escapes, except inside '...'.
        if (ch == quote) {
            phase = kWord;
        } else if (ch == escape && quote != '\'') {
            if (pos + 1 == s.size()) {
                phase = kWord;
                continue;
            }
            word.text += ch;
            ch = s[++pos];
        }
        word.text += ch;
    }
    if (phase != kSpaces) flush();
    return words;
}

FlagWords extract_flag_words(std::string_view s) {
    enum { kSpaces, kWord, kQuote } phase = kSpaces;
    FlagWords out;
    RawWord word;
    char quote = 0;
    bool blank_ok = false;
    for (size_t pos = 0; pos <= s.size(); ++pos) {
        char ch = pos < s.size() ? s[pos] : '\0';
        if (phase == kSpaces) {
            if (pos == s.size()) break;
            if (is_space(ch)) continue;
            if (ch != '-' || pos + 1 == s.size() || s[pos + 1] != '-') {
                out.rest = pos;
                return out;
            }
            phase = kWord;
            word.offset = pos;
        }
        if (pos == s.size()) {
            if (word.text != "--" && (blank_ok || !word.text.empty())) out.flags.push_back(std::move(word));
            break;
        }
        if (phase == kWord) {
            if (is_space(ch)) {
                phase = kSpaces;
                if (word.text == "--") {
                    out.rest = pos;
                    return out;
                }
                if (blank_ok || !word.text.empty()) out.flags.push_back(std::move(word));
                word = RawWord{};
                blank_ok = false;
                continue;
            }
            if (ch == '\'' || ch == '"') {
                quote = ch;
                blank_ok = true;
                phase = kQuote;
                continue;
            }
            if (ch == '\\') {
                if (pos + 1 == s.size()) continue;
                ch = s[++pos];
            }
            word.text += ch;
            continue;
        }
        if (ch == quote) {
            phase = kWord;
            continue;
        }
        if (ch == '\\') {
            if (pos + 1 == s.size()) {
                phase = kWord;
                continue;
            }
            ch = s[++pos];
        }
        word.text += ch;
    }
    out.rest = s.size();
    return out;
}

}  // namespace brig::build::dockerfile::detail
