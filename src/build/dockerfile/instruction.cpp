#include "build/dockerfile/instruction.hpp"

#include <nlohmann/json.hpp>

#include "build/dockerfile/heredoc.hpp"
#include "build/dockerfile/words.hpp"
#include "common/strings.hpp"

namespace brig::build::dockerfile::detail {
namespace {

using enum FlagType;
constexpr FlagSpec kFromFlags[] = {{"platform", kString}};
constexpr FlagSpec kRunFlags[] = {{"mount", kStrings}, {"network", kString}};
constexpr FlagSpec kCopyFlags[] = {{"from", kString}, {"chown", kString}, {"chmod", kString}, {"link", kBool}};
constexpr FlagSpec kAddFlags[] = {{"chown", kString},    {"chmod", kString},         {"link", kBool},
                                  {"checksum", kString}, {"keep-git-dir", kBool}};
constexpr FlagSpec kHealthcheckFlags[] = {{"interval", kString},
                                          {"timeout", kString},
                                          {"start-period", kString},
                                          {"start-interval", kString},
                                          {"retries", kString}};

using enum ArgForm;
constexpr InstructionSpec kInstructions[] = {
    {"ADD", kMaybeJsonList, true, kAddFlags},
    {"ARG", kPlain, false, {}},
    {"CMD", kMaybeJson, false, {}},
    {"COPY", kMaybeJsonList, true, kCopyFlags},
    {"ENTRYPOINT", kMaybeJson, false, {}},
    {"ENV", kPlain, false, {}},
    {"EXPOSE", kPlain, false, {}},
    {"FROM", kPlain, false, kFromFlags},
    {"HEALTHCHECK", kHealthcheck, false, kHealthcheckFlags},
    {"LABEL", kPlain, false, {}},
    {"MAINTAINER", kPlain, false, {}},
    {"ONBUILD", kOnbuild, false, {}},
    {"RUN", kMaybeJson, true, kRunFlags},
    {"SHELL", kMaybeJson, false, {}},
    {"STOPSIGNAL", kPlain, false, {}},
    {"USER", kPlain, false, {}},
    {"VOLUME", kMaybeJsonList, false, {}},
    {"WORKDIR", kPlain, false, {}},
};

// `s` (no leading white space) as docker reads the exec form: a JSON array of strings, or
// not JSON at all (then it is shell form); an array holding anything else is an error.
Result<bool> json_form(std::string_view s, const Location& loc, std::vector<std::string>& out) {
    if (!s.starts_with('[')) return false;
    auto j = nlohmann::json::parse(s.begin(), s.end(), nullptr, false);
    if (j.is_discarded() || !j.is_array()) return false;
    for (const auto& e : j) {
        if (!e.is_string()) return fail_at(loc, "when using JSON array syntax, arrays must be comprised of strings only");
        out.push_back(e.get<std::string>());
    }
    return true;
}

}  // namespace

const InstructionSpec* find_instruction(std::string_view keyword) {
    std::string lower = to_lower(keyword);
    for (const InstructionSpec& spec : kInstructions)
        if (to_lower(spec.keyword) == lower) return &spec;
    return nullptr;
}

Result<ParsedLine> parse_line(const LogicalLine& line, std::string_view file) {
    const std::string& t = line.text;
    size_t b = 0, e = t.size();
    while (b < e && is_space(t[b])) ++b;
    while (e > b && is_space(t[e - 1])) --e;
    size_t k = b;
    while (k < e && !is_space(t[k])) ++k;

    ParsedLine out;
    Instruction& in = out.instr;
    in.loc = line.at(b, file);
    std::string_view keyword(t.data() + b, k - b);
    const InstructionSpec* spec = find_instruction(keyword);
    if (!spec) return fail_at(in.loc, "unknown instruction: {}", keyword);
    in.keyword = spec->keyword;
    in.original = t.substr(b, e - b);

    size_t r = k;
    while (r < e && is_space(t[r])) ++r;
    FlagWords fw = extract_flag_words(std::string_view(t).substr(r, e - r));
    std::vector<std::pair<std::string, Location>> words;
    for (RawWord& w : fw.flags) words.emplace_back(std::move(w.text), line.at(r + w.offset, file));
    auto flags = check_flags(words, spec->flags);
    if (!flags) return std::unexpected(flags.error());
    in.flags = std::move(*flags);

    size_t a = r + fw.rest;
    while (a < e && is_space(t[a])) ++a;
    in.text = t.substr(a, e - a);

    switch (spec->form) {
    case kPlain: break;
    case kMaybeJson:
    case kMaybeJsonList: {
        auto j = json_form(in.text, line.at(a, file), in.json_args);
        if (!j) return std::unexpected(j.error());
        in.json_form = *j;
        break;
    }
    case kHealthcheck: {
        size_t c = a;
        while (c < e && !is_space(t[c])) ++c;
        while (c < e && is_space(t[c])) ++c;
        auto j = json_form(std::string_view(t).substr(c, e - c), line.at(c, file), in.json_args);
        if (!j) return std::unexpected(j.error());
        in.json_form = *j;
        break;
    }
    case kOnbuild: {
        if (a == e) return fail_at(in.loc, "ONBUILD requires at least one argument");
        auto sub = parse_line(line.slice(a, e), file);
        if (!sub) return sub;
        const Instruction& trigger = sub->instr;
        if (trigger.keyword == "ONBUILD")
            return fail_at(trigger.loc, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if (trigger.keyword == "FROM" || trigger.keyword == "MAINTAINER")
            return fail_at(trigger.loc, "{} isn't allowed as an ONBUILD trigger", trigger.keyword);
        in.heredocs = trigger.heredocs;
        out.heredoc_locs = std::move(sub->heredoc_locs);
        out.trigger.push_back(std::move(sub->instr));
        return out;
    }
    }

    if (spec->heredocs && !in.json_form && in.text.find("<<") != std::string::npos) {
        for (HeredocRef& ref : find_heredocs(in.original)) {
            in.heredocs.push_back(std::move(ref.doc));
            out.heredoc_locs.push_back(line.at(b + ref.offset, file));
        }
    }
    return out;
}

}  // namespace brig::build::dockerfile::detail
