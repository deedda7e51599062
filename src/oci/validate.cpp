// The rules a config must satisfy (runtime-spec MUSTs and runc's validator), the last
// step of parsing: the document, the process, mounts and hooks. linux.* is checked by
// validate_linux.cpp and the files it calls.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "oci/parse_steps.hpp"
#include "oci/spec_error.hpp"
#include "oci/validate_rules.hpp"

namespace brig::oci::detail {

namespace {

// MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (semver.org 2.0.0); returns MAJOR.
std::optional<uint64_t> semver_major(std::string_view v) {
    auto is_ident_char = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    };
    auto all_digits = [](std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == s.npos; };
    // Dot-separated identifiers; numeric ones (core, prerelease) must not have leading zeros.
    auto valid_idents = [&](std::string_view s, bool numeric_only, bool no_leading_zero) {
        while (true) {
            auto dot = s.find('.');
            auto id = s.substr(0, dot);
            if (id.empty()) return false;
            for (char c : id)
                if (!is_ident_char(c)) return false;
            if (numeric_only && !all_digits(id)) return false;
            if (no_leading_zero && all_digits(id) && id.size() > 1 && id[0] == '0') return false;
            if (dot == s.npos) return true;
            s.remove_prefix(dot + 1);
        }
    };
    if (auto plus = v.find('+'); plus != v.npos) {
        if (!valid_idents(v.substr(plus + 1), false, false)) return std::nullopt;
        v = v.substr(0, plus);
    }
    if (auto dash = v.find('-'); dash != v.npos) {
        if (!valid_idents(v.substr(dash + 1), false, true)) return std::nullopt;
        v = v.substr(0, dash);
    }
    if (std::count(v.begin(), v.end(), '.') != 2 || !valid_idents(v, true, true)) return std::nullopt;
    auto major = v.substr(0, v.find('.'));
    if (major.size() > 19) return std::nullopt;  // would not fit; certainly not 1
    return std::stoull(std::string(major));
}

void check_no_nul(std::string_view path, std::string_view value) {
    if (value.find('\0') != value.npos) bad(path, "must not contain NUL bytes");
}

void check_hooks(const Hooks& hooks) {
    const std::pair<std::string_view, const std::vector<Hook>*> lists[] = {
        {"prestart", &hooks.prestart},
        {"createRuntime", &hooks.createRuntime},
        {"createContainer", &hooks.createContainer},
        {"startContainer", &hooks.startContainer},
        {"poststart", &hooks.poststart},
        {"poststop", &hooks.poststop},
    };
    for (auto [name, list] : lists) {
        for (std::size_t i = 0; i < list->size(); ++i) {
            const Hook& h = (*list)[i];
            auto path = index_path(field_path("hooks", name), i);
            check_absolute(field_path(path, "path"), h.path);
            if (h.timeout && *h.timeout <= 0) bad(field_path(path, "timeout"), "must be greater than zero");
        }
    }
}

void check_mounts(const std::vector<Mount>& mounts) {
    for (std::size_t i = 0; i < mounts.size(); ++i) {
        const Mount& m = mounts[i];
        auto path = index_path("mounts", i);
        check_in_root(field_path(path, "destination"), m.destination);
        // An id-mapped mount needs a complete user namespace description.
        if (m.uidMappings.empty() != m.gidMappings.empty())
            bad(field_path(path, m.uidMappings.empty() ? "uidMappings" : "gidMappings"),
                "is required when the other id mapping is set");
        check_mappings(m.uidMappings, field_path(path, "uidMappings"));
        check_mappings(m.gidMappings, field_path(path, "gidMappings"));
    }
}

}  // namespace

void check_process(const Process& p, std::string_view base) {
    auto at = [&](std::string_view key) { return field_path(base, key); };

    if (p.args.empty()) bad(at("args"), "must not be empty");
    for (std::size_t i = 0; i < p.args.size(); ++i) check_no_nul(index_path(at("args"), i), p.args[i]);
    check_absolute(at("cwd"), p.cwd);

    for (std::size_t i = 0; i < p.env.size(); ++i) {
        auto path = index_path(at("env"), i);
        auto eq = p.env[i].find('=');
        if (eq == std::string::npos || eq == 0)
            bad(path, fmt::format("{} is not of the form KEY=value", quote(p.env[i])));
        check_no_nul(path, p.env[i]);
    }

    std::set<std::string_view> seen_rlimits;
    for (std::size_t i = 0; i < p.rlimits.size(); ++i) {
        const auto& r = p.rlimits[i];
        auto path = index_path(at("rlimits"), i);
        if (!seen_rlimits.insert(r.type).second)
            bad(field_path(path, "type"), fmt::format("duplicate rlimit {}", quote(r.type)));
        if (r.soft > r.hard)
            bad(field_path(path, "soft"), fmt::format("must not exceed hard ({} > {})", r.soft, r.hard));
    }

    if (p.oomScoreAdj && (*p.oomScoreAdj < -1000 || *p.oomScoreAdj > 1000))
        bad(at("oomScoreAdj"), "must be between -1000 and 1000");

    if (p.ioPriority) {
        auto path = at("ioPriority");
        if (p.ioPriority->priority < 0 || p.ioPriority->priority > 7)
            bad(field_path(path, "priority"), "must be between 0 and 7");
    }

    if (p.scheduler) {
        const auto& s = *p.scheduler;
        auto path = at("scheduler");
        if (s.policy.empty()) bad(field_path(path, "policy"), "is required");
        if (s.nice < -20 || s.nice > 19) bad(field_path(path, "nice"), "must be between -20 and 19");
        if (s.priority != 0 && s.policy != "SCHED_FIFO" && s.policy != "SCHED_RR")
            bad(field_path(path, "priority"), "is only valid with SCHED_FIFO or SCHED_RR");
        if (s.policy != "SCHED_DEADLINE") {
            for (auto [key, value] : {std::pair{"runtime", s.runtime}, {"deadline", s.deadline}, {"period", s.period}})
                if (value != 0) bad(field_path(path, key), "is only valid with SCHED_DEADLINE");
        }
    }

    if (p.execCPUAffinity) {
        auto path = at("execCPUAffinity");
        for (auto [key, value] :
             {std::pair{"initial", &p.execCPUAffinity->initial}, {"final", &p.execCPUAffinity->final}})
            if (!value->empty() && !is_id_list(*value))
                bad(field_path(path, key), fmt::format("invalid CPU list {}", quote(*value)));
    }
    // Names (rlimit types, the I/O class, the scheduler's policy and flags) were checked
    // when they were resolved. Capabilities are deliberately not checked: the runtime-spec
    // says unknown or ungrantable ones are logged as warnings, not errors.
}


void check_spec(const Spec& s) {
    if (s.ociVersion.empty()) bad("ociVersion", "is required");
    auto major = semver_major(s.ociVersion);
    if (!major) bad("ociVersion", fmt::format("{} is not a semantic version", quote(s.ociVersion)));
    if (*major != 1)
        bad("ociVersion",
            fmt::format("version {} is not supported (want 1.x, up to {})", quote(s.ociVersion), kSpecVersion));

    if (s.root.path.empty()) bad("root.path", "is required");
    if (s.process) check_process(*s.process, "process");

    static const Linux kNoLinux;
    const Linux& lx = s.linux ? *s.linux : kNoLinux;
    // sethostname(2)/setdomainname(2) without a private UTS namespace would rename the host.
    if (!s.hostname.empty() && !lx.find_namespace("uts"))
        bad("hostname", "cannot be set without a private UTS namespace");
    if (!s.domainname.empty() && !lx.find_namespace("uts"))
        bad("domainname", "cannot be set without a private UTS namespace");
    if (s.hostname.size() > 64) bad("hostname", "must be at most 64 bytes");
    if (s.domainname.size() > 64) bad("domainname", "must be at most 64 bytes");

    check_mounts(s.mounts);
    if (s.hooks) check_hooks(*s.hooks);
    for (const auto& [key, value] : s.annotations)
        if (key.empty()) bad("annotations", "keys must not be empty");
    check_linux(lx);
}


}  // namespace brig::oci::detail
