// Heredoc references on an instruction line (RUN <<EOF, COPY <<-"a" <<b /dest/), found as
// BuildKit finds them: shell words of the line matching `^(\d*)<<(-?)([^<]*)$`, the
// delimiter being one word; quoting any part of it turns expansion off.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "build/dockerfile/ast.hpp"

namespace brig::build::dockerfile {

// One word as a heredoc reference ("<<EOF", "<<-'EOF'", "3<<EOF"); nullopt if it is not one.
// The body is left empty.
std::optional<Heredoc> parse_heredoc_word(std::string_view word);

// The body without the leading tabs of each line (what <<- means).
std::string chomp_tabs(std::string_view body);

namespace detail {
struct HeredocRef {
    Heredoc doc;
    size_t offset = 0;  // where the reference starts in the line
};
// The heredoc references of an instruction line, in order.
std::vector<HeredocRef> find_heredocs(std::string_view line);
}  // namespace detail

}  // namespace brig::build::dockerfile
