#include "build/dockerfile/expand.hpp"

#include "build/dockerfile/lex.hpp"

namespace brig::build::dockerfile {
namespace {

Result<detail::Lexed> run(std::string_view text, const Vars& vars, const detail::LexOptions& o) {
    auto r = detail::lex(text, vars, o);
    if (!r) return std::unexpected(std::move(r.error()).context(fmt::format("failed to process \"{}\"", text)));
    return r;
}

}  // namespace

Result<std::string> expand(std::string_view word, const Vars& vars, char escape) {
    auto r = run(word, vars, {.escape = escape});
    if (!r) return std::unexpected(r.error());
    return std::move(r->word);
}

Result<std::vector<std::string>> expand_words(std::string_view text, const Vars& vars, char escape) {
    auto r = run(text, vars, {.escape = escape});
    if (!r) return std::unexpected(r.error());
    return std::move(r->words);
}

Result<std::string> expand_heredoc(std::string_view body, const Vars& vars) {
    auto r = run(body, vars, {.escape = '\\', .skip_quotes = true});
    if (!r) return std::unexpected(r.error());
    return std::move(r->word);
}

}  // namespace brig::build::dockerfile
