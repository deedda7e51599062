#include "build/dockerfile/decode.hpp"

#include "build/dockerfile/decode_steps.hpp"
#include "build/dockerfile/shape.hpp"
#include "build/dockerfile/values.hpp"
#include "common/strings.hpp"

namespace brig::build::dockerfile {
namespace {

using detail::Expander;

Result<From> decode_from(const Instruction& i, const Expander& ex) {
    auto raw = detail::raw_from(i);
    if (!raw) return std::unexpected(raw.error());
    From f;
    auto image = ex.word(raw->image);
    if (!image) return std::unexpected(image.error());
    if (image->empty()) return fail_at(i.loc, "base name ({}) should not be blank", raw->image);
    f.image = std::move(*image);
    f.name = std::move(raw->name);
    auto platform = ex.flag("platform");
    if (!platform) return std::unexpected(platform.error());
    f.platform = std::move(*platform);
    return f;
}

// ENV and LABEL: keys and values expanded, every pair with the variables from before the
// instruction (ENV a=1 b=$a sees the old a, as in docker).
Result<std::vector<std::pair<std::string, std::string>>> decode_pairs(const Instruction& i, const Expander& ex) {
    auto raw = detail::raw_pairs(i, ex.escape());
    if (!raw) return std::unexpected(raw.error());
    std::vector<std::pair<std::string, std::string>> out;
    for (const detail::RawPair& p : *raw) {
        auto key = ex.word(p.key);
        if (!key) return std::unexpected(key.error());
        auto value = ex.word(p.value.value_or(""));
        if (!value) return std::unexpected(value.error());
        out.emplace_back(std::move(*key), std::move(*value));
    }
    return out;
}

Result<Arg> decode_arg(const Instruction& i, const Expander& ex) {
    auto raw = detail::raw_pairs(i, ex.escape());
    if (!raw) return std::unexpected(raw.error());
    Arg a;
    for (const detail::RawPair& p : *raw) {
        std::optional<std::string> value;
        if (p.value) {
            auto v = ex.word(*p.value);
            if (!v) return std::unexpected(v.error());
            value = std::move(*v);
        }
        a.args.emplace_back(p.key, std::move(value));
    }
    return a;
}

Result<Expose> decode_expose(const Instruction& i, const Expander& ex) {
    Expose e;
    for (const std::string& word : detail::raw_args(i)) {
        auto v = ex.word(word);
        if (!v) return std::unexpected(v.error());
        for (const std::string& spec : detail::split_spaces(*v)) {
            auto port = detail::normalize_port(spec);
            if (!port) return fail_at(i.loc, "{}", port.error().message);
            e.ports.push_back(std::move(*port));
        }
    }
    if (e.ports.empty()) return fail_at(i.loc, "EXPOSE requires at least one argument");
    return e;
}

Result<Volume> decode_volume(const Instruction& i, const Expander& ex) {
    Volume vol;
    for (const std::string& word : detail::raw_args(i)) {
        auto v = ex.word(word);
        if (!v) return std::unexpected(v.error());
        if (trim(*v).empty()) return fail_at(i.loc, "VOLUME specified can not be an empty string");
        vol.paths.push_back(std::move(*v));
    }
    if (vol.paths.empty()) return fail_at(i.loc, "VOLUME requires at least one argument");
    return vol;
}

Result<std::string> decode_one(const Instruction& i, const Expander& ex) {
    if (i.text.empty()) return fail_at(i.loc, "{} requires exactly one argument", i.keyword);
    return ex.word(i.text);
}

template <class T>
T exec_form(const Instruction& i) {
    T t;
    t.shell_form = !i.json_form && !i.text.empty();
    if (i.json_form)
        t.argv = i.json_args;
    else if (!i.text.empty())
        t.argv = {i.text};
    return t;
}

OnBuild decode_onbuild(const Instruction& i) {
    OnBuild o{i.text};
    for (const Heredoc& h : i.heredocs) o.instruction += "\n" + h.body + h.name;
    return o;
}

template <class T>
Result<Command> wrap(Result<T>&& r) {
    if (!r) return std::unexpected(std::move(r.error()));
    return Command(std::move(*r));
}

// Result<V> -> Result<Command> holding T{V}.
template <class T, class V>
Result<Command> wrap_as(Result<V>&& r) {
    if (!r) return std::unexpected(std::move(r.error()));
    return Command(T{std::move(*r)});
}

}  // namespace

Result<Command> decode(const Instruction& i, const Vars& vars, char escape) {
    Expander ex(i, vars, escape);
    if (auto ok = detail::check_shape(i, escape); !ok) return std::unexpected(ok.error());
    const std::string& kw = i.keyword;
    if (kw == "FROM") return wrap(decode_from(i, ex));
    if (kw == "RUN") return wrap(detail::decode_run(i, ex));
    if (kw == "COPY" || kw == "ADD") return wrap(detail::decode_copy(i, ex));
    if (kw == "ENV") return wrap_as<Env>(decode_pairs(i, ex));
    if (kw == "LABEL") return wrap_as<Label>(decode_pairs(i, ex));
    if (kw == "ARG") return wrap(decode_arg(i, ex));
    if (kw == "CMD") return Command(exec_form<Cmd>(i));
    if (kw == "ENTRYPOINT") return Command(exec_form<Entrypoint>(i));
    if (kw == "EXPOSE") return wrap(decode_expose(i, ex));
    if (kw == "VOLUME") return wrap(decode_volume(i, ex));
    if (kw == "USER") return wrap_as<User>(decode_one(i, ex));
    if (kw == "WORKDIR") return wrap_as<Workdir>(decode_one(i, ex));
    if (kw == "STOPSIGNAL") {
        auto sig = decode_one(i, ex);
        if (!sig) return std::unexpected(sig.error());
        if (!detail::valid_signal(*sig)) return fail_at(i.loc, "Invalid signal: {}", *sig);
        return Command(StopSignal{std::move(*sig)});
    }
    if (kw == "SHELL") return Command(Shell{i.json_args});
    if (kw == "HEALTHCHECK") return wrap(detail::decode_healthcheck(i));
    if (kw == "ONBUILD") return Command(decode_onbuild(i));
    if (kw == "MAINTAINER") return Command(Maintainer{i.text});
    return fail_at(i.loc, "unknown instruction: {}", kw);
}

}  // namespace brig::build::dockerfile
