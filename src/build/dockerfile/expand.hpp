// Variable expansion and shell-like word splitting as docker does it for Dockerfile words:
// $V, ${V}, ${V:-w}, ${V-w}, ${V:+w}, ${V+w}, ${V:?msg}, ${V?msg}, ${V#p}, ${V##p}, ${V%p},
// ${V%%p}, ${V/p/r}, ${V//p/r}; single and double quotes; the escape character.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace brig::build::dockerfile {

// The variables in scope, name -> value; when a name appears twice the later entry wins.
using Vars = std::vector<std::pair<std::string, std::string>>;

// One word, expanded: quotes are removed (single quotes suppress expansion, double quotes do
// not), `escape` takes the next character literally, unset variables expand to "".
// Errors: unterminated quotes or ${, a bad substitution, an unsupported modifier,
// ${V?msg} with V unset: "failed to process \"${A\": syntax error: missing '}'".
Result<std::string> expand(std::string_view word, const Vars& vars, char escape = '\\');

// Expands, then splits at white space outside quotes (white space produced by an unquoted
// expansion splits too): `a "b c" $V` with V="d e" -> {"a", "b c", "d", "e"}.
Result<std::vector<std::string>> expand_words(std::string_view text, const Vars& vars, char escape = '\\');

// A heredoc body as COPY/ADD writes it when its delimiter was unquoted: only $-expansion,
// quotes are ordinary characters; '\' still escapes the next character (as BuildKit does,
// whatever the escape directive says).
Result<std::string> expand_heredoc(std::string_view body, const Vars& vars);

}  // namespace brig::build::dockerfile
