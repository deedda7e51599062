// The configs the OCI tests share: the full config (every field of the model), a
// minimal one, and mutations of the minimal one that the parser must accept. The parser's
// tests check what each gives; the writer's tests round-trip every one of them.
#pragma once

#include <nlohmann/json.hpp>

namespace brig::oci::sample {

using nlohmann::json;

// A config that uses every field of the model.
inline constexpr const char* kFullConfig = R"json({
  "ociVersion": "1.3.0",
  "process": {
    "terminal": true,
    "consoleSize": {"height": 25, "width": 80},
    "user": {"uid": 1000, "gid": 1001, "umask": 18, "additionalGids": [5, 6], "username": "alice"},
    "args": ["/bin/sh", "-c", "true"],
    "env": ["PATH=/usr/bin:/bin", "EMPTY="],
    "cwd": "/work",
    "capabilities": {
      "bounding": ["CAP_KILL", "CAP_CHOWN"],
      "effective": ["CAP_KILL"],
      "inheritable": ["CAP_NET_RAW"],
      "permitted": ["CAP_KILL", "CAP_CHOWN"],
      "ambient": ["CAP_KILL"]
    },
    "rlimits": [
      {"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024},
      {"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0}
    ],
    "noNewPrivileges": true,
    "apparmorProfile": "brig-default",
    "oomScoreAdj": -500,
    "selinuxLabel": "system_u:system_r:container_t:s0",
    "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
    "scheduler": {"policy": "SCHED_DEADLINE", "nice": 0, "priority": 0,
                  "flags": ["SCHED_FLAG_RESET_ON_FORK"], "runtime": 10000, "deadline": 20000, "period": 30000},
    "execCPUAffinity": {"initial": "0-1", "final": "0-3,7"},
    "commandLine": "windows only, ignored"
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "box",
  "domainname": "example.org",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "ro", "idmap"],
     "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
     "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 65536}]}
  ],
  "hooks": {
    "prestart": [{"path": "/usr/bin/pre", "args": ["pre", "x"], "env": ["A=1"], "timeout": 5}],
    "createRuntime": [{"path": "/usr/bin/cr"}],
    "createContainer": [{"path": "/usr/bin/cc"}],
    "startContainer": [{"path": "/usr/bin/sc"}],
    "poststart": [{"path": "/usr/bin/ps"}],
    "poststop": [{"path": "/usr/bin/pst", "timeout": 1}]
  },
  "annotations": {"org.example.key": "value"},
  "linux": {
    "namespaces": [
      {"type": "pid"}, {"type": "network", "path": "/var/run/netns/x"}, {"type": "mount"}, {"type": "ipc"},
      {"type": "uts"}, {"type": "user"}, {"type": "cgroup"}, {"type": "time"}
    ],
    "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}, {"containerID": 1, "hostID": 100000, "size": 65535}],
    "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
    "timeOffsets": {"monotonic": {"secs": -3600, "nanosecs": 500}, "boottime": {"secs": 86400}},
    "devices": [
      {"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0},
      {"type": "p", "path": "/dev/fifo"}
    ],
    "netDevices": {"eth1": {"name": "ctr0"}, "dummy0": {}},
    "cgroupsPath": "/brig/test",
    "resources": {
      "devices": [{"allow": false, "access": "rwm"},
                  {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}],
      "memory": {"limit": 536870912, "reservation": 268435456, "swap": -1, "kernel": -1, "kernelTCP": 1024,
                 "swappiness": 60, "disableOOMKiller": true, "useHierarchy": false, "checkBeforeUpdate": true},
      "cpu": {"shares": 1024, "quota": 100000, "burst": 50000, "period": 100000, "realtimeRuntime": 950000,
              "realtimePeriod": 1000000, "cpus": "0-3", "mems": "0", "idle": 1},
      "pids": {"limit": 100},
      "blockIO": {
        "weight": 500, "leafWeight": 300,
        "weightDevice": [{"major": 8, "minor": 0, "weight": 600, "leafWeight": 200},
                         {"major": 8, "minor": 16, "weight": 700}],
        "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1000}],
        "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 2000}],
        "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 300}],
        "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 400}]
      },
      "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}],
      "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
      "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}, "mlx4_0": {"hcaObjects": 1000}},
      "unified": {"io.max": "259:0 rbps=2097152", "memory.high": "1G"}
    },
    "rootfsPropagation": "rslave",
    "seccomp": {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 1,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "flags": ["SECCOMP_FILTER_FLAG_LOG"],
      "listenerPath": "/run/agent.sock",
      "listenerMetadata": "meta",
      "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
         "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"},
                  {"index": 1, "value": 255, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}
      ]
    },
    "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "65536", "kernel.domainname": "x",
               "fs.mqueue.msg_max": "10"},
    "maskedPaths": ["/proc/kcore"],
    "readonlyPaths": ["/proc/sys"],
    "mountLabel": "system_u:object_r:container_file_t:s0",
    "intelRdt": {"closID": "guaranteed", "l3CacheSchema": "L3:0=7f0", "memBwSchema": "MB:0=20",
                 "schemata": ["L2:0=f"], "enableMonitoring": true},
    "personality": {"domain": "LINUX32"},
    "memoryPolicy": {"mode": "MPOL_INTERLEAVE", "nodes": "0-1", "flags": ["MPOL_F_STATIC_NODES"]}
  },
  "vm": {"hypervisor": {"path": "/ignored"}},
  "someFutureField": [1, 2, 3]
})json";

// A small valid config that tests mutate to trigger one rule at a time.
inline json minimal() {
    return json::parse(R"({
        "ociVersion": "1.3.0",
        "root": {"path": "rootfs"},
        "process": {"args": ["sh"], "cwd": "/"},
        "linux": {"namespaces": [{"type": "mount"}]}
    })");
}


inline void add_namespace(json& config, const char* type) {
    config["linux"]["namespaces"].push_back({{"type", type}});
}

struct Mutation {
    const char* name;
    void (*mutate)(json&);
};

// Edge cases the parser accepts, each applied to minimal().
inline const Mutation kAcceptedEdgeCases[] = {
    {"prerelease and build version", [](json& c) { c["ociVersion"] = "1.0.2-dev+abc.1"; }},
    {"old version", [](json& c) { c["ociVersion"] = "1.0.0"; }},
    {"hostname with joined uts", [](json& c) {
         c["linux"]["namespaces"].push_back({{"type", "uts"}, {"path", "/proc/1/ns/uts"}});
         c["hostname"] = "h";
     }},
    {"joined userns without mappings", [](json& c) {
         c["linux"]["namespaces"].push_back({{"type", "user"}, {"path", "/proc/1/ns/user"}});
     }},
    {"sysctls in owned namespaces", [](json& c) {
         add_namespace(c, "network");
         add_namespace(c, "ipc");
         add_namespace(c, "uts");
         c["linux"]["sysctl"] = {{"net/ipv4/ip_forward", "1"}, {"kernel.msgmax", "1"}, {"kernel.domainname", "d"}};
     }},
    {"netDevices with joined netns", [](json& c) {
         c["linux"]["namespaces"].push_back({{"type", "network"}, {"path", "/run/netns/a"}});
         c["linux"]["netDevices"] = {{"eth0", {{"name", "eth0"}}}};
     }},
    {"preferred without nodes", [](json& c) { c["linux"]["memoryPolicy"] = {{"mode", "MPOL_PREFERRED"}}; }},
    {"max rlimit values", [](json& c) {
         c["process"]["rlimits"] = {
             {{"type", "RLIMIT_RTTIME"}, {"hard", 18446744073709551615u}, {"soft", 18446744073709551615u}}};
     }},
    {"negative memory limits", [](json& c) {
         c["linux"]["resources"] = {{"memory", {{"limit", -1}, {"swap", -1}}}, {"pids", {{"limit", -1}}}};
     }},
    {"relative cgroupsPath", [](json& c) { c["linux"]["cgroupsPath"] = "system.slice:brig:abc"; }},
    {"unknown capability only warns",
     [](json& c) { c["process"]["capabilities"] = {{"bounding", {"CAP_FUTURE"}}}; }},
    {"all rootfs propagations", [](json& c) { c["linux"]["rootfsPropagation"] = "runbindable"; }},
    {"null counts as absent", [](json& c) {
         c["hostname"] = nullptr;
         c["process"]["oomScoreAdj"] = nullptr;
         c["process"]["capabilities"] = nullptr;
         c["linux"]["resources"] = nullptr;
     }},
    {"schemata as one string", [](json& c) { c["linux"]["intelRdt"] = {{"schemata", "L3:0=7f0;1=1f\nMB:0=20\n"}}; }},
    {"no linux", [](json& c) { c.erase("linux"); }},
    {"no process", [](json& c) { c.erase("process"); }},
    {"unknown fields", [](json& c) {
         c["futureThing"] = {{"a", 1}};
         c["process"]["futureThing"] = 1;
         c["windows"] = {{"layerFolders", {"C:\\x"}}};
     }},
    {"empty objects and zero values", [](json& c) {
         c["process"]["capabilities"] = json::object();
         c["process"]["user"]["umask"] = 0;
         c["process"]["oomScoreAdj"] = 0;
         c["linux"]["resources"] = {{"memory", {{"disableOOMKiller", false}}}, {"cpu", json::object()}};
         c["hooks"] = json::object();
         c["linux"]["devices"] = {{{"type", "c"}, {"path", "/dev/null0"}, {"major", 0}, {"minor", 0}}};
     }},
};

}  // namespace brig::oci::sample
