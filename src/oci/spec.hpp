// The OCI runtime-spec (config.json) model for Linux, version 1.3.0.
// Plain data: parse_spec fills it from JSON (read.cpp), resolves the names the runtime acts
// on to numbers (resolve.cpp) and validates it (validate*.cpp); write.hpp writes it back.
// Nothing here touches the system. Members are named as in the JSON (fields.hpp maps them);
// the few snake_case ones are those resolved numbers, which have no JSON name.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace brig::oci {

inline constexpr const char* kSpecVersion = "1.3.0";

struct IdMapping {
    uint32_t containerID = 0;
    uint32_t hostID = 0;
    uint32_t size = 0;
    bool operator==(const IdMapping&) const = default;
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additionalGids;
    std::string username;  // windows only; kept for round-tripping
    bool operator==(const User&) const = default;
};

struct Capabilities {
    // Absent set (nullopt) and empty set differ only for documentation; both mean "none".
    std::vector<std::string> bounding, effective, inheritable, permitted, ambient;

    // Resolved: each set as bits 1 << CAP_*. Unknown names are left out (the runtime-spec
    // has them ignored); those the running kernel lacks are dropped when the sets are applied.
    struct Masks {
        uint64_t bounding = 0, effective = 0, inheritable = 0, permitted = 0, ambient = 0;
        bool operator==(const Masks&) const = default;
    } masks;
    bool operator==(const Capabilities&) const = default;
};

struct Rlimit {
    std::string type;  // "RLIMIT_NOFILE", ...
    uint64_t hard = 0;
    uint64_t soft = 0;
    int resource = -1;  // resolved: RLIMIT_NOFILE, ...
    bool operator==(const Rlimit&) const = default;
};

struct ConsoleSize {
    uint32_t height = 0;
    uint32_t width = 0;
    bool operator==(const ConsoleSize&) const = default;
};

struct IoPriority {
    std::string ioClass;  // IOPRIO_CLASS_RT | IOPRIO_CLASS_BE | IOPRIO_CLASS_IDLE
    int priority = 0;     // 0..7
    int class_number = 0;  // resolved: IOPRIO_CLASS_*
    bool operator==(const IoPriority&) const = default;
};

struct Scheduler {
    std::string policy;  // SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE
    int32_t nice = 0;
    int32_t priority = 0;
    std::vector<std::string> flags;  // SCHED_FLAG_RESET_ON_FORK, ...
    uint64_t runtime = 0, deadline = 0, period = 0;
    int policy_number = 0;   // resolved: SCHED_* (sched_attr.sched_policy)
    uint64_t flag_bits = 0;  // resolved: the flags ORed (sched_attr.sched_flags)
    bool operator==(const Scheduler&) const = default;
};

struct ExecCPUAffinity {
    std::string initial;  // cpu list, e.g. "0-3,7"
    std::string final;
    bool operator==(const ExecCPUAffinity&) const = default;
};

struct Process {
    bool terminal = false;
    std::optional<ConsoleSize> consoleSize;
    User user;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd;  // absolute, required
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool noNewPrivileges = false;
    std::string apparmorProfile;
    std::optional<int> oomScoreAdj;
    std::string selinuxLabel;
    std::optional<IoPriority> ioPriority;
    std::optional<Scheduler> scheduler;
    std::optional<ExecCPUAffinity> execCPUAffinity;
    bool operator==(const Process&) const = default;
};

struct Root {
    std::string path;  // relative to the bundle or absolute
    bool readonly = false;
    bool operator==(const Root&) const = default;
};

struct Mount {
    std::string destination;  // absolute path inside the container
    std::string type;         // "bind", "proc", "tmpfs", ... ; may be empty for bind mounts
    std::string source;
    std::vector<std::string> options;
    std::vector<IdMapping> uidMappings, gidMappings;
    bool operator==(const Mount&) const = default;
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int> timeout;  // seconds, > 0
    bool operator==(const Hook&) const = default;
};

struct Hooks {
    std::vector<Hook> prestart, createRuntime, createContainer, startContainer, poststart, poststop;
    bool operator==(const Hooks&) const = default;
};

struct Namespace {
    std::string type;  // pid, network, mount, ipc, uts, user, cgroup, time
    std::string path;  // empty: create a new one
    bool operator==(const Namespace&) const = default;
};

struct Device {
    std::string type;  // c, b, u, p
    std::string path;
    int64_t major = 0, minor = 0;
    std::optional<uint32_t> fileMode;
    std::optional<uint32_t> uid, gid;
    bool operator==(const Device&) const = default;
};

// ---- linux.resources (cgroups) ----
struct DeviceRule {
    bool allow = false;
    std::string type;  // a, c, b ("" = all)
    std::optional<int64_t> major, minor;
    std::string access;  // rwm subset
    bool operator==(const DeviceRule&) const = default;
};

struct MemoryResources {
    std::optional<int64_t> limit, reservation, swap, kernel, kernelTCP;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disableOOMKiller, useHierarchy, checkBeforeUpdate;
    bool operator==(const MemoryResources&) const = default;
};

struct CpuResources {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;
    std::optional<uint64_t> burst, period;
    std::optional<int64_t> realtimeRuntime;
    std::optional<uint64_t> realtimePeriod;
    std::string cpus, mems;
    std::optional<int64_t> idle;
    bool operator==(const CpuResources&) const = default;
};

struct PidsResources {
    std::optional<int64_t> limit;
    bool operator==(const PidsResources&) const = default;
};

struct WeightDevice {
    int64_t major = 0, minor = 0;
    std::optional<uint16_t> weight, leafWeight;
    bool operator==(const WeightDevice&) const = default;
};

struct ThrottleDevice {
    int64_t major = 0, minor = 0;
    uint64_t rate = 0;
    bool operator==(const ThrottleDevice&) const = default;
};

struct BlockIOResources {
    std::optional<uint16_t> weight, leafWeight;
    std::vector<WeightDevice> weightDevice;
    std::vector<ThrottleDevice> throttleReadBpsDevice, throttleWriteBpsDevice, throttleReadIOPSDevice,
        throttleWriteIOPSDevice;
    bool operator==(const BlockIOResources&) const = default;
};

struct HugepageLimit {
    std::string pageSize;  // "2MB", "1GB", ...
    uint64_t limit = 0;
    bool operator==(const HugepageLimit&) const = default;
};

struct NetPriority {
    std::string name;
    uint32_t priority = 0;
    bool operator==(const NetPriority&) const = default;
};

struct NetworkResources {
    std::optional<uint32_t> classID;
    std::vector<NetPriority> priorities;
    bool operator==(const NetworkResources&) const = default;
};

struct RdmaLimit {
    std::optional<uint32_t> hcaHandles, hcaObjects;
    bool operator==(const RdmaLimit&) const = default;
};

struct Resources {
    std::vector<DeviceRule> devices;
    std::optional<MemoryResources> memory;
    std::optional<CpuResources> cpu;
    std::optional<PidsResources> pids;
    std::optional<BlockIOResources> blockIO;
    std::vector<HugepageLimit> hugepageLimits;
    std::optional<NetworkResources> network;
    std::map<std::string, RdmaLimit> rdma;
    std::map<std::string, std::string> unified;
    bool operator==(const Resources&) const = default;
};

// ---- linux.seccomp ----
struct SeccompArg {
    uint32_t index = 0;
    uint64_t value = 0;
    uint64_t valueTwo = 0;
    std::string op;  // SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ
    bool operator==(const SeccompArg&) const = default;
};

struct SeccompSyscall {
    std::vector<std::string> names;
    std::string action;  // SCMP_ACT_*
    std::optional<uint32_t> errnoRet;
    std::vector<SeccompArg> args;
    bool operator==(const SeccompSyscall&) const = default;
};

struct Seccomp {
    std::string defaultAction;
    std::optional<uint32_t> defaultErrnoRet;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::string listenerPath;
    std::string listenerMetadata;
    std::vector<SeccompSyscall> syscalls;
    bool operator==(const Seccomp&) const = default;
};

struct IntelRdt {
    std::string closID;
    std::string l3CacheSchema;
    std::string memBwSchema;
    std::vector<std::string> schemata;
    bool enableMonitoring = false;
    bool operator==(const IntelRdt&) const = default;
};

struct Personality {
    std::string domain;  // LINUX | LINUX32
    std::vector<std::string> flags;
    bool operator==(const Personality&) const = default;
};

struct NetDevice {
    std::string name;  // name inside the container; empty = keep the host name
    bool operator==(const NetDevice&) const = default;
};

struct MemoryPolicy {
    std::string mode;   // MPOL_DEFAULT, MPOL_BIND, MPOL_INTERLEAVE, MPOL_WEIGHTED_INTERLEAVE, MPOL_PREFERRED, MPOL_PREFERRED_MANY, MPOL_LOCAL
    std::string nodes;  // node list "0-3,7"
    std::vector<std::string> flags;  // MPOL_F_NUMA_BALANCING, MPOL_F_RELATIVE_NODES, MPOL_F_STATIC_NODES
    int mode_number = 0;  // resolved: MPOL_* (set_mempolicy's mode)
    int flag_bits = 0;    // resolved: the flags ORed (to OR into the mode)
    bool operator==(const MemoryPolicy&) const = default;
};

struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;
    bool operator==(const TimeOffset&) const = default;
};

struct Linux {
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uidMappings, gidMappings;
    std::map<std::string, TimeOffset> timeOffsets;  // "monotonic", "boottime"
    std::vector<Device> devices;
    std::string cgroupsPath;
    std::optional<Resources> resources;
    std::string rootfsPropagation;  // shared, slave, private, unbindable, rshared, rslave, rprivate, runbindable
    std::optional<Seccomp> seccomp;
    std::map<std::string, std::string> sysctl;
    std::vector<std::string> maskedPaths;
    std::vector<std::string> readonlyPaths;
    std::string mountLabel;
    std::optional<IntelRdt> intelRdt;
    std::optional<Personality> personality;
    std::map<std::string, NetDevice> netDevices;  // host interface name -> settings
    std::optional<MemoryPolicy> memoryPolicy;

    // The namespace entry of the given type, or nullptr if the config does not list it.
    const Namespace* find_namespace(std::string_view type) const {
        for (auto& ns : namespaces)
            if (ns.type == type) return &ns;
        return nullptr;
    }
    bool operator==(const Linux&) const = default;
};

struct Spec {
    std::string ociVersion;
    std::optional<Process> process;
    Root root;
    std::string hostname;
    std::string domainname;
    std::vector<Mount> mounts;
    std::optional<Hooks> hooks;
    std::map<std::string, std::string> annotations;
    std::optional<Linux> linux;  // always present after parse() (filled with an empty Linux if absent)
    bool operator==(const Spec&) const = default;
};

// Parse config.json text and validate it fully. Errors name the JSON path at fault,
// e.g. "process.args: must not be empty". Touches nothing on the system.
Result<Spec> parse_spec(std::string_view json_text);

// Read and parse <bundle>/config.json (its text also lands in *text_out if given).
Result<Spec> load_spec(const std::string& bundle_dir, std::string* text_out = nullptr);

// Fill the resolved numbers (Rlimit::resource, Capabilities::masks, ...) from the names,
// reporting an unknown name with its JSON path. parse_spec and parse_process do this; call
// it after building a model in code or changing names in a parsed one.
Result<void> resolve_names(Spec& spec);
Result<void> resolve_names(Process& p, std::string_view path_prefix);

// Validate an already-built Spec (parse_spec calls this). Names are checked by
// resolve_names, not here.
Result<void> validate_spec(const Spec& spec);
Result<void> validate_process(const Process& p, std::string_view path_prefix);

// Parse a standalone process.json (runc exec --process).
Result<Process> parse_process(std::string_view json_text);

// Parse and validate a linux.seccomp object on its own (the engine builds one from its
// profile); errors name the path as in a whole config ("linux.seccomp.syscalls[3].action").
Result<Seccomp> parse_seccomp(std::string_view json_text);
// The same checks on a linux.seccomp built in memory.
Result<void> validate_seccomp(const Seccomp& s);

// The default config.json that `brig-oci spec` writes (runc's defaults), as JSON text.
// rootless: user namespace with the caller's uid/gid mapped to 0, no network ns, etc.
std::string default_spec_json(bool rootless, uint32_t uid, uint32_t gid);

// The runtime-spec "features" document (what this runtime supports), as JSON text.
std::string features_json();

}  // namespace brig::oci
