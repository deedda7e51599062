#include "build/dockerfile/lines.hpp"

#include <algorithm>

namespace brig::build::dockerfile::detail {
namespace {

size_t first_non_space(std::string_view s) {
    size_t i = 0;
    while (i < s.size() && is_space(s[i])) ++i;
    return i;
}

bool is_comment(std::string_view s) {
    size_t i = first_non_space(s);
    return i < s.size() && s[i] == '#';
}

}  // namespace

Location LogicalLine::at(size_t offset, std::string_view file) const {
    Pos p = pos.empty() ? Pos{} : pos[std::min(offset, pos.size() - 1)];
    return Location{std::string(file), p.line, p.column};
}

LogicalLine LogicalLine::slice(size_t begin, size_t end) const {
    LogicalLine out;
    out.text = text.substr(begin, end - begin);
    out.pos.assign(pos.begin() + static_cast<std::ptrdiff_t>(begin), pos.begin() + static_cast<std::ptrdiff_t>(end));
    out.pos.push_back(pos[end]);
    return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    std::vector<std::string_view> out;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (line.ends_with('\r')) line.remove_suffix(1);
        out.push_back(line);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

bool LineReader::append(LogicalLine& out, std::string_view s, size_t line_index, size_t col0) const {
    size_t end = s.size();
    while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t')) --end;
    bool eol = !(end > 0 && s[end - 1] == escape_);
    size_t keep = eol ? s.size() : end - 1;
    for (size_t k = 0; k < keep; ++k) {
        out.text += s[k];
        out.pos.push_back(Pos{static_cast<int>(line_index + 1), static_cast<int>(col0 + k + 1)});
    }
    return eol;
}

std::optional<LogicalLine> LineReader::next() {
    while (next_ < lines_.size()) {
        size_t index = next_++;
        std::string_view raw = lines_[index];
        size_t start = first_non_space(raw);
        std::string_view s = raw.substr(start);
        if (s.starts_with('#')) continue;
        LogicalLine out;
        bool eol = append(out, s, index, start);
        Pos last{static_cast<int>(index + 1), static_cast<int>(raw.size() + 1)};
        while (!eol && next_ < lines_.size()) {
            size_t more = next_++;
            std::string_view line = lines_[more];
            // Comment lines and empty lines inside a continued instruction are dropped.
            if (is_comment(line) || first_non_space(line) == line.size()) continue;
            eol = append(out, line, more, 0);
            last = Pos{static_cast<int>(more + 1), static_cast<int>(line.size() + 1)};
        }
        if (first_non_space(out.text) == out.text.size()) continue;
        out.pos.push_back(last);
        return out;
    }
    return std::nullopt;
}

std::optional<std::string> LineReader::heredoc_body(std::string_view name, bool chomp) {
    std::string body;
    while (next_ < lines_.size()) {
        std::string_view line = lines_[next_++];
        std::string_view candidate = line;
        if (chomp) candidate.remove_prefix(std::min(candidate.find_first_not_of('\t'), candidate.size()));
        if (candidate == name) return body;
        body.append(line).append("\n");
    }
    return std::nullopt;
}

}  // namespace brig::build::dockerfile::detail
