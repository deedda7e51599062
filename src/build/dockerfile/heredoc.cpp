#include "build/dockerfile/heredoc.hpp"

#include <algorithm>

#include "build/dockerfile/lex.hpp"

namespace brig::build::dockerfile {
namespace {

size_t quotes(std::string_view s) { return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return c == '"' || c == '\''; })); }

}  // namespace

std::optional<Heredoc> parse_heredoc_word(std::string_view word) {
    size_t i = 0;
    while (i < word.size() && word[i] >= '0' && word[i] <= '9') ++i;
    if (word.substr(i, 2) != "<<") return std::nullopt;
    i += 2;
    Heredoc doc;
    if (i < word.size() && word[i] == '-') {
        doc.chomp_tabs = true;
        ++i;
    }
    std::string_view rest = word.substr(i);
    if (rest.empty() || rest.find('<') != std::string_view::npos) return std::nullopt;
    // The delimiter must be one shell word; its quotes decide whether the body expands.
    auto plain = detail::lex(rest, {}, {.skip_unset = true});
    auto raw = detail::lex(rest, {}, {.raw_quotes = true, .skip_unset = true});
    if (!plain || !raw || plain->words.size() != 1 || raw->words.size() != 1) return std::nullopt;
    doc.name = plain->words[0];
    doc.expand = quotes(plain->words[0]) == quotes(raw->words[0]);
    return doc;
}

std::string chomp_tabs(std::string_view body) {
    std::string out;
    bool line_start = true;
    for (char c : body) {
        if (line_start && c == '\t') continue;
        line_start = c == '\n';
        out += c;
    }
    return out;
}

namespace detail {

std::vector<HeredocRef> find_heredocs(std::string_view line) {
    std::vector<HeredocRef> out;
    // Words as written (quotes and escapes kept), so that a quoted "<<EOF" is no reference.
    auto words = lex(line, {}, {.raw_quotes = true, .raw_escapes = true});
    if (!words) return out;
    size_t cursor = 0;
    for (const std::string& w : words->words) {
        size_t at = line.find(w, cursor);
        if (at != std::string_view::npos) cursor = at + w.size();
        if (auto doc = parse_heredoc_word(w))
            out.push_back(HeredocRef{std::move(*doc), at == std::string_view::npos ? 0 : at});
    }
    return out;
}

}  // namespace detail
}  // namespace brig::build::dockerfile
