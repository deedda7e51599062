// config.json -> Spec, and the validation rules a Spec must satisfy before a
// container is built from it.
//
// Both phases report the first problem found, prefixed with the JSON path at
// fault ("linux.namespaces[2].type: unknown namespace type \"foo\""). Inside this
// file a problem is thrown as SpecError: the walk is deep and any failure ends
// it, so unwinding is simpler than threading Result through ~60 readers. Every
// public function catches it (and anything nlohmann or the library may throw)
// and returns an Error instead; no exception leaves this file.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <concepts>
#include <limits>
#include <set>
#include <string>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/fd.hpp"
#include "oci/names.hpp"
#include "oci/spec.hpp"

namespace brig::oci {

namespace {

using nlohmann::json;

struct SpecError {
    std::string message;
};

[[noreturn]] void bad(std::string_view path, std::string_view what) {
    if (path.empty()) throw SpecError{std::string(what)};
    throw SpecError{fmt::format("{}: {}", path, what)};
}

// A user-supplied string as a JSON string literal, so odd characters are visible in messages.
std::string quote(std::string_view s) {
    return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string field_path(std::string_view base, std::string_view key) {
    return base.empty() ? std::string(key) : fmt::format("{}.{}", base, key);
}
std::string index_path(std::string_view base, std::size_t i) { return fmt::format("{}[{}]", base, i); }
std::string key_path(std::string_view base, std::string_view key) { return fmt::format("{}[{}]", base, quote(key)); }

// Runs f, turning the internal SpecError (and any stray exception) into an Error.
template <class F>
auto guarded(F&& f) -> Result<std::invoke_result_t<F>> {
    try {
        if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
            f();
            return {};
        } else {
            return f();
        }
    } catch (const SpecError& e) {
        return fail("{}", e.message);
    } catch (const std::exception& e) {
        return fail("invalid configuration: {}", e.what());
    } catch (...) {
        return fail("invalid configuration: unexpected error");
    }
}

// =====================================================================
// Phase 1: JSON -> model. Only types and ranges are checked here; absent
// fields keep their defaults and `null` counts as absent (as in Go's
// encoding/json, which produced the configs runc accepts). Unknown fields
// are ignored, as the runtime-spec requires.
// =====================================================================

json parse_json(std::string_view text) {
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        // nlohmann: "[json.exception.parse_error.101] parse error at line 3, column 5: ...".
        std::string_view msg = e.what();
        if (msg.starts_with('[')) {
            if (auto end = msg.find("] "); end != msg.npos) msg.remove_prefix(end + 2);
        }
        if (msg.starts_with("parse error")) msg.remove_prefix(std::string_view("parse error").size());
        // Now " at line 3, column 5: <what>" or ": <what>".
        bad("", fmt::format("invalid JSON{}{}", msg.starts_with(' ') || msg.starts_with(':') ? "" : ": ", msg));
    }
}

// Member `key` of an object, or nullptr when absent or null.
const json* member(const json& obj, std::string_view key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
}

void expect_object(const json& j, std::string_view path) {
    if (!j.is_object()) bad(path, "must be an object");
}

// ---- scalars ----
void read(const json& j, std::string_view path, std::string& out) {
    if (!j.is_string()) bad(path, "must be a string");
    out = j.get_ref<const std::string&>();
}

void read(const json& j, std::string_view path, bool& out) {
    if (!j.is_boolean()) bad(path, "must be a boolean");
    out = j.get<bool>();
}

template <std::integral T>
void read(const json& j, std::string_view path, T& out) {
    constexpr auto lo = std::numeric_limits<T>::min();
    constexpr auto hi = std::numeric_limits<T>::max();
    if (j.is_number_unsigned()) {  // nlohmann stores every non-negative integer as unsigned
        auto v = j.get<uint64_t>();
        if (std::cmp_greater(v, hi)) bad(path, fmt::format("must be at most {}", hi));
        out = static_cast<T>(v);
    } else if (j.is_number_integer()) {
        auto v = j.get<int64_t>();
        if constexpr (std::is_unsigned_v<T>) {
            bad(path, "must be a non-negative integer");
        } else {
            if (std::cmp_less(v, lo)) bad(path, fmt::format("must be at least {}", lo));
            out = static_cast<T>(v);
        }
    } else {
        bad(path, std::is_unsigned_v<T> ? "must be a non-negative integer" : "must be an integer");
    }
}

// ---- model structs (declared first so the container templates below find them) ----
void read(const json& j, std::string_view path, IdMapping& out);
void read(const json& j, std::string_view path, User& out);
void read(const json& j, std::string_view path, Capabilities& out);
void read(const json& j, std::string_view path, Rlimit& out);
void read(const json& j, std::string_view path, ConsoleSize& out);
void read(const json& j, std::string_view path, IoPriority& out);
void read(const json& j, std::string_view path, Scheduler& out);
void read(const json& j, std::string_view path, ExecCPUAffinity& out);
void read(const json& j, std::string_view path, Process& out);
void read(const json& j, std::string_view path, Root& out);
void read(const json& j, std::string_view path, Mount& out);
void read(const json& j, std::string_view path, Hook& out);
void read(const json& j, std::string_view path, Hooks& out);
void read(const json& j, std::string_view path, Namespace& out);
void read(const json& j, std::string_view path, Device& out);
void read(const json& j, std::string_view path, DeviceRule& out);
void read(const json& j, std::string_view path, MemoryResources& out);
void read(const json& j, std::string_view path, CpuResources& out);
void read(const json& j, std::string_view path, PidsResources& out);
void read(const json& j, std::string_view path, WeightDevice& out);
void read(const json& j, std::string_view path, ThrottleDevice& out);
void read(const json& j, std::string_view path, BlockIOResources& out);
void read(const json& j, std::string_view path, HugepageLimit& out);
void read(const json& j, std::string_view path, NetPriority& out);
void read(const json& j, std::string_view path, NetworkResources& out);
void read(const json& j, std::string_view path, RdmaLimit& out);
void read(const json& j, std::string_view path, Resources& out);
void read(const json& j, std::string_view path, SeccompArg& out);
void read(const json& j, std::string_view path, SeccompSyscall& out);
void read(const json& j, std::string_view path, Seccomp& out);
void read(const json& j, std::string_view path, IntelRdt& out);
void read(const json& j, std::string_view path, Personality& out);
void read(const json& j, std::string_view path, NetDevice& out);
void read(const json& j, std::string_view path, MemoryPolicy& out);
void read(const json& j, std::string_view path, TimeOffset& out);
void read(const json& j, std::string_view path, Linux& out);

// ---- containers ----
template <class T>
void read(const json& j, std::string_view path, std::optional<T>& out) {
    T value{};
    read(j, path, value);
    out = std::move(value);
}

template <class T>
void read(const json& j, std::string_view path, std::vector<T>& out) {
    if (!j.is_array()) bad(path, "must be an array");
    out.clear();
    out.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) {
        T value{};
        read(j[i], index_path(path, i), value);
        out.push_back(std::move(value));
    }
}

template <class T>
void read(const json& j, std::string_view path, std::map<std::string, T>& out) {
    expect_object(j, path);
    out.clear();
    for (const auto& [key, value] : j.items()) {
        T parsed{};
        read(value, key_path(path, key), parsed);
        out.emplace(key, std::move(parsed));
    }
}

// Reads obj[key] into out when present; leaves out untouched otherwise.
template <class T>
void field(const json& obj, std::string_view path, std::string_view key, T& out) {
    if (const json* v = member(obj, key)) read(*v, field_path(path, key), out);
}

// ---- process ----
void read(const json& j, std::string_view path, IdMapping& out) {
    expect_object(j, path);
    field(j, path, "containerID", out.containerID);
    field(j, path, "hostID", out.hostID);
    field(j, path, "size", out.size);
}

void read(const json& j, std::string_view path, User& out) {
    expect_object(j, path);
    field(j, path, "uid", out.uid);
    field(j, path, "gid", out.gid);
    field(j, path, "umask", out.umask);
    field(j, path, "additionalGids", out.additionalGids);
    field(j, path, "username", out.username);
}

void read(const json& j, std::string_view path, Capabilities& out) {
    expect_object(j, path);
    field(j, path, "bounding", out.bounding);
    field(j, path, "effective", out.effective);
    field(j, path, "inheritable", out.inheritable);
    field(j, path, "permitted", out.permitted);
    field(j, path, "ambient", out.ambient);
}

void read(const json& j, std::string_view path, Rlimit& out) {
    expect_object(j, path);
    field(j, path, "type", out.type);
    field(j, path, "hard", out.hard);
    field(j, path, "soft", out.soft);
}

void read(const json& j, std::string_view path, ConsoleSize& out) {
    expect_object(j, path);
    field(j, path, "height", out.height);
    field(j, path, "width", out.width);
}

void read(const json& j, std::string_view path, IoPriority& out) {
    expect_object(j, path);
    field(j, path, "class", out.ioClass);
    field(j, path, "priority", out.priority);
}

void read(const json& j, std::string_view path, Scheduler& out) {
    expect_object(j, path);
    field(j, path, "policy", out.policy);
    field(j, path, "nice", out.nice);
    field(j, path, "priority", out.priority);
    field(j, path, "flags", out.flags);
    field(j, path, "runtime", out.runtime);
    field(j, path, "deadline", out.deadline);
    field(j, path, "period", out.period);
}

void read(const json& j, std::string_view path, ExecCPUAffinity& out) {
    expect_object(j, path);
    field(j, path, "initial", out.initial);
    field(j, path, "final", out.final);
}

void read(const json& j, std::string_view path, Process& out) {
    expect_object(j, path);
    field(j, path, "terminal", out.terminal);
    field(j, path, "consoleSize", out.consoleSize);
    field(j, path, "user", out.user);
    field(j, path, "args", out.args);
    field(j, path, "env", out.env);
    field(j, path, "cwd", out.cwd);
    field(j, path, "capabilities", out.capabilities);
    field(j, path, "rlimits", out.rlimits);
    field(j, path, "noNewPrivileges", out.noNewPrivileges);
    field(j, path, "apparmorProfile", out.apparmorProfile);
    field(j, path, "oomScoreAdj", out.oomScoreAdj);
    field(j, path, "selinuxLabel", out.selinuxLabel);
    field(j, path, "ioPriority", out.ioPriority);
    field(j, path, "scheduler", out.scheduler);
    field(j, path, "execCPUAffinity", out.execCPUAffinity);
}

// ---- root, mounts, hooks ----
void read(const json& j, std::string_view path, Root& out) {
    expect_object(j, path);
    field(j, path, "path", out.path);
    field(j, path, "readonly", out.readonly);
}

void read(const json& j, std::string_view path, Mount& out) {
    expect_object(j, path);
    field(j, path, "destination", out.destination);
    field(j, path, "type", out.type);
    field(j, path, "source", out.source);
    field(j, path, "options", out.options);
    field(j, path, "uidMappings", out.uidMappings);
    field(j, path, "gidMappings", out.gidMappings);
}

void read(const json& j, std::string_view path, Hook& out) {
    expect_object(j, path);
    field(j, path, "path", out.path);
    field(j, path, "args", out.args);
    field(j, path, "env", out.env);
    field(j, path, "timeout", out.timeout);
}

void read(const json& j, std::string_view path, Hooks& out) {
    expect_object(j, path);
    field(j, path, "prestart", out.prestart);
    field(j, path, "createRuntime", out.createRuntime);
    field(j, path, "createContainer", out.createContainer);
    field(j, path, "startContainer", out.startContainer);
    field(j, path, "poststart", out.poststart);
    field(j, path, "poststop", out.poststop);
}

// ---- linux ----
void read(const json& j, std::string_view path, Namespace& out) {
    expect_object(j, path);
    field(j, path, "type", out.type);
    field(j, path, "path", out.path);
}

void read(const json& j, std::string_view path, Device& out) {
    expect_object(j, path);
    field(j, path, "type", out.type);
    field(j, path, "path", out.path);
    field(j, path, "major", out.major);
    field(j, path, "minor", out.minor);
    field(j, path, "fileMode", out.fileMode);
    field(j, path, "uid", out.uid);
    field(j, path, "gid", out.gid);
}

void read(const json& j, std::string_view path, DeviceRule& out) {
    expect_object(j, path);
    field(j, path, "allow", out.allow);
    field(j, path, "type", out.type);
    field(j, path, "major", out.major);
    field(j, path, "minor", out.minor);
    field(j, path, "access", out.access);
}

void read(const json& j, std::string_view path, MemoryResources& out) {
    expect_object(j, path);
    field(j, path, "limit", out.limit);
    field(j, path, "reservation", out.reservation);
    field(j, path, "swap", out.swap);
    field(j, path, "kernel", out.kernel);
    field(j, path, "kernelTCP", out.kernelTCP);
    field(j, path, "swappiness", out.swappiness);
    field(j, path, "disableOOMKiller", out.disableOOMKiller);
    field(j, path, "useHierarchy", out.useHierarchy);
    field(j, path, "checkBeforeUpdate", out.checkBeforeUpdate);
}

void read(const json& j, std::string_view path, CpuResources& out) {
    expect_object(j, path);
    field(j, path, "shares", out.shares);
    field(j, path, "quota", out.quota);
    field(j, path, "burst", out.burst);
    field(j, path, "period", out.period);
    field(j, path, "realtimeRuntime", out.realtimeRuntime);
    field(j, path, "realtimePeriod", out.realtimePeriod);
    field(j, path, "cpus", out.cpus);
    field(j, path, "mems", out.mems);
    field(j, path, "idle", out.idle);
}

void read(const json& j, std::string_view path, PidsResources& out) {
    expect_object(j, path);
    field(j, path, "limit", out.limit);
}

void read(const json& j, std::string_view path, WeightDevice& out) {
    expect_object(j, path);
    field(j, path, "major", out.major);
    field(j, path, "minor", out.minor);
    field(j, path, "weight", out.weight);
    field(j, path, "leafWeight", out.leafWeight);
}

void read(const json& j, std::string_view path, ThrottleDevice& out) {
    expect_object(j, path);
    field(j, path, "major", out.major);
    field(j, path, "minor", out.minor);
    field(j, path, "rate", out.rate);
}

void read(const json& j, std::string_view path, BlockIOResources& out) {
    expect_object(j, path);
    field(j, path, "weight", out.weight);
    field(j, path, "leafWeight", out.leafWeight);
    field(j, path, "weightDevice", out.weightDevice);
    field(j, path, "throttleReadBpsDevice", out.throttleReadBpsDevice);
    field(j, path, "throttleWriteBpsDevice", out.throttleWriteBpsDevice);
    field(j, path, "throttleReadIOPSDevice", out.throttleReadIOPSDevice);
    field(j, path, "throttleWriteIOPSDevice", out.throttleWriteIOPSDevice);
}

void read(const json& j, std::string_view path, HugepageLimit& out) {
    expect_object(j, path);
    field(j, path, "pageSize", out.pageSize);
    field(j, path, "limit", out.limit);
}

void read(const json& j, std::string_view path, NetPriority& out) {
    expect_object(j, path);
    field(j, path, "name", out.name);
    field(j, path, "priority", out.priority);
}

void read(const json& j, std::string_view path, NetworkResources& out) {
    expect_object(j, path);
    field(j, path, "classID", out.classID);
    field(j, path, "priorities", out.priorities);
}

void read(const json& j, std::string_view path, RdmaLimit& out) {
    expect_object(j, path);
    field(j, path, "hcaHandles", out.hcaHandles);
    field(j, path, "hcaObjects", out.hcaObjects);
}

void read(const json& j, std::string_view path, Resources& out) {
    expect_object(j, path);
    field(j, path, "devices", out.devices);
    field(j, path, "memory", out.memory);
    field(j, path, "cpu", out.cpu);
    field(j, path, "pids", out.pids);
    field(j, path, "blockIO", out.blockIO);
    field(j, path, "hugepageLimits", out.hugepageLimits);
    field(j, path, "network", out.network);
    field(j, path, "rdma", out.rdma);
    field(j, path, "unified", out.unified);
}

void read(const json& j, std::string_view path, SeccompArg& out) {
    expect_object(j, path);
    field(j, path, "index", out.index);
    field(j, path, "value", out.value);
    field(j, path, "valueTwo", out.valueTwo);
    field(j, path, "op", out.op);
}

void read(const json& j, std::string_view path, SeccompSyscall& out) {
    expect_object(j, path);
    field(j, path, "names", out.names);
    field(j, path, "action", out.action);
    field(j, path, "errnoRet", out.errnoRet);
    field(j, path, "args", out.args);
}

void read(const json& j, std::string_view path, Seccomp& out) {
    expect_object(j, path);
    field(j, path, "defaultAction", out.defaultAction);
    field(j, path, "defaultErrnoRet", out.defaultErrnoRet);
    field(j, path, "architectures", out.architectures);
    field(j, path, "flags", out.flags);
    field(j, path, "listenerPath", out.listenerPath);
    field(j, path, "listenerMetadata", out.listenerMetadata);
    field(j, path, "syscalls", out.syscalls);
}

void read(const json& j, std::string_view path, IntelRdt& out) {
    expect_object(j, path);
    field(j, path, "closID", out.closID);
    field(j, path, "l3CacheSchema", out.l3CacheSchema);
    field(j, path, "memBwSchema", out.memBwSchema);
    // 1.3.0 made `schemata` an array of lines; drafts had one newline-separated
    // string, which configs in the wild still use. Accept both.
    if (const json* v = member(j, "schemata"); v && v->is_string()) {
        std::string_view text = v->get_ref<const std::string&>();
        out.schemata.clear();
        while (!text.empty()) {
            auto nl = text.find('\n');
            if (auto line = text.substr(0, nl); !line.empty()) out.schemata.emplace_back(line);
            text.remove_prefix(nl == text.npos ? text.size() : nl + 1);
        }
    } else {
        field(j, path, "schemata", out.schemata);
    }
    field(j, path, "enableMonitoring", out.enableMonitoring);
}

void read(const json& j, std::string_view path, Personality& out) {
    expect_object(j, path);
    field(j, path, "domain", out.domain);
    field(j, path, "flags", out.flags);
}

void read(const json& j, std::string_view path, NetDevice& out) {
    expect_object(j, path);
    field(j, path, "name", out.name);
}

void read(const json& j, std::string_view path, MemoryPolicy& out) {
    expect_object(j, path);
    field(j, path, "mode", out.mode);
    field(j, path, "nodes", out.nodes);
    field(j, path, "flags", out.flags);
}

void read(const json& j, std::string_view path, TimeOffset& out) {
    expect_object(j, path);
    field(j, path, "secs", out.secs);
    field(j, path, "nanosecs", out.nanosecs);
}

void read(const json& j, std::string_view path, Linux& out) {
    expect_object(j, path);
    field(j, path, "namespaces", out.namespaces);
    field(j, path, "uidMappings", out.uidMappings);
    field(j, path, "gidMappings", out.gidMappings);
    field(j, path, "timeOffsets", out.timeOffsets);
    field(j, path, "devices", out.devices);
    field(j, path, "cgroupsPath", out.cgroupsPath);
    field(j, path, "resources", out.resources);
    field(j, path, "rootfsPropagation", out.rootfsPropagation);
    field(j, path, "seccomp", out.seccomp);
    field(j, path, "sysctl", out.sysctl);
    field(j, path, "maskedPaths", out.maskedPaths);
    field(j, path, "readonlyPaths", out.readonlyPaths);
    field(j, path, "mountLabel", out.mountLabel);
    field(j, path, "intelRdt", out.intelRdt);
    field(j, path, "personality", out.personality);
    field(j, path, "netDevices", out.netDevices);
    field(j, path, "memoryPolicy", out.memoryPolicy);
}

Spec read_spec(const json& j) {
    if (!j.is_object()) bad("", "the configuration must be a JSON object");
    Spec spec;
    field(j, "", "ociVersion", spec.ociVersion);
    field(j, "", "process", spec.process);
    field(j, "", "root", spec.root);
    field(j, "", "hostname", spec.hostname);
    field(j, "", "domainname", spec.domainname);
    field(j, "", "mounts", spec.mounts);
    field(j, "", "hooks", spec.hooks);
    field(j, "", "annotations", spec.annotations);
    field(j, "", "linux", spec.linux);
    if (!spec.linux) spec.linux.emplace();
    return spec;
}

// =====================================================================
// Phase 2: rules on the model (runtime-spec MUSTs and runc's validator).
// =====================================================================

bool is_absolute(std::string_view p) { return p.starts_with('/'); }

void check_absolute(std::string_view path, std::string_view value) {
    if (value.empty()) bad(path, "is required");
    if (!is_absolute(value)) bad(path, fmt::format("must be an absolute path (got {})", quote(value)));
}

// A path inside the container root that the runtime creates things at (mount points,
// device nodes): absolute and without ".." components. Resolution is confined to the root
// anyway (openat2 RESOLVE_IN_ROOT); a path that climbs is refused so the mistake is seen.
void check_in_root(std::string_view path, std::string_view value) {
    check_absolute(path, value);
    for (size_t i = 0; i <= value.size();) {
        size_t j = value.find('/', i);
        if (j == std::string_view::npos) j = value.size();
        if (value.substr(i, j - i) == "..")
            bad(path, fmt::format("must not contain \"..\" components (got {})", quote(value)));
        i = j + 1;
    }
}

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

// Linux cpu/node list syntax: "0-3,7,9-10".
bool is_id_list(std::string_view s) {
    if (s.empty()) return false;
    auto number = [](std::string_view n, unsigned long& out) {
        if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != n.npos) return false;
        out = std::stoul(std::string(n));
        return true;
    };
    while (true) {
        auto comma = s.find(',');
        auto item = s.substr(0, comma);
        auto dash = item.find('-');
        unsigned long lo = 0, hi = 0;
        if (!number(item.substr(0, dash), lo)) return false;
        if (dash != item.npos && (!number(item.substr(dash + 1), hi) || hi < lo)) return false;
        if (comma == s.npos) return true;
        s.remove_prefix(comma + 1);
    }
}

// dev_valid_name() in the kernel: 1..15 bytes, not "."/"..", no '/', ':' or whitespace.
bool is_valid_ifname(std::string_view name) {
    if (name.empty() || name.size() >= 16 || name == "." || name == "..") return false;
    for (char c : name)
        if (c == '/' || c == ':' || c == '\0' || c == ' ' || (c >= '\t' && c <= '\r')) return false;
    return true;
}

void check_mapping(const IdMapping& m, std::string_view path) {
    constexpr uint64_t kIdSpace = uint64_t{1} << 32;
    if (m.size == 0) bad(field_path(path, "size"), "must be greater than zero");
    // The kernel rejects ranges that reach 2^32 (the last id, (uid_t)-1, is invalid).
    if (uint64_t{m.containerID} + m.size >= kIdSpace) bad(path, "containerID + size exceeds the 32-bit id range");
    if (uint64_t{m.hostID} + m.size >= kIdSpace) bad(path, "hostID + size exceeds the 32-bit id range");
}

void check_mappings(const std::vector<IdMapping>& ms, std::string_view path) {
    for (std::size_t i = 0; i < ms.size(); ++i) check_mapping(ms[i], index_path(path, i));
}

void check_no_nul(std::string_view path, std::string_view value) {
    if (value.find('\0') != value.npos) bad(path, "must not contain NUL bytes");
}

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
        if (!rlimit_from_name(r.type)) bad(field_path(path, "type"), fmt::format("unknown rlimit {}", quote(r.type)));
        if (!seen_rlimits.insert(r.type).second)
            bad(field_path(path, "type"), fmt::format("duplicate rlimit {}", quote(r.type)));
        if (r.soft > r.hard)
            bad(field_path(path, "soft"), fmt::format("must not exceed hard ({} > {})", r.soft, r.hard));
    }

    if (p.oomScoreAdj && (*p.oomScoreAdj < -1000 || *p.oomScoreAdj > 1000))
        bad(at("oomScoreAdj"), "must be between -1000 and 1000");

    if (p.ioPriority) {
        auto path = at("ioPriority");
        if (!ioprio_class_from_name(p.ioPriority->ioClass))
            bad(field_path(path, "class"),
                fmt::format("unknown class {} (want IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE)",
                            quote(p.ioPriority->ioClass)));
        if (p.ioPriority->priority < 0 || p.ioPriority->priority > 7)
            bad(field_path(path, "priority"), "must be between 0 and 7");
    }

    if (p.scheduler) {
        const auto& s = *p.scheduler;
        auto path = at("scheduler");
        if (s.policy.empty()) bad(field_path(path, "policy"), "is required");
        if (!sched_policy_from_name(s.policy))
            bad(field_path(path, "policy"), fmt::format("unknown policy {}", quote(s.policy)));
        if (s.nice < -20 || s.nice > 19) bad(field_path(path, "nice"), "must be between -20 and 19");
        if (s.priority != 0 && s.policy != "SCHED_FIFO" && s.policy != "SCHED_RR")
            bad(field_path(path, "priority"), "is only valid with SCHED_FIFO or SCHED_RR");
        if (s.policy != "SCHED_DEADLINE") {
            for (auto [key, value] : {std::pair{"runtime", s.runtime}, {"deadline", s.deadline}, {"period", s.period}})
                if (value != 0) bad(field_path(path, key), "is only valid with SCHED_DEADLINE");
        }
        for (std::size_t i = 0; i < s.flags.size(); ++i)
            if (!sched_flag_from_name(s.flags[i]))
                bad(index_path(field_path(path, "flags"), i), fmt::format("unknown flag {}", quote(s.flags[i])));
    }

    if (p.execCPUAffinity) {
        auto path = at("execCPUAffinity");
        for (auto [key, value] :
             {std::pair{"initial", &p.execCPUAffinity->initial}, {"final", &p.execCPUAffinity->final}})
            if (!value->empty() && !is_id_list(*value))
                bad(field_path(path, key), fmt::format("invalid CPU list {}", quote(*value)));
    }
    // Capabilities are deliberately not checked: the runtime-spec says unknown or
    // ungrantable ones are logged as warnings, not errors.
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

void check_namespaces(const Linux& lx) {
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < lx.namespaces.size(); ++i) {
        const auto& ns = lx.namespaces[i];
        auto path = index_path("linux.namespaces", i);
        if (ns.type.empty()) bad(field_path(path, "type"), "is required");
        if (!namespace_clone_flag(ns.type))
            bad(field_path(path, "type"), fmt::format("unknown namespace type {}", quote(ns.type)));
        if (!seen.insert(ns.type).second)
            bad(field_path(path, "type"), fmt::format("duplicate namespace type {}", quote(ns.type)));
        if (!ns.path.empty()) check_absolute(field_path(path, "path"), ns.path);
    }

    const Namespace* user = lx.find_namespace("user");
    if (!user) {
        // Mappings only mean something for a user namespace the runtime sets up.
        if (!lx.uidMappings.empty()) bad("linux.uidMappings", "requires a user namespace in linux.namespaces");
        if (!lx.gidMappings.empty()) bad("linux.gidMappings", "requires a user namespace in linux.namespaces");
    } else if (user->path.empty()) {
        // A new user namespace without mappings leaves every id unmapped (nobody); runc refuses it too.
        if (lx.uidMappings.empty()) bad("linux.uidMappings", "is required when creating a new user namespace");
        if (lx.gidMappings.empty()) bad("linux.gidMappings", "is required when creating a new user namespace");
    }
    check_mappings(lx.uidMappings, "linux.uidMappings");
    check_mappings(lx.gidMappings, "linux.gidMappings");

    if (!lx.timeOffsets.empty()) {
        // Offsets can only be written before any process enters the namespace, i.e. for a new one.
        const Namespace* time = lx.find_namespace("time");
        if (!time || !time->path.empty())
            bad("linux.timeOffsets", "requires a new time namespace (a \"time\" entry without a path)");
        for (const auto& [clock, offset] : lx.timeOffsets) {
            auto path = key_path("linux.timeOffsets", clock);
            if (clock != "monotonic" && clock != "boottime")
                bad(path, "unknown clock (want \"monotonic\" or \"boottime\")");
            if (offset.nanosecs >= 1'000'000'000) bad(field_path(path, "nanosecs"), "must be less than 1000000000");
        }
    }
}

void check_devices(const std::vector<Device>& devices) {
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const Device& d = devices[i];
        auto path = index_path("linux.devices", i);
        if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p")
            bad(field_path(path, "type"), fmt::format("unknown device type {} (want c, b, u or p)", quote(d.type)));
        check_in_root(field_path(path, "path"), d.path);
    }
}

void check_resources(const Resources& r) {
    const std::string base = "linux.resources";
    for (std::size_t i = 0; i < r.devices.size(); ++i) {
        const auto& d = r.devices[i];
        auto path = index_path(field_path(base, "devices"), i);
        if (!d.type.empty() && d.type != "a" && d.type != "b" && d.type != "c")
            bad(field_path(path, "type"), fmt::format("unknown device type {} (want a, b or c)", quote(d.type)));
        if (d.access.find_first_not_of("rwm") != std::string::npos)
            bad(field_path(path, "access"), fmt::format("{} may only contain r, w and m", quote(d.access)));
    }
    if (r.memory && r.memory->swappiness && *r.memory->swappiness > 100)
        bad(base + ".memory.swappiness", "must be between 0 and 100");
    if (r.cpu) {
        const auto& c = *r.cpu;
        if (c.burst && c.quota && *c.quota > 0 && std::cmp_greater(*c.burst, *c.quota))
            bad(base + ".cpu.burst", "must not exceed quota");
        if (!c.cpus.empty() && !is_id_list(c.cpus))
            bad(base + ".cpu.cpus", fmt::format("invalid CPU list {}", quote(c.cpus)));
        if (!c.mems.empty() && !is_id_list(c.mems))
            bad(base + ".cpu.mems", fmt::format("invalid node list {}", quote(c.mems)));
    }
    if (r.blockIO) {
        for (std::size_t i = 0; i < r.blockIO->weightDevice.size(); ++i) {
            const auto& w = r.blockIO->weightDevice[i];
            if (!w.weight && !w.leafWeight)
                bad(index_path(base + ".blockIO.weightDevice", i), "needs weight or leafWeight");
        }
    }
    for (std::size_t i = 0; i < r.hugepageLimits.size(); ++i) {
        // "<size><unit-prefix>B", e.g. 64KB, 2MB, 1GB: the suffix of the hugetlb.<size>.* files.
        const auto& page = r.hugepageLimits[i].pageSize;
        auto digits = page.find_first_not_of("0123456789");
        auto unit = digits == std::string::npos ? std::string_view{} : std::string_view(page).substr(digits);
        if (digits == 0 || (unit != "KB" && unit != "MB" && unit != "GB" && unit != "TB" && unit != "PB"))
            bad(index_path(base + ".hugepageLimits", i) + ".pageSize",
                fmt::format("{} is not a page size like \"2MB\"", quote(page)));
    }
    if (r.network) {
        for (std::size_t i = 0; i < r.network->priorities.size(); ++i) {
            const auto& name = r.network->priorities[i].name;
            if (!is_valid_ifname(name))
                bad(index_path(base + ".network.priorities", i) + ".name",
                    fmt::format("invalid interface name {}", quote(name)));
        }
    }
    for (const auto& [device, limit] : r.rdma)
        if (!limit.hcaHandles && !limit.hcaObjects)
            bad(key_path(base + ".rdma", device), "needs hcaHandles or hcaObjects");
    for (const auto& [file, value] : r.unified) {
        // Keys become file names inside the container's cgroup: refuse anything that could escape it.
        if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos ||
            file.find('\0') != std::string::npos)
            bad(key_path(base + ".unified", file), "must name a file in the container's cgroup directory");
    }
}

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

// runc's rule: only sysctls that live in a namespace the container owns may be
// set; anything else would change the host.
void check_sysctls(const Linux& lx) {
    static constexpr std::string_view kIpcSysctls[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                                       "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                                       "kernel.shmmni", "kernel.shm_rmid_forced"};
    for (const auto& [key, value] : lx.sysctl) {
        auto path = key_path("linux.sysctl", key);
        if (key.empty()) bad(path, "name must not be empty");
        // sysctl(8) accepts both "net.ipv4.ip_forward" and "net/ipv4/ip_forward".
        std::string name = key;
        std::replace(name.begin(), name.end(), '/', '.');
        if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string::npos ||
            name.find('\0') != std::string::npos)
            bad(path, "invalid sysctl name");

        bool ipc = name.starts_with("fs.mqueue.") ||
                   std::find(std::begin(kIpcSysctls), std::end(kIpcSysctls), name) != std::end(kIpcSysctls);
        if (ipc) {
            if (!lx.find_namespace("ipc")) bad(path, "requires an IPC namespace (the container shares the host's)");
        } else if (name.starts_with("net.")) {
            if (!lx.find_namespace("network"))
                bad(path, "requires a network namespace (the container shares the host's)");
        } else if (name == "kernel.domainname") {
            if (!lx.find_namespace("uts")) bad(path, "requires a UTS namespace (the container shares the host's)");
        } else if (name == "kernel.hostname") {
            bad(path, "conflicts with the \"hostname\" field; set that instead");
        } else {
            bad(path, "is not namespaced: setting it would change the host");
        }
    }
}

void check_netdevices(const Linux& lx) {
    if (lx.netDevices.empty()) return;
    // Moving a device "into" the host's own namespace is meaningless.
    if (!lx.find_namespace("network"))
        bad("linux.netDevices", "requires a network namespace (the container shares the host's)");
    std::set<std::string_view> names_inside;
    for (const auto& [host_name, dev] : lx.netDevices) {
        auto path = key_path("linux.netDevices", host_name);
        if (!is_valid_ifname(host_name)) bad(path, "invalid interface name (1-15 bytes, no '/', ':' or whitespace)");
        if (!dev.name.empty() && !is_valid_ifname(dev.name))
            bad(field_path(path, "name"),
                fmt::format("invalid interface name {} (1-15 bytes, no '/', ':' or whitespace)", quote(dev.name)));
        std::string_view inside = dev.name.empty() ? std::string_view(host_name) : std::string_view(dev.name);
        if (!names_inside.insert(inside).second)
            bad(field_path(path, "name"), fmt::format("{} is used by another device in the container", quote(inside)));
    }
}

void check_memory_policy(const MemoryPolicy& mp) {
    const std::string base = "linux.memoryPolicy";
    if (mp.mode.empty()) bad(base + ".mode", "is required");
    if (!mempolicy_mode_from_name(mp.mode)) bad(base + ".mode", fmt::format("unknown mode {}", quote(mp.mode)));
    for (std::size_t i = 0; i < mp.flags.size(); ++i)
        if (!mempolicy_flag_from_name(mp.flags[i]))
            bad(index_path(base + ".flags", i), fmt::format("unknown flag {}", quote(mp.flags[i])));
    auto has_flag = [&](std::string_view f) {
        return std::find(mp.flags.begin(), mp.flags.end(), f) != mp.flags.end();
    };
    if (has_flag("MPOL_F_STATIC_NODES") && has_flag("MPOL_F_RELATIVE_NODES"))
        bad(base + ".flags", "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES are mutually exclusive");

    // set_mempolicy(2): DEFAULT and LOCAL take no nodes; the set-based modes need some.
    if (mp.mode == "MPOL_DEFAULT" || mp.mode == "MPOL_LOCAL") {
        if (!mp.nodes.empty()) bad(base + ".nodes", fmt::format("must be empty for {}", mp.mode));
    } else if (mp.mode != "MPOL_PREFERRED" && mp.nodes.empty()) {
        bad(base + ".nodes", fmt::format("is required for {}", mp.mode));
    }
    if (!mp.nodes.empty() && !is_id_list(mp.nodes))
        bad(base + ".nodes", fmt::format("invalid node list {}", quote(mp.nodes)));
}

void check_linux(const Linux& lx) {
    check_namespaces(lx);
    check_devices(lx.devices);
    if (lx.resources) check_resources(*lx.resources);
    if (!lx.rootfsPropagation.empty() && !rootfs_propagation_flags(lx.rootfsPropagation))
        bad("linux.rootfsPropagation", fmt::format("unknown propagation {}", quote(lx.rootfsPropagation)));
    if (lx.seccomp) check_seccomp(*lx.seccomp);
    check_sysctls(lx);
    for (std::size_t i = 0; i < lx.maskedPaths.size(); ++i)
        check_absolute(index_path("linux.maskedPaths", i), lx.maskedPaths[i]);
    for (std::size_t i = 0; i < lx.readonlyPaths.size(); ++i)
        check_absolute(index_path("linux.readonlyPaths", i), lx.readonlyPaths[i]);
    if (lx.intelRdt) {
        const auto& rdt = *lx.intelRdt;
        // closID names a directory under /sys/fs/resctrl.
        if (!rdt.closID.empty() &&
            (rdt.closID == "." || rdt.closID == ".." || rdt.closID.find('/') != std::string::npos))
            bad("linux.intelRdt.closID", fmt::format("{} is not a plain directory name", quote(rdt.closID)));
        if (!rdt.memBwSchema.empty() &&
            (!rdt.memBwSchema.starts_with("MB:") || rdt.memBwSchema.find('\n') != std::string::npos))
            bad("linux.intelRdt.memBwSchema", "must be a single line starting with \"MB:\"");
    }
    if (lx.personality) {
        const auto& pers = *lx.personality;
        if (pers.domain.empty()) bad("linux.personality.domain", "is required");
        if (pers.domain != "LINUX" && pers.domain != "LINUX32")
            bad("linux.personality.domain",
                fmt::format("unknown domain {} (want LINUX or LINUX32)", quote(pers.domain)));
        if (!pers.flags.empty())
            bad("linux.personality.flags[0]",
                fmt::format("unknown flag {} (no personality flags are supported)", quote(pers.flags[0])));
    }
    check_netdevices(lx);
    if (lx.memoryPolicy) check_memory_policy(*lx.memoryPolicy);
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

// The whole file, or an errno-carrying error naming it.
Result<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_fail("read {}", path);
    std::string content;
    char buf[65536];
    while (true) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail("read {}", path);
        }
        if (n == 0) return content;
        content.append(buf, static_cast<std::size_t>(n));
    }
}

}  // namespace

Result<void> validate_spec(const Spec& spec) {
    return guarded([&] { check_spec(spec); });
}

Result<void> validate_process(const Process& p, std::string_view path_prefix) {
    return guarded([&] { check_process(p, path_prefix); });
}

Result<Spec> parse_spec(std::string_view json_text) {
    auto spec = guarded([&] { return read_spec(parse_json(json_text)); });
    if (!spec) return spec;
    if (auto ok = validate_spec(*spec); !ok) return std::unexpected(std::move(ok.error()));
    return spec;
}

Result<Process> parse_process(std::string_view json_text) {
    auto process = guarded([&] {
        json j = parse_json(json_text);
        if (!j.is_object()) bad("", "the process must be a JSON object");
        Process p;
        read(j, "", p);
        return p;
    });
    if (!process) return process;
    if (auto ok = validate_process(*process, ""); !ok) return std::unexpected(std::move(ok.error()));
    return process;
}

Result<Spec> load_spec(const std::string& bundle_dir, std::string* text_out) {
    std::string path =
        bundle_dir.empty() || bundle_dir.ends_with('/') ? bundle_dir + "config.json" : bundle_dir + "/config.json";
    auto text = read_file(path);
    if (!text) return std::unexpected(std::move(text.error()));
    auto spec = parse_spec(*text);
    if (!spec) return wrap(std::move(spec), path);
    if (text_out) *text_out = std::move(*text);
    return spec;
}

}  // namespace brig::oci
