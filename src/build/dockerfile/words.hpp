// The parser's word splitters that keep a line as written (no expansion): docker's
// parseWords, behind ENV/LABEL/ARG, and the extraction of an instruction's leading --flags.
// Internal to the parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace brig::build::dockerfile::detail {

struct RawWord {
    std::string text;
    size_t offset = 0;  // where the word starts in the input
};

// Split at white space outside quotes; quotes and escape characters stay in the words
// (`a="b c" d` -> {`a="b c"`, `d`}); an escape at the very end is dropped.
std::vector<RawWord> split_words_raw(std::string_view s, char escape);

struct FlagWords {
    std::vector<RawWord> flags;  // "--name=value" with quotes removed and '\' escapes applied
    size_t rest = 0;             // offset of the first argument after the flags
};
// The leading words that start with "--" (a bare "--" ends them and is dropped). As in
// BuildKit the escape here is always '\', whatever the escape directive says.
FlagWords extract_flag_words(std::string_view s);

}  // namespace brig::build::dockerfile::detail
