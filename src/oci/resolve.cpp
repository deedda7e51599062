// Names -> numbers, the second step of parsing. config.json names rlimits, capabilities,
// I/O classes, scheduler policies and flags and memory policies by their C identifiers;
// they are looked up here, once, so the container's init applies numbers and never
// consults a name table. An unknown name is an error naming its JSON path, except for
// capabilities: the runtime-spec has unknown ones ignored (runc warns), so they are
// just left out of the masks.
#include <fmt/format.h>

#include "oci/names.hpp"
#include "oci/parse_steps.hpp"
#include "oci/spec_error.hpp"

namespace brig::oci::detail {

namespace {

uint64_t capability_mask(const std::vector<std::string>& names) {
    uint64_t mask = 0;
    for (const auto& name : names)
        if (auto bit = capability_from_name(name)) mask |= uint64_t{1} << *bit;
    return mask;
}

void resolve_capabilities(Capabilities& c) {
    c.masks = {.bounding = capability_mask(c.bounding),
               .effective = capability_mask(c.effective),
               .inheritable = capability_mask(c.inheritable),
               .permitted = capability_mask(c.permitted),
               .ambient = capability_mask(c.ambient)};
}

// The number a name stands for, by `lookup`; an unknown name is an error at `path`.
template <class Lookup>
auto number_of(const std::string& name, std::string_view path, std::string_view what, Lookup lookup,
               std::string_view hint = "") {
    auto number = lookup(name);
    if (!number) bad(path, fmt::format("unknown {} {}{}", what, quote(name), hint));
    return *number;
}

// A flag list as the OR of its flags' numbers.
template <class Bits, class Lookup>
Bits flag_bits(const std::vector<std::string>& flags, std::string_view base, Lookup lookup) {
    Bits bits = 0;
    for (std::size_t i = 0; i < flags.size(); ++i) bits |= number_of(flags[i], index_path(base, i), "flag", lookup);
    return bits;
}

void resolve_rlimits(std::vector<Rlimit>& rlimits, std::string_view base) {
    for (std::size_t i = 0; i < rlimits.size(); ++i) {
        auto path = field_path(index_path(base, i), "type");
        rlimits[i].resource = number_of(rlimits[i].type, path, "rlimit", rlimit_from_name);
    }
}

void resolve_io_priority(IoPriority& io, std::string_view base) {
    io.class_number = number_of(io.ioClass, field_path(base, "class"), "class", ioprio_class_from_name,
                                " (want IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE)");
}

// An empty policy or mode is left for the validator to report as missing.
void resolve_scheduler(Scheduler& s, std::string_view base) {
    if (!s.policy.empty())
        s.policy_number = number_of(s.policy, field_path(base, "policy"), "policy", sched_policy_from_name);
    s.flag_bits = flag_bits<uint64_t>(s.flags, field_path(base, "flags"), sched_flag_from_name);
}

void resolve_memory_policy(MemoryPolicy& mp, std::string_view base) {
    if (!mp.mode.empty())
        mp.mode_number = number_of(mp.mode, field_path(base, "mode"), "mode", mempolicy_mode_from_name);
    mp.flag_bits = flag_bits<int>(mp.flags, field_path(base, "flags"), mempolicy_flag_from_name);
}

}  // namespace

void resolve_process(Process& p, std::string_view base) {
    resolve_rlimits(p.rlimits, field_path(base, "rlimits"));
    if (p.capabilities) resolve_capabilities(*p.capabilities);
    if (p.ioPriority) resolve_io_priority(*p.ioPriority, field_path(base, "ioPriority"));
    if (p.scheduler) resolve_scheduler(*p.scheduler, field_path(base, "scheduler"));
}

void resolve_spec(Spec& spec) {
    if (spec.process) resolve_process(*spec.process, "process");
    if (spec.linux && spec.linux->memoryPolicy) resolve_memory_policy(*spec.linux->memoryPolicy, "linux.memoryPolicy");
}

}  // namespace brig::oci::detail
