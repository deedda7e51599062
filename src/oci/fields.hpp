// The JSON name of each field of the model, in the runtime-spec's order (that of its
// Go structs), and whether the runtime-spec leaves the field out when it is empty.
// The reader (read.cpp) and the writer (write.cpp) both walk these lists, so a field
// listed here is read and written alike. The numbers the reader resolves from names
// (Rlimit::resource, Capabilities::masks, ...) are not JSON fields and are not listed.
#pragma once

#include <string_view>
#include <tuple>

#include "oci/spec.hpp"

namespace brig::oci::fields {

// One JSON member: its name, the model member it maps to, and whether the writer leaves
// it out when it holds its zero value (Go's `omitempty`): absent, empty, false or 0.
template <class S, class M>
struct Field {
    std::string_view name;
    M S::*member;
    bool omitempty;
};

// Always written, zero or not (the runtime-spec's members without omitempty).
template <class S, class M>
constexpr Field<S, M> req(std::string_view name, M S::*member) {
    return {name, member, false};
}

// Left out when zero.
template <class S, class M>
constexpr Field<S, M> opt(std::string_view name, M S::*member) {
    return {name, member, true};
}

// of(Of<T>{}) is T's field list. It is found by argument-dependent lookup, so the
// templates that walk the lists need not come after all of them.
template <class T>
struct Of {};

template <class T>
concept Described = requires { of(Of<T>{}); };

// ---- process ----
constexpr auto of(Of<IdMapping>) {
    using T = IdMapping;
    return std::tuple{req("containerID", &T::containerID), req("hostID", &T::hostID), req("size", &T::size)};
}

constexpr auto of(Of<User>) {
    using T = User;
    return std::tuple{req("uid", &T::uid), req("gid", &T::gid), opt("umask", &T::umask),
                      opt("additionalGids", &T::additionalGids), opt("username", &T::username)};
}

constexpr auto of(Of<Capabilities>) {
    using T = Capabilities;
    return std::tuple{opt("bounding", &T::bounding), opt("effective", &T::effective),
                      opt("inheritable", &T::inheritable), opt("permitted", &T::permitted),
                      opt("ambient", &T::ambient)};
}

constexpr auto of(Of<Rlimit>) {
    using T = Rlimit;
    return std::tuple{req("type", &T::type), req("hard", &T::hard), req("soft", &T::soft)};
}

constexpr auto of(Of<ConsoleSize>) {
    using T = ConsoleSize;
    return std::tuple{req("height", &T::height), req("width", &T::width)};
}

constexpr auto of(Of<IoPriority>) {
    using T = IoPriority;
    return std::tuple{req("class", &T::ioClass), req("priority", &T::priority)};
}

constexpr auto of(Of<Scheduler>) {
    using T = Scheduler;
    return std::tuple{req("policy", &T::policy),   opt("nice", &T::nice),         opt("priority", &T::priority),
                      opt("flags", &T::flags),     opt("runtime", &T::runtime),   opt("deadline", &T::deadline),
                      opt("period", &T::period)};
}

constexpr auto of(Of<ExecCPUAffinity>) {
    using T = ExecCPUAffinity;
    return std::tuple{opt("initial", &T::initial), opt("final", &T::final)};
}

constexpr auto of(Of<Process>) {
    using T = Process;
    return std::tuple{opt("terminal", &T::terminal),
                      opt("consoleSize", &T::consoleSize),
                      req("user", &T::user),
                      opt("args", &T::args),
                      opt("env", &T::env),
                      req("cwd", &T::cwd),
                      opt("capabilities", &T::capabilities),
                      opt("rlimits", &T::rlimits),
                      opt("noNewPrivileges", &T::noNewPrivileges),
                      opt("apparmorProfile", &T::apparmorProfile),
                      opt("oomScoreAdj", &T::oomScoreAdj),
                      opt("scheduler", &T::scheduler),
                      opt("selinuxLabel", &T::selinuxLabel),
                      opt("ioPriority", &T::ioPriority),
                      opt("execCPUAffinity", &T::execCPUAffinity)};
}

// ---- root, mounts, hooks ----
constexpr auto of(Of<Root>) {
    using T = Root;
    return std::tuple{req("path", &T::path), opt("readonly", &T::readonly)};
}

constexpr auto of(Of<Mount>) {
    using T = Mount;
    return std::tuple{req("destination", &T::destination), opt("type", &T::type), opt("source", &T::source),
                      opt("options", &T::options), opt("uidMappings", &T::uidMappings),
                      opt("gidMappings", &T::gidMappings)};
}

constexpr auto of(Of<Hook>) {
    using T = Hook;
    return std::tuple{req("path", &T::path), opt("args", &T::args), opt("env", &T::env), opt("timeout", &T::timeout)};
}

constexpr auto of(Of<Hooks>) {
    using T = Hooks;
    return std::tuple{opt("prestart", &T::prestart),
                      opt("createRuntime", &T::createRuntime),
                      opt("createContainer", &T::createContainer),
                      opt("startContainer", &T::startContainer),
                      opt("poststart", &T::poststart),
                      opt("poststop", &T::poststop)};
}

// ---- linux ----
constexpr auto of(Of<Namespace>) {
    using T = Namespace;
    return std::tuple{req("type", &T::type), opt("path", &T::path)};
}

constexpr auto of(Of<Device>) {
    using T = Device;
    return std::tuple{req("path", &T::path),   req("type", &T::type),         req("major", &T::major),
                      req("minor", &T::minor), opt("fileMode", &T::fileMode), opt("uid", &T::uid),
                      opt("gid", &T::gid)};
}

constexpr auto of(Of<NetDevice>) {
    using T = NetDevice;
    return std::tuple{opt("name", &T::name)};
}

constexpr auto of(Of<IntelRdt>) {
    using T = IntelRdt;
    return std::tuple{opt("closID", &T::closID), opt("l3CacheSchema", &T::l3CacheSchema),
                      opt("memBwSchema", &T::memBwSchema), opt("schemata", &T::schemata),
                      opt("enableMonitoring", &T::enableMonitoring)};
}

constexpr auto of(Of<Personality>) {
    using T = Personality;
    return std::tuple{req("domain", &T::domain), opt("flags", &T::flags)};
}

constexpr auto of(Of<MemoryPolicy>) {
    using T = MemoryPolicy;
    return std::tuple{req("mode", &T::mode), req("nodes", &T::nodes), opt("flags", &T::flags)};
}

constexpr auto of(Of<TimeOffset>) {
    using T = TimeOffset;
    return std::tuple{opt("secs", &T::secs), opt("nanosecs", &T::nanosecs)};
}

constexpr auto of(Of<Linux>) {
    using T = Linux;
    return std::tuple{opt("uidMappings", &T::uidMappings),
                      opt("gidMappings", &T::gidMappings),
                      opt("sysctl", &T::sysctl),
                      opt("resources", &T::resources),
                      opt("cgroupsPath", &T::cgroupsPath),
                      opt("namespaces", &T::namespaces),
                      opt("devices", &T::devices),
                      opt("netDevices", &T::netDevices),
                      opt("seccomp", &T::seccomp),
                      opt("rootfsPropagation", &T::rootfsPropagation),
                      opt("maskedPaths", &T::maskedPaths),
                      opt("readonlyPaths", &T::readonlyPaths),
                      opt("mountLabel", &T::mountLabel),
                      opt("intelRdt", &T::intelRdt),
                      opt("memoryPolicy", &T::memoryPolicy),
                      opt("personality", &T::personality),
                      opt("timeOffsets", &T::timeOffsets)};
}

constexpr auto of(Of<Spec>) {
    using T = Spec;
    return std::tuple{req("ociVersion", &T::ociVersion),   opt("process", &T::process),
                      req("root", &T::root),               opt("hostname", &T::hostname),
                      opt("domainname", &T::domainname),   opt("mounts", &T::mounts),
                      opt("hooks", &T::hooks),             opt("annotations", &T::annotations),
                      opt("linux", &T::linux)};
}

// ---- linux.resources ----
constexpr auto of(Of<DeviceRule>) {
    using T = DeviceRule;
    return std::tuple{req("allow", &T::allow), opt("type", &T::type), opt("major", &T::major),
                      opt("minor", &T::minor), opt("access", &T::access)};
}

constexpr auto of(Of<MemoryResources>) {
    using T = MemoryResources;
    return std::tuple{opt("limit", &T::limit),
                      opt("reservation", &T::reservation),
                      opt("swap", &T::swap),
                      opt("kernel", &T::kernel),
                      opt("kernelTCP", &T::kernelTCP),
                      opt("swappiness", &T::swappiness),
                      opt("disableOOMKiller", &T::disableOOMKiller),
                      opt("useHierarchy", &T::useHierarchy),
                      opt("checkBeforeUpdate", &T::checkBeforeUpdate)};
}

constexpr auto of(Of<CpuResources>) {
    using T = CpuResources;
    return std::tuple{opt("shares", &T::shares),
                      opt("quota", &T::quota),
                      opt("burst", &T::burst),
                      opt("period", &T::period),
                      opt("realtimeRuntime", &T::realtimeRuntime),
                      opt("realtimePeriod", &T::realtimePeriod),
                      opt("cpus", &T::cpus),
                      opt("mems", &T::mems),
                      opt("idle", &T::idle)};
}

constexpr auto of(Of<PidsResources>) {
    using T = PidsResources;
    return std::tuple{opt("limit", &T::limit)};
}

constexpr auto of(Of<WeightDevice>) {
    using T = WeightDevice;
    return std::tuple{req("major", &T::major), req("minor", &T::minor), opt("weight", &T::weight),
                      opt("leafWeight", &T::leafWeight)};
}

constexpr auto of(Of<ThrottleDevice>) {
    using T = ThrottleDevice;
    return std::tuple{req("major", &T::major), req("minor", &T::minor), req("rate", &T::rate)};
}

constexpr auto of(Of<BlockIOResources>) {
    using T = BlockIOResources;
    return std::tuple{opt("weight", &T::weight),
                      opt("leafWeight", &T::leafWeight),
                      opt("weightDevice", &T::weightDevice),
                      opt("throttleReadBpsDevice", &T::throttleReadBpsDevice),
                      opt("throttleWriteBpsDevice", &T::throttleWriteBpsDevice),
                      opt("throttleReadIOPSDevice", &T::throttleReadIOPSDevice),
                      opt("throttleWriteIOPSDevice", &T::throttleWriteIOPSDevice)};
}

constexpr auto of(Of<HugepageLimit>) {
    using T = HugepageLimit;
    return std::tuple{req("pageSize", &T::pageSize), req("limit", &T::limit)};
}

constexpr auto of(Of<NetPriority>) {
    using T = NetPriority;
    return std::tuple{req("name", &T::name), req("priority", &T::priority)};
}

constexpr auto of(Of<NetworkResources>) {
    using T = NetworkResources;
    return std::tuple{opt("classID", &T::classID), opt("priorities", &T::priorities)};
}

constexpr auto of(Of<RdmaLimit>) {
    using T = RdmaLimit;
    return std::tuple{opt("hcaHandles", &T::hcaHandles), opt("hcaObjects", &T::hcaObjects)};
}

constexpr auto of(Of<Resources>) {
    using T = Resources;
    return std::tuple{opt("devices", &T::devices), opt("memory", &T::memory),
                      opt("cpu", &T::cpu),         opt("pids", &T::pids),
                      opt("blockIO", &T::blockIO), opt("hugepageLimits", &T::hugepageLimits),
                      opt("network", &T::network), opt("rdma", &T::rdma),
                      opt("unified", &T::unified)};
}

// ---- linux.seccomp ----
constexpr auto of(Of<SeccompArg>) {
    using T = SeccompArg;
    return std::tuple{req("index", &T::index), req("value", &T::value), opt("valueTwo", &T::valueTwo),
                      req("op", &T::op)};
}

constexpr auto of(Of<SeccompSyscall>) {
    using T = SeccompSyscall;
    return std::tuple{req("names", &T::names), req("action", &T::action), opt("errnoRet", &T::errnoRet),
                      opt("args", &T::args)};
}

constexpr auto of(Of<Seccomp>) {
    using T = Seccomp;
    return std::tuple{req("defaultAction", &T::defaultAction),
                      opt("defaultErrnoRet", &T::defaultErrnoRet),
                      opt("architectures", &T::architectures),
                      opt("flags", &T::flags),
                      opt("listenerPath", &T::listenerPath),
                      opt("listenerMetadata", &T::listenerMetadata),
                      opt("syscalls", &T::syscalls)};
}

}  // namespace brig::oci::fields
