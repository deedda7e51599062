#include "build/dockerfile/directives.hpp"

#include <optional>
#include <set>

#include "build/dockerfile/ast.hpp"
#include "build/dockerfile/lines.hpp"
#include "common/strings.hpp"

namespace brig::build::dockerfile::detail {
namespace {

// Go's \s in the directive regexp: [\t\n\f\r ].
bool re_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

struct Directive {
    std::string key;  // lower case
    std::string value;
};

// `#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` on the line without its leading white space.
std::optional<Directive> match(std::string_view s) {
    size_t i = 0;
    if (i >= s.size() || s[i] != '#') return std::nullopt;
    ++i;
    while (i < s.size() && re_space(s[i])) ++i;
    size_t key_begin = i;
    if (i >= s.size() || !is_alpha(s[i])) return std::nullopt;
    while (i < s.size() && is_alnum(s[i])) ++i;
    std::string_view key = s.substr(key_begin, i - key_begin);
    while (i < s.size() && re_space(s[i])) ++i;
    if (i >= s.size() || s[i] != '=') return std::nullopt;
    ++i;
    while (i < s.size() && re_space(s[i])) ++i;
    size_t end = s.size();
    while (end > i && re_space(s[end - 1])) --end;
    if (end == i) return std::nullopt;
    return Directive{to_lower(key), std::string(s.substr(i, end - i))};
}

}  // namespace

Result<Directives> read_directives(const std::vector<std::string_view>& lines, std::string_view file) {
    Directives out;
    std::set<std::string> seen;
    for (size_t n = 0; n < lines.size(); ++n) {
        std::string_view line = lines[n];
        size_t start = 0;
        while (start < line.size() && is_space(line[start])) ++start;
        auto d = match(line.substr(start));
        if (!d || (d->key != "escape" && d->key != "syntax" && d->key != "check")) break;
        Location loc{std::string(file), static_cast<int>(n + 1), static_cast<int>(start + 1)};
        if (!seen.insert(d->key).second) return fail_at(loc, "only one {} parser directive can be used", d->key);
        if (d->key == "escape") {
            if (d->value != "\\" && d->value != "`")
                return fail_at(loc, "invalid escape token '{}' does not match ` or \\", d->value);
            out.escape = d->value[0];
        } else if (d->key == "syntax") {
            out.syntax = d->value;
        }
    }
    return out;
}

}  // namespace brig::build::dockerfile::detail
