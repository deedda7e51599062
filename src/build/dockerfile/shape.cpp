#include "build/dockerfile/shape.hpp"

#include <charconv>

#include "build/dockerfile/heredoc.hpp"
#include "build/dockerfile/lines.hpp"
#include "build/dockerfile/words.hpp"
#include "common/strings.hpp"
#include "common/units.hpp"

namespace brig::build::dockerfile::detail {
namespace {

bool valid_stage_name(std::string_view s) {
    if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) return false;
    return true;
}

// A HEALTHCHECK duration flag: unset or 0 -> 0; otherwise at least 1ms.
Result<int64_t> interval(const Instruction& i, std::string_view name) {
    const Flag* f = find_flag(i, name);
    if (!f || f->value.empty()) return 0;
    auto d = parse_duration(f->value);
    if (!d) return fail_at(f->loc, "--{}: {}", name, d.error().message);
    if (d->count() == 0) return 0;
    if (d->count() < 1'000'000) return fail_at(f->loc, "Interval \"{}\" cannot be less than 1ms", name);
    return d->count();
}

}  // namespace

const Flag* find_flag(const Instruction& i, std::string_view name) {
    const Flag* found = nullptr;
    for (const Flag& f : i.flags)
        if (f.name == name) found = &f;
    return found;
}

std::vector<std::string> split_spaces(std::string_view text) {
    std::vector<std::string> out;
    size_t p = 0;
    while (p < text.size()) {
        while (p < text.size() && is_space(text[p])) ++p;
        size_t b = p;
        while (p < text.size() && !is_space(text[p])) ++p;
        if (p > b) out.emplace_back(text.substr(b, p - b));
    }
    return out;
}

Result<std::vector<RawPair>> raw_pairs(const Instruction& i, char escape) {
    std::vector<RawWord> words = split_words_raw(i.text, escape);
    if (words.empty()) return fail_at(i.loc, "{} requires at least one argument", i.keyword);
    std::vector<RawPair> out;
    if (i.keyword == "ARG") {
        for (const RawWord& w : words) {
            auto kv = split_key_value(w.text);
            if (kv.key.empty()) return fail_at(i.loc, "ARG names can not be blank");
            out.push_back({std::string(kv.key), kv.has_value ? std::optional<std::string>(kv.value) : std::nullopt});
        }
        return out;
    }
    if (words[0].text.find('=') == std::string::npos) {  // the old form: KEY value...
        size_t k = 0;
        while (k < i.text.size() && !is_space(i.text[k])) ++k;
        size_t v = k;
        while (v < i.text.size() && is_space(i.text[v])) ++v;
        if (v == i.text.size()) return fail_at(i.loc, "{} must have two arguments", i.keyword);
        out.push_back({i.text.substr(0, k), i.text.substr(v)});
        return out;
    }
    for (const RawWord& w : words) {
        auto kv = split_key_value(w.text);
        if (!kv.has_value)
            return fail_at(i.loc, "Syntax error - can't find = in \"{}\". Must be of the form: name=value", w.text);
        if (kv.key.empty()) return fail_at(i.loc, "{} names can not be blank", i.keyword);
        out.push_back({std::string(kv.key), std::string(kv.value)});
    }
    return out;
}

std::vector<std::string> raw_args(const Instruction& i) { return i.json_form ? i.json_args : split_spaces(i.text); }

Result<RawFrom> raw_from(const Instruction& i) {
    std::vector<std::string> args = split_spaces(i.text);
    if (args.size() == 1) return RawFrom{args[0], ""};
    if (args.size() != 3 || to_lower(args[1]) != "as")
        return fail_at(i.loc, "FROM requires either one or three arguments");
    std::string name = to_lower(args[2]);
    if (!valid_stage_name(name))
        return fail_at(i.loc, "invalid name for build stage: \"{}\", name can't start with a number or contain symbols",
                       args[2]);
    return RawFrom{args[0], name};
}

Result<Healthcheck> decode_healthcheck(const Instruction& i) {
    std::vector<std::string> words = split_spaces(i.text);
    if (words.empty()) return fail_at(i.loc, "HEALTHCHECK requires at least one argument");
    std::string type = words[0];
    for (char& c : type)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    std::string_view rest = trim(std::string_view(i.text).substr(words[0].size()));
    Healthcheck h;
    if (type == "NONE") {
        if (!rest.empty()) return fail_at(i.loc, "HEALTHCHECK NONE takes no arguments");
        h.none = true;
        h.test = {"NONE"};
        return h;
    }
    if (type != "CMD") return fail_at(i.loc, "Unknown type \"{}\" in HEALTHCHECK (try CMD)", type);
    if (i.json_form ? i.json_args.empty() : rest.empty()) return fail_at(i.loc, "Missing command after HEALTHCHECK CMD");
    if (i.json_form) {
        h.test = {"CMD"};
        h.test.insert(h.test.end(), i.json_args.begin(), i.json_args.end());
    } else {
        h.test = {"CMD-SHELL", std::string(rest)};
    }
    for (auto [name, out] : {std::pair{"interval", &h.interval_ns}, std::pair{"timeout", &h.timeout_ns},
                             std::pair{"start-period", &h.start_period_ns},
                             std::pair{"start-interval", &h.start_interval_ns}}) {
        auto d = interval(i, name);
        if (!d) return std::unexpected(d.error());
        *out = *d;
    }
    if (const Flag* f = find_flag(i, "retries"); f && !f->value.empty()) {
        int64_t n = 0;
        auto [end, ec] = std::from_chars(f->value.data(), f->value.data() + f->value.size(), n);
        if (ec != std::errc() || end != f->value.data() + f->value.size() || n < INT32_MIN || n > INT32_MAX)
            return fail_at(f->loc, "--retries: invalid number \"{}\"", f->value);
        if (n < 0) return fail_at(f->loc, "--retries cannot be negative ({})", n);
        h.retries = static_cast<int>(n);
    }
    return h;
}

Result<void> check_shape(const Instruction& i, char escape) {
    const std::string& kw = i.keyword;
    if (kw == "FROM") {
        if (auto r = raw_from(i); !r) return std::unexpected(r.error());
    } else if (kw == "RUN") {
        if (i.text.empty() || (i.json_form && i.json_args.empty()))
            return fail_at(i.loc, "RUN requires at least one argument");
    } else if (kw == "COPY" || kw == "ADD") {
        std::vector<std::string> args = raw_args(i);
        if (args.size() < 2)
            return fail_at(i.loc, "{} requires at least two arguments, but only one was provided. Destination could not be determined", kw);
        if (!i.json_form && parse_heredoc_word(args.back()))
            return fail_at(i.loc, "{} cannot accept a heredoc as a destination", kw);
    } else if (kw == "ENV" || kw == "LABEL" || kw == "ARG") {
        if (auto r = raw_pairs(i, escape); !r) return std::unexpected(r.error());
    } else if (kw == "EXPOSE" || kw == "VOLUME") {
        std::vector<std::string> args = raw_args(i);
        if (args.empty()) return fail_at(i.loc, "{} requires at least one argument", kw);
        for (const std::string& a : args)
            if (trim(a).empty()) return fail_at(i.loc, "VOLUME specified can not be an empty string");
    } else if (kw == "USER" || kw == "WORKDIR" || kw == "STOPSIGNAL" || kw == "MAINTAINER") {
        if (i.text.empty()) return fail_at(i.loc, "{} requires exactly one argument", kw);
    } else if (kw == "SHELL") {
        if (!i.json_form) return fail_at(i.loc, "SHELL requires the arguments to be in JSON form");
        if (i.json_args.empty()) return fail_at(i.loc, "SHELL requires at least one argument");
    } else if (kw == "HEALTHCHECK") {
        if (auto r = decode_healthcheck(i); !r) return std::unexpected(r.error());
    }
    return {};
}

}  // namespace brig::build::dockerfile::detail
