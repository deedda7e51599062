#include "build/dockerfile/mount.hpp"

#include <algorithm>

#include "build/dockerfile/values.hpp"
#include "common/strings.hpp"
#include "common/units.hpp"

namespace brig::build::dockerfile::detail {
namespace {

bool one_of(std::string_view s, std::initializer_list<std::string_view> set) {
    for (std::string_view x : set)
        if (s == x) return true;
    return false;
}

const std::string* option(const Mount& m, std::string_view key) {
    const std::string* found = nullptr;
    for (const auto& [k, v] : m.options)
        if (k == key) found = &v;
    return found;
}

// The checks that need the whole mount.
Result<void> check_mount(const Mount& m) {
    bool file_info = one_of(m.type, {"secret", "ssh", "cache"});
    for (std::string_view key : {"mode", "uid", "gid"})
        if (!file_info && option(m, key)) return fail("{} not allowed for \"{}\" type mounts", key, m.type);
    if (one_of(m.type, {"bind", "cache", "tmpfs"}) && (!option(m, "target") || option(m, "target")->empty()))
        return fail("mount type={} needs a target", m.type);
    if (m.type == "secret") {
        if (option(m, "from")) return fail("secret mount should not have a from");
        if (!option(m, "source") && !option(m, "target") && !option(m, "id") && !option(m, "env"))
            return fail("invalid secret mount: one of id, source, target or env is required");
        if (option(m, "source") && option(m, "id")) return fail("both source and id can't be set");
    }
    return {};
}

}  // namespace

Result<std::vector<std::string>> csv_fields(std::string_view s) {
    if (s.empty()) return fail("empty mount specification");
    std::vector<std::string> out;
    size_t i = 0;
    for (;;) {
        std::string field;
        if (i < s.size() && s[i] == '"') {
            for (++i;; ++i) {
                if (i >= s.size()) return fail("extraneous or missing \" in quoted-field");
                if (s[i] != '"') {
                    field += s[i];
                } else if (i + 1 < s.size() && s[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    ++i;
                    break;
                }
            }
            if (i < s.size() && s[i] != ',') return fail("extraneous or missing \" in quoted-field");
        } else {
            size_t end = std::min(s.find(',', i), s.size());
            field = s.substr(i, end - i);
            if (field.find('"') != std::string::npos) return fail("bare \" in non-quoted-field");
            i = end;
        }
        out.push_back(std::move(field));
        if (i >= s.size()) return out;
        ++i;  // the ','
    }
}

Result<Mount> parse_mount(std::string_view spec, const ExpandFn& expand) {
    auto fields = csv_fields(spec);
    if (!fields) return std::unexpected(std::move(fields.error()).context("failed to parse csv mounts"));
    Mount m{"bind", {}};
    for (const std::string& f : *fields) {
        auto kv = split_key_value(f);
        if (!kv.has_value || to_lower(kv.key) != "type") continue;
        auto v = expand(kv.value);
        if (!v) return std::unexpected(v.error());
        m.type = to_lower(*v);
        if (!one_of(m.type, {"bind", "cache", "tmpfs", "secret", "ssh"}))
            return fail("unsupported mount type \"{}\"", *v);
    }
    bool secret_or_ssh = m.type == "secret" || m.type == "ssh";
    auto only_for = [&](std::string_view key, bool ok) -> Result<void> {
        if (!ok) return fail("unexpected key '{}' for mount type '{}'", key, m.type);
        return {};
    };
    for (const std::string& f : *fields) {
        auto kv = split_key_value(f);
        std::string key = to_lower(kv.key);
        if (key == "type") continue;
        if (!kv.has_value) {
            if (key == "readonly" || key == "ro") {
                m.options.emplace_back("readonly", "true");
            } else if (key == "readwrite" || key == "rw") {
                m.options.emplace_back("readonly", "false");
            } else if (key == "required") {
                if (auto ok = only_for(key, secret_or_ssh); !ok) return std::unexpected(ok.error());
                m.options.emplace_back("required", "true");
            } else {
                return fail("invalid field '{}' must be a key=value pair", f);
            }
            continue;
        }
        auto expanded = expand(kv.value);
        if (!expanded) return std::unexpected(expanded.error());
        std::string v = std::move(*expanded);
        Result<void> ok;
        if (key == "from" || key == "id") {
            m.options.emplace_back(key, v);
        } else if (key == "source" || key == "src") {
            m.options.emplace_back("source", v);
        } else if (key == "target" || key == "dst" || key == "destination") {
            m.options.emplace_back("target", v);
        } else if (key == "readonly" || key == "ro" || key == "readwrite" || key == "rw" || key == "required") {
            auto b = parse_bool(v);
            if (!b) return fail("invalid value for {}: {}", key, v);
            if (key == "required") ok = only_for(key, secret_or_ssh);
            bool readonly = (key == "readwrite" || key == "rw") ? !*b : *b;
            m.options.emplace_back(key == "required" ? "required" : "readonly", readonly ? "true" : "false");
        } else if (key == "size") {
            ok = only_for(key, m.type == "tmpfs");
            if (ok && !parse_size(v)) return fail("invalid value for size: {}", v);
            m.options.emplace_back(key, v);
        } else if (key == "sharing") {
            ok = only_for(key, m.type == "cache");
            v = to_lower(v);
            if (ok && !one_of(v, {"shared", "private", "locked"})) return fail("unsupported sharing value \"{}\"", v);
            m.options.emplace_back(key, v);
        } else if (key == "mode" || key == "uid" || key == "gid") {
            if (!valid_uint32(v, key == "mode" ? 8 : 10)) return fail("invalid value {} for {}", v, key);
            m.options.emplace_back(key, v);
        } else if (key == "env") {
            ok = only_for(key, m.type == "secret");
            m.options.emplace_back(key, v);
        } else {
            return fail("unexpected key '{}' in '{}'", kv.key, f);
        }
        if (!ok) return std::unexpected(ok.error());
    }
    if (auto ok = check_mount(m); !ok) return std::unexpected(ok.error());
    return m;
}

}  // namespace brig::build::dockerfile::detail
