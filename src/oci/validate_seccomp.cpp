// The rules for linux.seccomp: known actions, architectures, flags and operators, and the
// combinations the runtime could not honour (a notify action nobody listens to, ...).
#include <string>

#include <fmt/format.h>

#include "oci/names.hpp"
#include "oci/spec_error.hpp"
#include "oci/validate_rules.hpp"

namespace brig::oci::detail {

void check_seccomp(const Seccomp& s) {
    const std::string base = "linux.seccomp";
    auto check_action = [](std::string_view path, std::string_view action) {
        if (action.empty()) bad(path, "is required");
        if (!is_one_of(action, seccomp_action_names())) bad(path, fmt::format("unknown action {}", quote(action)));
    };
    auto takes_errno = [](std::string_view action) { return action == "SCMP_ACT_ERRNO" || action == "SCMP_ACT_TRACE"; };

    check_action(base + ".defaultAction", s.defaultAction);
    // Every syscall would wait on an agent, including the runtime's own writes before exec.
    if (s.defaultAction == "SCMP_ACT_NOTIFY")
        bad(base + ".defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
    if (s.defaultErrnoRet && !takes_errno(s.defaultAction))
        bad(base + ".defaultErrnoRet", "is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    for (std::size_t i = 0; i < s.architectures.size(); ++i)
        if (!is_one_of(s.architectures[i], seccomp_arch_names()))
            bad(index_path(base + ".architectures", i),
                fmt::format("unknown architecture {}", quote(s.architectures[i])));
    for (std::size_t i = 0; i < s.flags.size(); ++i)
        if (!seccomp_flag_from_name(s.flags[i]))
            bad(index_path(base + ".flags", i), fmt::format("unknown flag {}", quote(s.flags[i])));
    if (!s.listenerMetadata.empty() && s.listenerPath.empty())
        bad(base + ".listenerMetadata", "must not be set without listenerPath");

    for (std::size_t i = 0; i < s.syscalls.size(); ++i) {
        const auto& sc = s.syscalls[i];
        auto path = index_path(base + ".syscalls", i);
        if (sc.names.empty()) bad(field_path(path, "names"), "must contain at least one syscall name");
        for (std::size_t n = 0; n < sc.names.size(); ++n)
            if (sc.names[n].empty()) bad(index_path(field_path(path, "names"), n), "must not be empty");
        check_action(field_path(path, "action"), sc.action);
        if (sc.action == "SCMP_ACT_NOTIFY") {
            // Without a listener nobody receives the notifications and the syscalls block forever.
            if (s.listenerPath.empty())
                bad(field_path(path, "action"), "SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath");
            // The runtime itself still write()s to its sync pipe after the filter is loaded.
            for (const auto& name : sc.names)
                if (name == "write") bad(field_path(path, "action"), "SCMP_ACT_NOTIFY cannot be used for \"write\"");
        }
        if (sc.errnoRet && !takes_errno(sc.action))
            bad(field_path(path, "errnoRet"), "is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
        for (std::size_t a = 0; a < sc.args.size(); ++a) {
            const auto& arg = sc.args[a];
            auto apath = index_path(field_path(path, "args"), a);
            if (arg.index >= 6)
                bad(field_path(apath, "index"), "must be less than 6 (syscalls take at most 6 arguments)");
            if (arg.op.empty()) bad(field_path(apath, "op"), "is required");
            if (!is_one_of(arg.op, seccomp_operator_names()))
                bad(field_path(apath, "op"), fmt::format("unknown operator {}", quote(arg.op)));
        }
    }
}


}  // namespace brig::oci::detail
