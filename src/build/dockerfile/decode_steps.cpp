#include "build/dockerfile/decode_steps.hpp"

#include "build/dockerfile/heredoc.hpp"
#include "build/dockerfile/mount.hpp"
#include "build/dockerfile/shape.hpp"
#include "build/dockerfile/values.hpp"

namespace brig::build::dockerfile::detail {

Result<std::string> Expander::word(std::string_view w, const Location* at) const {
    auto r = expand(w, vars_, escape_);
    if (!r) return fail_at(at ? *at : i_.loc, "{}", r.error().message);
    return r;
}

Result<std::string> Expander::flag(std::string_view name) const {
    const Flag* f = find_flag(i_, name);
    if (!f) return std::string();
    return word(f->value, &f->loc);
}

Result<Run> decode_run(const Instruction& i, const Expander& ex) {
    Run run;
    run.shell_form = !i.json_form;
    run.argv = i.json_form ? i.json_args : std::vector<std::string>{i.text};
    run.heredocs = i.heredocs;
    for (const Flag& f : i.flags) {
        if (f.name != "mount") continue;
        auto m = parse_mount(f.value, [&](std::string_view v) { return expand(v, ex.vars(), ex.escape()); });
        if (!m) return fail_at(f.loc, "--mount={}: {}", f.value, m.error().message);
        run.mounts.push_back(std::move(*m));
    }
    auto network = ex.flag("network");
    if (!network) return std::unexpected(network.error());
    if (*network != "" && *network != "default" && *network != "none" && *network != "host")
        return fail_at(find_flag(i, "network")->loc, "unsupported network mode \"{}\"", *network);
    run.network = *network == "default" ? "" : *network;
    return run;
}

Result<Copy> decode_copy(const Instruction& i, const Expander& ex) {
    Copy c;
    c.add = i.keyword == "ADD";
    std::vector<std::string> args = raw_args(i);
    if (args.size() < 2)
        return fail_at(i.loc, "{} requires at least two arguments, but only one was provided. Destination could not be determined", i.keyword);
    for (size_t k = 0; k + 1 < args.size(); ++k) {
        auto ref = i.json_form ? std::nullopt : parse_heredoc_word(args[k]);
        if (!ref) {
            auto src = ex.word(args[k]);
            if (!src) return std::unexpected(src.error());
            c.sources.push_back(std::move(*src));
            continue;
        }
        Heredoc doc = std::move(*ref);
        for (const Heredoc& h : i.heredocs)
            if (h.name == doc.name) doc.body = h.chomp_tabs ? chomp_tabs(h.body) : h.body;
        if (doc.expand) {
            auto body = expand_heredoc(doc.body, ex.vars());
            if (!body) return fail_at(i.loc, "{}", body.error().message);
            doc.body = std::move(*body);
        }
        c.heredocs.push_back(std::move(doc));
    }
    auto dest = ex.word(args.back());
    if (!dest) return std::unexpected(dest.error());
    c.dest = std::move(*dest);

    for (auto [name, out] : {std::pair{"from", &c.from}, std::pair{"chown", &c.chown}, std::pair{"chmod", &c.chmod},
                             std::pair{"checksum", &c.checksum}}) {
        auto v = ex.flag(name);
        if (!v) return std::unexpected(v.error());
        *out = std::move(*v);
    }
    if (!c.chmod.empty() && !valid_octal_mode(c.chmod))
        return fail_at(find_flag(i, "chmod")->loc,
                       "invalid chmod parameter: {}. it should be octal string and between 0 and 07777", c.chmod);
    if (!c.checksum.empty()) {
        const Location& at = find_flag(i, "checksum")->loc;
        if (!valid_digest(c.checksum)) return fail_at(at, "invalid checksum digest format: {}", c.checksum);
        if (c.sources.size() + c.heredocs.size() != 1) return fail_at(at, "checksum can't be specified for multiple sources");
    }
    const Flag* link = find_flag(i, "link");
    c.link = link && link->value == "true";
    const Flag* keep = find_flag(i, "keep-git-dir");
    c.keep_git_dir = keep && keep->value == "true";
    return c;
}

}  // namespace brig::build::dockerfile::detail
