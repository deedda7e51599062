// parse_spec / load_spec / parse_process / validate_*: every field lands in the
// model, and each rule reports the JSON path at fault.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "oci/spec.hpp"
#include "sample_configs.hpp"

namespace brig::oci {
namespace {

using nlohmann::json;

using sample::add_namespace;
using sample::kFullConfig;
using sample::minimal;

// The error message parse_spec gives for `config`, or a marker if it parsed.
std::string error_of(const json& config) {
    auto spec = parse_spec(config.dump());
    return spec ? "<parsed fine>" : spec.error().message;
}

std::string error_of_text(std::string_view text) {
    auto spec = parse_spec(text);
    return spec ? "<parsed fine>" : spec.error().message;
}

TEST(OciParse, FullConfigFillsEveryField) {
    auto parsed = parse_spec(kFullConfig);
    ASSERT_TRUE(parsed) << parsed.error().message;
    const Spec& s = *parsed;

    EXPECT_EQ(s.ociVersion, "1.3.0");
    ASSERT_TRUE(s.process);
    const Process& p = *s.process;
    EXPECT_TRUE(p.terminal);
    ASSERT_TRUE(p.consoleSize);
    EXPECT_EQ(p.consoleSize->height, 25u);
    EXPECT_EQ(p.consoleSize->width, 80u);
    EXPECT_EQ(p.user.uid, 1000u);
    EXPECT_EQ(p.user.gid, 1001u);
    EXPECT_EQ(p.user.umask, 18u);
    EXPECT_EQ(p.user.additionalGids, (std::vector<uint32_t>{5, 6}));
    EXPECT_EQ(p.user.username, "alice");
    EXPECT_EQ(p.args, (std::vector<std::string>{"/bin/sh", "-c", "true"}));
    EXPECT_EQ(p.env, (std::vector<std::string>{"PATH=/usr/bin:/bin", "EMPTY="}));
    EXPECT_EQ(p.cwd, "/work");
    ASSERT_TRUE(p.capabilities);
    EXPECT_EQ(p.capabilities->bounding, (std::vector<std::string>{"CAP_KILL", "CAP_CHOWN"}));
    EXPECT_EQ(p.capabilities->effective, (std::vector<std::string>{"CAP_KILL"}));
    EXPECT_EQ(p.capabilities->inheritable, (std::vector<std::string>{"CAP_NET_RAW"}));
    EXPECT_EQ(p.capabilities->permitted, (std::vector<std::string>{"CAP_KILL", "CAP_CHOWN"}));
    EXPECT_EQ(p.capabilities->ambient, (std::vector<std::string>{"CAP_KILL"}));
    ASSERT_EQ(p.rlimits.size(), 2u);
    EXPECT_EQ(p.rlimits[0].type, "RLIMIT_NOFILE");
    EXPECT_EQ(p.rlimits[0].hard, 4096u);
    EXPECT_EQ(p.rlimits[0].soft, 1024u);
    EXPECT_EQ(p.rlimits[1].hard, UINT64_MAX);
    EXPECT_TRUE(p.noNewPrivileges);
    EXPECT_EQ(p.apparmorProfile, "brig-default");
    EXPECT_EQ(p.oomScoreAdj, -500);
    EXPECT_EQ(p.selinuxLabel, "system_u:system_r:container_t:s0");
    ASSERT_TRUE(p.ioPriority);
    EXPECT_EQ(p.ioPriority->ioClass, "IOPRIO_CLASS_BE");
    EXPECT_EQ(p.ioPriority->priority, 4);
    ASSERT_TRUE(p.scheduler);
    EXPECT_EQ(p.scheduler->policy, "SCHED_DEADLINE");
    EXPECT_EQ(p.scheduler->flags, (std::vector<std::string>{"SCHED_FLAG_RESET_ON_FORK"}));
    EXPECT_EQ(p.scheduler->runtime, 10000u);
    EXPECT_EQ(p.scheduler->deadline, 20000u);
    EXPECT_EQ(p.scheduler->period, 30000u);
    ASSERT_TRUE(p.execCPUAffinity);
    EXPECT_EQ(p.execCPUAffinity->initial, "0-1");
    EXPECT_EQ(p.execCPUAffinity->final, "0-3,7");

    EXPECT_EQ(s.root.path, "rootfs");
    EXPECT_TRUE(s.root.readonly);
    EXPECT_EQ(s.hostname, "box");
    EXPECT_EQ(s.domainname, "example.org");

    ASSERT_EQ(s.mounts.size(), 2u);
    EXPECT_EQ(s.mounts[0].destination, "/proc");
    EXPECT_EQ(s.mounts[0].type, "proc");
    EXPECT_EQ(s.mounts[0].source, "proc");
    EXPECT_TRUE(s.mounts[0].options.empty());
    EXPECT_EQ(s.mounts[1].options, (std::vector<std::string>{"rbind", "ro", "idmap"}));
    ASSERT_EQ(s.mounts[1].uidMappings.size(), 1u);
    EXPECT_EQ(s.mounts[1].uidMappings[0].hostID, 100000u);
    EXPECT_EQ(s.mounts[1].uidMappings[0].size, 65536u);
    ASSERT_EQ(s.mounts[1].gidMappings.size(), 1u);
    EXPECT_EQ(s.mounts[1].gidMappings[0].hostID, 200000u);

    ASSERT_TRUE(s.hooks);
    ASSERT_EQ(s.hooks->prestart.size(), 1u);
    EXPECT_EQ(s.hooks->prestart[0].path, "/usr/bin/pre");
    EXPECT_EQ(s.hooks->prestart[0].args, (std::vector<std::string>{"pre", "x"}));
    EXPECT_EQ(s.hooks->prestart[0].env, (std::vector<std::string>{"A=1"}));
    EXPECT_EQ(s.hooks->prestart[0].timeout, 5);
    EXPECT_EQ(s.hooks->createRuntime.at(0).path, "/usr/bin/cr");
    EXPECT_EQ(s.hooks->createContainer.at(0).path, "/usr/bin/cc");
    EXPECT_EQ(s.hooks->startContainer.at(0).path, "/usr/bin/sc");
    EXPECT_EQ(s.hooks->poststart.at(0).path, "/usr/bin/ps");
    EXPECT_EQ(s.hooks->poststop.at(0).timeout, 1);
    EXPECT_FALSE(s.hooks->createRuntime[0].timeout);
    EXPECT_EQ(s.annotations.at("org.example.key"), "value");

    ASSERT_TRUE(s.linux);
    const Linux& l = *s.linux;
    ASSERT_EQ(l.namespaces.size(), 8u);
    EXPECT_EQ(l.namespaces[1].type, "network");
    EXPECT_EQ(l.namespaces[1].path, "/var/run/netns/x");
    ASSERT_NE(l.find_namespace("time"), nullptr);
    EXPECT_EQ(l.find_namespace("bogus"), nullptr);
    ASSERT_EQ(l.uidMappings.size(), 2u);
    EXPECT_EQ(l.uidMappings[1].containerID, 1u);
    EXPECT_EQ(l.uidMappings[1].hostID, 100000u);
    EXPECT_EQ(l.uidMappings[1].size, 65535u);
    EXPECT_EQ(l.gidMappings.size(), 1u);
    EXPECT_EQ(l.timeOffsets.at("monotonic").secs, -3600);
    EXPECT_EQ(l.timeOffsets.at("monotonic").nanosecs, 500u);
    EXPECT_EQ(l.timeOffsets.at("boottime").secs, 86400);
    ASSERT_EQ(l.devices.size(), 2u);
    EXPECT_EQ(l.devices[0].type, "c");
    EXPECT_EQ(l.devices[0].path, "/dev/fuse");
    EXPECT_EQ(l.devices[0].major, 10);
    EXPECT_EQ(l.devices[0].minor, 229);
    EXPECT_EQ(l.devices[0].fileMode, 438u);
    EXPECT_EQ(l.devices[0].uid, 0u);
    EXPECT_EQ(l.devices[0].gid, 0u);
    EXPECT_FALSE(l.devices[1].fileMode);
    EXPECT_EQ(l.netDevices.at("eth1").name, "ctr0");
    EXPECT_EQ(l.netDevices.at("dummy0").name, "");
    EXPECT_EQ(l.cgroupsPath, "/brig/test");

    ASSERT_TRUE(l.resources);
    const Resources& r = *l.resources;
    ASSERT_EQ(r.devices.size(), 2u);
    EXPECT_FALSE(r.devices[0].allow);
    EXPECT_EQ(r.devices[0].access, "rwm");
    EXPECT_FALSE(r.devices[0].major);
    EXPECT_TRUE(r.devices[1].allow);
    EXPECT_EQ(r.devices[1].type, "c");
    EXPECT_EQ(r.devices[1].major, 10);
    EXPECT_EQ(r.devices[1].minor, 229);
    ASSERT_TRUE(r.memory);
    EXPECT_EQ(r.memory->limit, 536870912);
    EXPECT_EQ(r.memory->reservation, 268435456);
    EXPECT_EQ(r.memory->swap, -1);
    EXPECT_EQ(r.memory->kernel, -1);
    EXPECT_EQ(r.memory->kernelTCP, 1024);
    EXPECT_EQ(r.memory->swappiness, 60u);
    EXPECT_EQ(r.memory->disableOOMKiller, true);
    EXPECT_EQ(r.memory->useHierarchy, false);
    EXPECT_EQ(r.memory->checkBeforeUpdate, true);
    ASSERT_TRUE(r.cpu);
    EXPECT_EQ(r.cpu->shares, 1024u);
    EXPECT_EQ(r.cpu->quota, 100000);
    EXPECT_EQ(r.cpu->burst, 50000u);
    EXPECT_EQ(r.cpu->period, 100000u);
    EXPECT_EQ(r.cpu->realtimeRuntime, 950000);
    EXPECT_EQ(r.cpu->realtimePeriod, 1000000u);
    EXPECT_EQ(r.cpu->cpus, "0-3");
    EXPECT_EQ(r.cpu->mems, "0");
    EXPECT_EQ(r.cpu->idle, 1);
    ASSERT_TRUE(r.pids);
    EXPECT_EQ(r.pids->limit, 100);
    ASSERT_TRUE(r.blockIO);
    EXPECT_EQ(r.blockIO->weight, 500);
    EXPECT_EQ(r.blockIO->leafWeight, 300);
    ASSERT_EQ(r.blockIO->weightDevice.size(), 2u);
    EXPECT_EQ(r.blockIO->weightDevice[0].leafWeight, 200);
    EXPECT_EQ(r.blockIO->weightDevice[1].minor, 16);
    EXPECT_FALSE(r.blockIO->weightDevice[1].leafWeight);
    EXPECT_EQ(r.blockIO->throttleReadBpsDevice.at(0).rate, 1000u);
    EXPECT_EQ(r.blockIO->throttleWriteBpsDevice.at(0).rate, 2000u);
    EXPECT_EQ(r.blockIO->throttleReadIOPSDevice.at(0).rate, 300u);
    EXPECT_EQ(r.blockIO->throttleWriteIOPSDevice.at(0).minor, 16);
    ASSERT_EQ(r.hugepageLimits.size(), 1u);
    EXPECT_EQ(r.hugepageLimits[0].pageSize, "2MB");
    EXPECT_EQ(r.hugepageLimits[0].limit, 209715200u);
    ASSERT_TRUE(r.network);
    EXPECT_EQ(r.network->classID, 1048577u);
    EXPECT_EQ(r.network->priorities.at(0).name, "eth0");
    EXPECT_EQ(r.network->priorities.at(0).priority, 500u);
    EXPECT_EQ(r.rdma.at("mlx5_1").hcaHandles, 3u);
    EXPECT_EQ(r.rdma.at("mlx5_1").hcaObjects, 10000u);
    EXPECT_FALSE(r.rdma.at("mlx4_0").hcaHandles);
    EXPECT_EQ(r.unified.at("memory.high"), "1G");

    EXPECT_EQ(l.rootfsPropagation, "rslave");
    ASSERT_TRUE(l.seccomp);
    const Seccomp& sc = *l.seccomp;
    EXPECT_EQ(sc.defaultAction, "SCMP_ACT_ERRNO");
    EXPECT_EQ(sc.defaultErrnoRet, 1u);
    EXPECT_EQ(sc.architectures, (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));
    EXPECT_EQ(sc.flags, (std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"}));
    EXPECT_EQ(sc.listenerPath, "/run/agent.sock");
    EXPECT_EQ(sc.listenerMetadata, "meta");
    ASSERT_EQ(sc.syscalls.size(), 3u);
    EXPECT_EQ(sc.syscalls[0].names, (std::vector<std::string>{"read", "write"}));
    EXPECT_FALSE(sc.syscalls[0].errnoRet);
    EXPECT_EQ(sc.syscalls[1].errnoRet, 38u);
    ASSERT_EQ(sc.syscalls[1].args.size(), 2u);
    EXPECT_EQ(sc.syscalls[1].args[1].index, 1u);
    EXPECT_EQ(sc.syscalls[1].args[1].value, 255u);
    EXPECT_EQ(sc.syscalls[1].args[1].valueTwo, 4u);
    EXPECT_EQ(sc.syscalls[1].args[1].op, "SCMP_CMP_MASKED_EQ");
    EXPECT_EQ(l.sysctl.at("net.ipv4.ip_forward"), "1");
    EXPECT_EQ(l.maskedPaths, (std::vector<std::string>{"/proc/kcore"}));
    EXPECT_EQ(l.readonlyPaths, (std::vector<std::string>{"/proc/sys"}));
    EXPECT_EQ(l.mountLabel, "system_u:object_r:container_file_t:s0");
    ASSERT_TRUE(l.intelRdt);
    EXPECT_EQ(l.intelRdt->closID, "guaranteed");
    EXPECT_EQ(l.intelRdt->l3CacheSchema, "L3:0=7f0");
    EXPECT_EQ(l.intelRdt->memBwSchema, "MB:0=20");
    EXPECT_EQ(l.intelRdt->schemata, (std::vector<std::string>{"L2:0=f"}));
    EXPECT_TRUE(l.intelRdt->enableMonitoring);
    ASSERT_TRUE(l.personality);
    EXPECT_EQ(l.personality->domain, "LINUX32");
    ASSERT_TRUE(l.memoryPolicy);
    EXPECT_EQ(l.memoryPolicy->mode, "MPOL_INTERLEAVE");
    EXPECT_EQ(l.memoryPolicy->nodes, "0-1");
    EXPECT_EQ(l.memoryPolicy->flags, (std::vector<std::string>{"MPOL_F_STATIC_NODES"}));
}

// The names the runtime acts on arrive as numbers, so the init never looks one up.
TEST(OciParse, NamesAreResolvedToNumbers) {
    auto parsed = parse_spec(kFullConfig);
    ASSERT_TRUE(parsed) << parsed.error().message;
    const Process& p = *parsed->process;
    ASSERT_EQ(p.rlimits.size(), 2u);
    EXPECT_EQ(p.rlimits[0].resource, RLIMIT_NOFILE);
    EXPECT_EQ(p.rlimits[1].resource, RLIMIT_CORE);
    EXPECT_EQ(p.capabilities->masks.bounding, (1ULL << CAP_KILL) | (1ULL << CAP_CHOWN));
    EXPECT_EQ(p.capabilities->masks.effective, 1ULL << CAP_KILL);
    EXPECT_EQ(p.capabilities->masks.inheritable, 1ULL << CAP_NET_RAW);
    EXPECT_EQ(p.capabilities->masks.permitted, (1ULL << CAP_KILL) | (1ULL << CAP_CHOWN));
    EXPECT_EQ(p.capabilities->masks.ambient, 1ULL << CAP_KILL);
    EXPECT_EQ(p.ioPriority->class_number, 2);  // IOPRIO_CLASS_BE
    EXPECT_EQ(p.scheduler->policy_number, 6);  // SCHED_DEADLINE
    EXPECT_EQ(p.scheduler->flag_bits, 1u);     // SCHED_FLAG_RESET_ON_FORK
    EXPECT_EQ(parsed->linux->memoryPolicy->mode_number, 3);  // MPOL_INTERLEAVE
    EXPECT_EQ(parsed->linux->memoryPolicy->flag_bits, 1 << 15);  // MPOL_F_STATIC_NODES

    json c = minimal();
    c["process"]["capabilities"] = {{"bounding", {"CAP_FUTURE", "CAP_SYS_ADMIN"}}};
    auto unknown_cap = parse_spec(c.dump());
    ASSERT_TRUE(unknown_cap) << unknown_cap.error().message;
    EXPECT_EQ(unknown_cap->process->capabilities->masks.bounding, 1ULL << CAP_SYS_ADMIN);
}

TEST(OciParse, ResolveNamesOnABuiltModel) {
    Process p;
    p.rlimits = {{.type = "RLIMIT_NPROC", .hard = 10, .soft = 5}};
    p.capabilities.emplace();
    p.capabilities->ambient = {"CAP_NET_ADMIN"};
    ASSERT_TRUE(resolve_names(p, "process"));
    EXPECT_EQ(p.rlimits[0].resource, RLIMIT_NPROC);
    EXPECT_EQ(p.capabilities->masks.ambient, 1ULL << CAP_NET_ADMIN);
    EXPECT_EQ(p.capabilities->masks.bounding, 0u);

    p.rlimits[0].type = "RLIMIT_NOPE";
    auto r = resolve_names(p, "process");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "process.rlimits[0].type: unknown rlimit \"RLIMIT_NOPE\"");

    Spec s;
    s.linux.emplace().memoryPolicy = MemoryPolicy{.mode = "MPOL_BIND", .nodes = "0", .flags = {"MPOL_F_BAD"}};
    r = resolve_names(s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "linux.memoryPolicy.flags[0]: unknown flag \"MPOL_F_BAD\"");
}

TEST(OciParse, MissingLinuxBecomesEmptyLinux) {
    json c = minimal();
    c.erase("linux");
    auto spec = parse_spec(c.dump());
    ASSERT_TRUE(spec) << spec.error().message;
    ASSERT_TRUE(spec->linux);
    EXPECT_TRUE(spec->linux->namespaces.empty());
    EXPECT_FALSE(spec->linux->resources);
    EXPECT_FALSE(spec->hooks);
}

TEST(OciParse, ProcessIsOptional) {
    json c = minimal();
    c.erase("process");
    auto spec = parse_spec(c.dump());
    ASSERT_TRUE(spec) << spec.error().message;
    EXPECT_FALSE(spec->process);
}

TEST(OciParse, NullCountsAsAbsent) {
    json c = minimal();
    c["hostname"] = nullptr;
    c["process"]["oomScoreAdj"] = nullptr;
    c["process"]["capabilities"] = nullptr;
    c["linux"]["resources"] = nullptr;
    auto spec = parse_spec(c.dump());
    ASSERT_TRUE(spec) << spec.error().message;
    EXPECT_EQ(spec->hostname, "");
    EXPECT_FALSE(spec->process->oomScoreAdj);
    EXPECT_FALSE(spec->process->capabilities);
    EXPECT_FALSE(spec->linux->resources);
}

TEST(OciParse, SchemataAsStringIsSplitIntoLines) {
    json c = minimal();
    c["linux"]["intelRdt"] = {{"schemata", "L3:0=7f0;1=1f\nMB:0=20;1=70\n"}};
    auto spec = parse_spec(c.dump());
    ASSERT_TRUE(spec) << spec.error().message;
    EXPECT_EQ(spec->linux->intelRdt->schemata, (std::vector<std::string>{"L3:0=7f0;1=1f", "MB:0=20;1=70"}));
}

TEST(OciParse, InvalidJsonReportsLineAndColumn) {
    auto msg = error_of_text("{\n  \"ociVersion\": \"1.3.0\",\n  \"root\": }\n");
    EXPECT_TRUE(msg.starts_with("invalid JSON at line 3, column 11:")) << msg;
    EXPECT_EQ(msg.find("json.exception"), std::string::npos) << msg;
    EXPECT_TRUE(error_of_text("").starts_with("invalid JSON")) << error_of_text("");
}

TEST(OciParse, TopLevelMustBeAnObject) {
    EXPECT_EQ(error_of_text("[1, 2]"), "the configuration must be a JSON object");
}

TEST(OciParse, TypeErrorsNameThePath) {
    auto with = [](auto mutate) {
        json c = minimal();
        mutate(c);
        return error_of(c);
    };
    EXPECT_EQ(with([](json& c) { c["ociVersion"] = 1; }), "ociVersion: must be a string");
    EXPECT_EQ(with([](json& c) { c["process"]["args"] = "sh"; }), "process.args: must be an array");
    EXPECT_EQ(with([](json& c) { c["process"]["args"] = {"sh", 3}; }), "process.args[1]: must be a string");
    EXPECT_EQ(with([](json& c) { c["process"]["terminal"] = "yes"; }), "process.terminal: must be a boolean");
    EXPECT_EQ(with([](json& c) { c["process"]["user"] = 0; }), "process.user: must be an object");
    EXPECT_EQ(with([](json& c) { c["process"]["user"]["uid"] = -1; }),
              "process.user.uid: must be a non-negative integer");
    EXPECT_EQ(with([](json& c) { c["process"]["user"]["uid"] = 4294967296; }),
              "process.user.uid: must be at most 4294967295");
    EXPECT_EQ(with([](json& c) { c["process"]["oomScoreAdj"] = 1.5; }), "process.oomScoreAdj: must be an integer");
    EXPECT_EQ(with([](json& c) { c["process"]["oomScoreAdj"] = -3000000000; }),
              "process.oomScoreAdj: must be at least -2147483648");
    EXPECT_EQ(with([](json& c) {
                  add_namespace(c, "user");
                  c["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", -1}}};
              }),
              "linux.uidMappings[0].size: must be a non-negative integer");
    EXPECT_EQ(with([](json& c) { c["linux"] = "x"; }), "linux: must be an object");
    EXPECT_EQ(with([](json& c) { c["linux"]["sysctl"] = {{"net.core.somaxconn", 1}}; }),
              "linux.sysctl[\"net.core.somaxconn\"]: must be a string");
    EXPECT_EQ(with([](json& c) { c["linux"]["resources"] = {{"blockIO", {{"weight", 70000}}}}; }),
              "linux.resources.blockIO.weight: must be at most 65535");
    EXPECT_EQ(with([](json& c) { c["linux"]["resources"] = {{"rdma", {{"mlx", {{"hcaHandles", "3"}}}}}}; }),
              "linux.resources.rdma[\"mlx\"].hcaHandles: must be a non-negative integer");
    EXPECT_EQ(with([](json& c) { c["hooks"] = {{"poststop", {{{"path", "/x"}, {"timeout", "5"}}}}}; }),
              "hooks.poststop[0].timeout: must be an integer");
    EXPECT_EQ(with([](json& c) { c["annotations"] = {{"a", 1}}; }), "annotations[\"a\"]: must be a string");
    EXPECT_EQ(with([](json& c) { c["mounts"] = {{{"destination", "/x"}, {"options", {"ro", false}}}}; }),
              "mounts[0].options[1]: must be a string");
}

TEST(OciParse, UnknownFieldsAreIgnored) {
    json c = minimal();
    c["futureThing"] = {{"a", 1}};
    c["process"]["futureThing"] = 1;
    c["linux"]["futureThing"] = "x";
    c["windows"] = {{"layerFolders", {"C:\\x"}}};
    EXPECT_EQ(error_of(c), "<parsed fine>");
}

// ---- validation rules ----

struct RuleCase {
    const char* name;
    void (*mutate)(json&);
    const char* message;
};

const RuleCase kRuleCases[] = {
    {"missing ociVersion", [](json& c) { c.erase("ociVersion"); }, "ociVersion: is required"},
    {"ociVersion not semver", [](json& c) { c["ociVersion"] = "1.0"; },
     "ociVersion: \"1.0\" is not a semantic version"},
    {"ociVersion leading zero", [](json& c) { c["ociVersion"] = "1.03.0"; },
     "ociVersion: \"1.03.0\" is not a semantic version"},
    {"ociVersion major 2", [](json& c) { c["ociVersion"] = "2.0.0"; },
     "ociVersion: version \"2.0.0\" is not supported (want 1.x, up to 1.3.0)"},
    {"missing root", [](json& c) { c.erase("root"); }, "root.path: is required"},
    {"empty args", [](json& c) { c["process"]["args"] = json::array(); }, "process.args: must not be empty"},
    {"missing cwd", [](json& c) { c["process"].erase("cwd"); }, "process.cwd: is required"},
    {"relative cwd", [](json& c) { c["process"]["cwd"] = "work"; },
     "process.cwd: must be an absolute path (got \"work\")"},
    {"env without =", [](json& c) { c["process"]["env"] = {"A=1", "NOVALUE"}; },
     "process.env[1]: \"NOVALUE\" is not of the form KEY=value"},
    {"env empty key", [](json& c) { c["process"]["env"] = {"=x"}; },
     "process.env[0]: \"=x\" is not of the form KEY=value"},
    {"unknown rlimit",
     [](json& c) { c["process"]["rlimits"] = {{{"type", "RLIMIT_FOO"}, {"hard", 1}, {"soft", 1}}}; },
     "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
    {"duplicate rlimit",
     [](json& c) {
         c["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"hard", 1}, {"soft", 1}},
                                    {{"type", "RLIMIT_NOFILE"}, {"hard", 2}, {"soft", 2}}};
     },
     "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\""},
    {"soft above hard",
     [](json& c) { c["process"]["rlimits"] = {{{"type", "RLIMIT_NPROC"}, {"hard", 10}, {"soft", 20}}}; },
     "process.rlimits[0].soft: must not exceed hard (20 > 10)"},
    {"oomScoreAdj range", [](json& c) { c["process"]["oomScoreAdj"] = 1001; },
     "process.oomScoreAdj: must be between -1000 and 1000"},
    {"ioprio class", [](json& c) { c["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_NONE"}}; },
     "process.ioPriority.class: unknown class \"IOPRIO_CLASS_NONE\" (want IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or "
     "IOPRIO_CLASS_IDLE)"},
    {"ioprio priority", [](json& c) { c["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_RT"}, {"priority", 8}}; },
     "process.ioPriority.priority: must be between 0 and 7"},
    {"scheduler policy missing", [](json& c) { c["process"]["scheduler"] = {{"nice", 1}}; },
     "process.scheduler.policy: is required"},
    {"scheduler policy unknown", [](json& c) { c["process"]["scheduler"] = {{"policy", "SCHED_FAST"}}; },
     "process.scheduler.policy: unknown policy \"SCHED_FAST\""},
    {"scheduler nice", [](json& c) { c["process"]["scheduler"] = {{"policy", "SCHED_OTHER"}, {"nice", 20}}; },
     "process.scheduler.nice: must be between -20 and 19"},
    {"scheduler priority for OTHER",
     [](json& c) { c["process"]["scheduler"] = {{"policy", "SCHED_OTHER"}, {"priority", 5}}; },
     "process.scheduler.priority: is only valid with SCHED_FIFO or SCHED_RR"},
    {"scheduler deadline fields",
     [](json& c) { c["process"]["scheduler"] = {{"policy", "SCHED_FIFO"}, {"priority", 5}, {"period", 5}}; },
     "process.scheduler.period: is only valid with SCHED_DEADLINE"},
    {"scheduler flag",
     [](json& c) { c["process"]["scheduler"] = {{"policy", "SCHED_BATCH"}, {"flags", {"SCHED_FLAG_X"}}}; },
     "process.scheduler.flags[0]: unknown flag \"SCHED_FLAG_X\""},
    {"cpu affinity", [](json& c) { c["process"]["execCPUAffinity"] = {{"initial", "3-1"}}; },
     "process.execCPUAffinity.initial: invalid CPU list \"3-1\""},
    {"hostname without uts", [](json& c) { c["hostname"] = "box"; },
     "hostname: cannot be set without a private UTS namespace"},
    {"domainname without uts", [](json& c) { c["domainname"] = "example.org"; },
     "domainname: cannot be set without a private UTS namespace"},
    {"hostname too long",
     [](json& c) {
         add_namespace(c, "uts");
         c["hostname"] = std::string(65, 'h');
     },
     "hostname: must be at most 64 bytes"},
    {"mount destination relative", [](json& c) { c["mounts"] = {{{"destination", "/a"}}, {{"destination", "b"}}}; },
     "mounts[1].destination: must be an absolute path (got \"b\")"},
    {"mount destination missing", [](json& c) { c["mounts"] = {{{"type", "tmpfs"}}}; },
     "mounts[0].destination: is required"},
    {"mount half id mapping",
     [](json& c) {
         c["mounts"] = {{{"destination", "/a"}, {"uidMappings", {{{"containerID", 0}, {"hostID", 1}, {"size", 1}}}}}};
     },
     "mounts[0].gidMappings: is required when the other id mapping is set"},
    {"hook relative path", [](json& c) { c["hooks"] = {{"createRuntime", {{{"path", "hook"}}}}}; },
     "hooks.createRuntime[0].path: must be an absolute path (got \"hook\")"},
    {"hook timeout zero", [](json& c) { c["hooks"] = {{"poststart", {{{"path", "/h"}, {"timeout", 0}}}}}; },
     "hooks.poststart[0].timeout: must be greater than zero"},
    {"annotation empty key", [](json& c) { c["annotations"] = {{"", "x"}}; }, "annotations: keys must not be empty"},
    {"unknown namespace",
     [](json& c) {
         add_namespace(c, "pid");
         add_namespace(c, "foo");
     },
     "linux.namespaces[2].type: unknown namespace type \"foo\""},
    {"duplicate namespace",
     [](json& c) {
         add_namespace(c, "pid");
         add_namespace(c, "pid");
     },
     "linux.namespaces[2].type: duplicate namespace type \"pid\""},
    {"namespace missing type", [](json& c) { c["linux"]["namespaces"].push_back({{"path", "/proc/1/ns/net"}}); },
     "linux.namespaces[1].type: is required"},
    {"namespace relative path",
     [](json& c) { c["linux"]["namespaces"].push_back({{"type", "ipc"}, {"path", "ns/ipc"}}); },
     "linux.namespaces[1].path: must be an absolute path (got \"ns/ipc\")"},
    {"new userns without mappings", [](json& c) { add_namespace(c, "user"); },
     "linux.uidMappings: is required when creating a new user namespace"},
    {"new userns without gid mappings",
     [](json& c) {
         add_namespace(c, "user");
         c["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
     },
     "linux.gidMappings: is required when creating a new user namespace"},
    {"mappings without userns",
     [](json& c) { c["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}}; },
     "linux.gidMappings: requires a user namespace in linux.namespaces"},
    {"mapping size zero",
     [](json& c) {
         add_namespace(c, "user");
         c["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 0}}};
         c["linux"]["gidMappings"] = c["linux"]["uidMappings"];
     },
     "linux.uidMappings[0].size: must be greater than zero"},
    {"mapping overflow",
     [](json& c) {
         add_namespace(c, "user");
         c["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 4294967295u}, {"size", 1}}};
         c["linux"]["gidMappings"] = c["linux"]["uidMappings"];
     },
     "linux.uidMappings[0]: hostID + size exceeds the 32-bit id range"},
    {"time offsets without time ns", [](json& c) { c["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 1}}}}; },
     "linux.timeOffsets: requires a new time namespace (a \"time\" entry without a path)"},
    {"time offsets with joined time ns",
     [](json& c) {
         c["linux"]["namespaces"].push_back({{"type", "time"}, {"path", "/proc/1/ns/time"}});
         c["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 1}}}};
     },
     "linux.timeOffsets: requires a new time namespace (a \"time\" entry without a path)"},
    {"time offsets unknown clock",
     [](json& c) {
         add_namespace(c, "time");
         c["linux"]["timeOffsets"] = {{"realtime", {{"secs", 1}}}};
     },
     "linux.timeOffsets[\"realtime\"]: unknown clock (want \"monotonic\" or \"boottime\")"},
    {"time offsets nanosecs",
     [](json& c) {
         add_namespace(c, "time");
         c["linux"]["timeOffsets"] = {{"boottime", {{"nanosecs", 1000000000}}}};
     },
     "linux.timeOffsets[\"boottime\"].nanosecs: must be less than 1000000000"},
    {"device type", [](json& c) { c["linux"]["devices"] = {{{"type", "x"}, {"path", "/dev/x"}}}; },
     "linux.devices[0].type: unknown device type \"x\" (want c, b, u or p)"},
    {"device path", [](json& c) { c["linux"]["devices"] = {{{"type", "c"}, {"path", "dev/x"}, {"major", 1}}}; },
     "linux.devices[0].path: must be an absolute path (got \"dev/x\")"},
    {"cgroup device rule type",
     [](json& c) { c["linux"]["resources"] = {{"devices", {{{"allow", true}, {"type", "u"}}}}}; },
     "linux.resources.devices[0].type: unknown device type \"u\" (want a, b or c)"},
    {"cgroup device rule access",
     [](json& c) { c["linux"]["resources"] = {{"devices", {{{"allow", true}, {"access", "rwx"}}}}}; },
     "linux.resources.devices[0].access: \"rwx\" may only contain r, w and m"},
    {"swappiness", [](json& c) { c["linux"]["resources"] = {{"memory", {{"swappiness", 101}}}}; },
     "linux.resources.memory.swappiness: must be between 0 and 100"},
    {"cpu burst above quota", [](json& c) { c["linux"]["resources"] = {{"cpu", {{"quota", 100}, {"burst", 200}}}}; },
     "linux.resources.cpu.burst: must not exceed quota"},
    {"cpuset syntax", [](json& c) { c["linux"]["resources"] = {{"cpu", {{"cpus", "0-"}}}}; },
     "linux.resources.cpu.cpus: invalid CPU list \"0-\""},
    {"weight device without weight",
     [](json& c) { c["linux"]["resources"] = {{"blockIO", {{"weightDevice", {{{"major", 8}, {"minor", 0}}}}}}}; },
     "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight"},
    {"hugepage size",
     [](json& c) { c["linux"]["resources"] = {{"hugepageLimits", {{{"pageSize", "2M"}, {"limit", 1}}}}}; },
     "linux.resources.hugepageLimits[0].pageSize: \"2M\" is not a page size like \"2MB\""},
    {"rdma without limits", [](json& c) { c["linux"]["resources"] = {{"rdma", {{"mlx5_1", json::object()}}}}; },
     "linux.resources.rdma[\"mlx5_1\"]: needs hcaHandles or hcaObjects"},
    {"unified escapes cgroup", [](json& c) { c["linux"]["resources"] = {{"unified", {{"../../etc/x", "1"}}}}; },
     "linux.resources.unified[\"../../etc/x\"]: must name a file in the container's cgroup directory"},
    {"rootfsPropagation", [](json& c) { c["linux"]["rootfsPropagation"] = "rbind"; },
     "linux.rootfsPropagation: unknown propagation \"rbind\""},
    {"seccomp without defaultAction",
     [](json& c) { c["linux"]["seccomp"] = {{"architectures", {"SCMP_ARCH_X86_64"}}}; },
     "linux.seccomp.defaultAction: is required"},
    {"seccomp unknown defaultAction", [](json& c) { c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_MAYBE"}}; },
     "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_MAYBE\""},
    {"seccomp notify default", [](json& c) { c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_NOTIFY"}}; },
     "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
    {"seccomp defaultErrnoRet with ALLOW",
     [](json& c) { c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"defaultErrnoRet", 1}}; },
     "linux.seccomp.defaultErrnoRet: is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE"},
    {"seccomp arch",
     [](json& c) {
         c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"SCMP_ARCH_Z80"}}};
     },
     "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_Z80\""},
    {"seccomp flag",
     [](json& c) {
         c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"flags", {"SECCOMP_FILTER_FLAG_X"}}};
     },
     "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_X\""},
    {"seccomp metadata without listener",
     [](json& c) { c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerMetadata", "m"}}; },
     "linux.seccomp.listenerMetadata: must not be set without listenerPath"},
    {"seccomp syscall without names",
     [](json& c) {
         c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", {{{"action", "SCMP_ACT_KILL"}}}}};
     },
     "linux.seccomp.syscalls[0].names: must contain at least one syscall name"},
    {"seccomp syscall action",
     [](json& c) {
         c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"syscalls", {{{"names", {"kill"}}, {"action", "SCMP_ACT_NOPE"}}}}};
     },
     "linux.seccomp.syscalls[0].action: unknown action \"SCMP_ACT_NOPE\""},
    {"seccomp notify without listener",
     [](json& c) {
         c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_NOTIFY"}}}}};
     },
     "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath"},
    {"seccomp notify write",
     [](json& c) {
         c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"listenerPath", "/run/x.sock"},
                                  {"syscalls", {{{"names", {"mkdir", "write"}}, {"action", "SCMP_ACT_NOTIFY"}}}}};
     },
     "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY cannot be used for \"write\""},
    {"seccomp errnoRet with KILL",
     [](json& c) {
         c["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"syscalls", {{{"names", {"kill"}}, {"action", "SCMP_ACT_KILL"}, {"errnoRet", 1}}}}};
     },
     "linux.seccomp.syscalls[0].errnoRet: is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE"},
    {"seccomp arg op",
     [](json& c) {
         c["linux"]["seccomp"] = {
             {"defaultAction", "SCMP_ACT_ALLOW"},
             {"syscalls",
              {{{"names", {"kill"}},
                {"action", "SCMP_ACT_ERRNO"},
                {"args", {{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_XOR"}}}}}}}};
     },
     "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_XOR\""},
    {"seccomp arg index",
     [](json& c) {
         c["linux"]["seccomp"] = {
             {"defaultAction", "SCMP_ACT_ALLOW"},
             {"syscalls",
              {{{"names", {"kill"}},
                {"action", "SCMP_ACT_ERRNO"},
                {"args", {{{"index", 6}, {"value", 1}, {"op", "SCMP_CMP_EQ"}}}}}}}};
     },
     "linux.seccomp.syscalls[0].args[0].index: must be less than 6 (syscalls take at most 6 arguments)"},
    {"sysctl empty key", [](json& c) { c["linux"]["sysctl"] = {{"", "1"}}; },
     "linux.sysctl[\"\"]: name must not be empty"},
    {"sysctl traversal",
     [](json& c) {
         add_namespace(c, "network");
         c["linux"]["sysctl"] = {{"net/../../x", "1"}};
     },
     "linux.sysctl[\"net/../../x\"]: invalid sysctl name"},
    {"sysctl net without netns", [](json& c) { c["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}}; },
     "linux.sysctl[\"net.ipv4.ip_forward\"]: requires a network namespace (the container shares the host's)"},
    {"sysctl ipc without ipcns", [](json& c) { c["linux"]["sysctl"] = {{"kernel.shmmax", "1"}}; },
     "linux.sysctl[\"kernel.shmmax\"]: requires an IPC namespace (the container shares the host's)"},
    {"sysctl mqueue without ipcns", [](json& c) { c["linux"]["sysctl"] = {{"fs/mqueue/msg_max", "1"}}; },
     "linux.sysctl[\"fs/mqueue/msg_max\"]: requires an IPC namespace (the container shares the host's)"},
    {"sysctl hostname",
     [](json& c) {
         add_namespace(c, "uts");
         c["linux"]["sysctl"] = {{"kernel.hostname", "x"}};
     },
     "linux.sysctl[\"kernel.hostname\"]: conflicts with the \"hostname\" field; set that instead"},
    {"sysctl not namespaced", [](json& c) { c["linux"]["sysctl"] = {{"vm.swappiness", "10"}}; },
     "linux.sysctl[\"vm.swappiness\"]: is not namespaced: setting it would change the host"},
    {"masked path relative", [](json& c) { c["linux"]["maskedPaths"] = {"/ok", "proc/kcore"}; },
     "linux.maskedPaths[1]: must be an absolute path (got \"proc/kcore\")"},
    {"readonly path relative", [](json& c) { c["linux"]["readonlyPaths"] = {"sys"}; },
     "linux.readonlyPaths[0]: must be an absolute path (got \"sys\")"},
    {"intelRdt closID", [](json& c) { c["linux"]["intelRdt"] = {{"closID", "../x"}}; },
     "linux.intelRdt.closID: \"../x\" is not a plain directory name"},
    {"intelRdt memBwSchema", [](json& c) { c["linux"]["intelRdt"] = {{"memBwSchema", "L3:0=1"}}; },
     "linux.intelRdt.memBwSchema: must be a single line starting with \"MB:\""},
    {"personality domain", [](json& c) { c["linux"]["personality"] = {{"domain", "SVR4"}}; },
     "linux.personality.domain: unknown domain \"SVR4\" (want LINUX or LINUX32)"},
    {"personality missing domain", [](json& c) { c["linux"]["personality"] = json::object(); },
     "linux.personality.domain: is required"},
    {"personality flags",
     [](json& c) { c["linux"]["personality"] = {{"domain", "LINUX"}, {"flags", {"ADDR_NO_RANDOMIZE"}}}; },
     "linux.personality.flags[0]: unknown flag \"ADDR_NO_RANDOMIZE\" (no personality flags are supported)"},
    {"netDevices without netns", [](json& c) { c["linux"]["netDevices"] = {{"eth0", json::object()}}; },
     "linux.netDevices: requires a network namespace (the container shares the host's)"},
    {"netDevices bad host name",
     [](json& c) {
         add_namespace(c, "network");
         c["linux"]["netDevices"] = {{"a/b", json::object()}};
     },
     "linux.netDevices[\"a/b\"]: invalid interface name (1-15 bytes, no '/', ':' or whitespace)"},
    {"netDevices long name",
     [](json& c) {
         add_namespace(c, "network");
         c["linux"]["netDevices"] = {{"eth0", {{"name", "abcdefghijklmnop"}}}};
     },
     "linux.netDevices[\"eth0\"].name: invalid interface name \"abcdefghijklmnop\" (1-15 bytes, no '/', ':' or "
     "whitespace)"},
    {"netDevices space in name",
     [](json& c) {
         add_namespace(c, "network");
         c["linux"]["netDevices"] = {{"eth0", {{"name", "my eth"}}}};
     },
     "linux.netDevices[\"eth0\"].name: invalid interface name \"my eth\" (1-15 bytes, no '/', ':' or whitespace)"},
    {"netDevices duplicate inside name",
     [](json& c) {
         add_namespace(c, "network");
         c["linux"]["netDevices"] = {{"eth0", json::object()}, {"eth1", {{"name", "eth0"}}}};
     },
     "linux.netDevices[\"eth1\"].name: \"eth0\" is used by another device in the container"},
    {"memoryPolicy mode", [](json& c) { c["linux"]["memoryPolicy"] = {{"mode", "MPOL_RANDOM"}}; },
     "linux.memoryPolicy.mode: unknown mode \"MPOL_RANDOM\""},
    {"memoryPolicy missing mode", [](json& c) { c["linux"]["memoryPolicy"] = {{"nodes", "0"}}; },
     "linux.memoryPolicy.mode: is required"},
    {"memoryPolicy flag",
     [](json& c) { c["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}, {"nodes", "0"}, {"flags", {"MPOL_F_X"}}}; },
     "linux.memoryPolicy.flags[0]: unknown flag \"MPOL_F_X\""},
    {"memoryPolicy bind without nodes", [](json& c) { c["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}}; },
     "linux.memoryPolicy.nodes: is required for MPOL_BIND"},
    {"memoryPolicy default with nodes",
     [](json& c) { c["linux"]["memoryPolicy"] = {{"mode", "MPOL_DEFAULT"}, {"nodes", "0"}}; },
     "linux.memoryPolicy.nodes: must be empty for MPOL_DEFAULT"},
    {"memoryPolicy node syntax",
     [](json& c) { c["linux"]["memoryPolicy"] = {{"mode", "MPOL_INTERLEAVE"}, {"nodes", "0,,1"}}; },
     "linux.memoryPolicy.nodes: invalid node list \"0,,1\""},
    {"memoryPolicy static+relative",
     [](json& c) {
         c["linux"]["memoryPolicy"] = {
             {"mode", "MPOL_BIND"}, {"nodes", "0"}, {"flags", {"MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"}}};
     },
     "linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES are mutually exclusive"},
};

TEST(OciParse, EachValidationRuleNamesThePath) {
    // The base config itself must be valid, or every case would pass for the wrong reason.
    ASSERT_EQ(error_of(minimal()), "<parsed fine>");
    for (const auto& rule : kRuleCases) {
        json c = minimal();
        rule.mutate(c);
        EXPECT_EQ(error_of(c), rule.message) << "case: " << rule.name;
    }
}

TEST(OciParse, AcceptedEdgeCases) {
    for (const auto& tc : sample::kAcceptedEdgeCases) {
        json c = minimal();
        tc.mutate(c);
        EXPECT_EQ(error_of(c), "<parsed fine>") << "case: " << tc.name;
    }
}

TEST(OciParse, ValidateSpecWorksOnBuiltSpecs) {
    Spec s;
    s.ociVersion = "1.3.0";
    s.root.path = "/rootfs";
    EXPECT_TRUE(validate_spec(s));  // no linux at all is fine
    s.hostname = std::string("box");
    auto r = validate_spec(s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "hostname: cannot be set without a private UTS namespace");
    EXPECT_EQ(r.error().errnum, 0);
}

TEST(OciParse, ValidateProcessUsesThePrefix) {
    Process p;
    p.cwd = "/";
    auto r = validate_process(p, "process");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "process.args: must not be empty");
    r = validate_process(p, "");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "args: must not be empty");
    p.args = {"true"};
    EXPECT_TRUE(validate_process(p, "process"));
}

TEST(OciParse, ParseProcess) {
    auto p = parse_process(R"({"args": ["ls", "-l"], "cwd": "/tmp", "env": ["A=b"], "user": {"uid": 5, "gid": 6},
                               "terminal": true, "capabilities": {"bounding": ["CAP_KILL"]}})");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->args, (std::vector<std::string>{"ls", "-l"}));
    EXPECT_EQ(p->cwd, "/tmp");
    EXPECT_EQ(p->user.uid, 5u);
    EXPECT_TRUE(p->terminal);
    EXPECT_EQ(p->capabilities->bounding, (std::vector<std::string>{"CAP_KILL"}));

    auto missing_cwd = parse_process(R"({"args": ["ls"]})");
    ASSERT_FALSE(missing_cwd);
    EXPECT_EQ(missing_cwd.error().message, "cwd: is required");
    auto bad_type = parse_process(R"({"args": ["ls"], "cwd": "/", "rlimits": {}})");
    ASSERT_FALSE(bad_type);
    EXPECT_EQ(bad_type.error().message, "rlimits: must be an array");
    auto not_object = parse_process("\"ls\"");
    ASSERT_FALSE(not_object);
    EXPECT_EQ(not_object.error().message, "the process must be a JSON object");
    auto broken = parse_process("{");
    ASSERT_FALSE(broken);
    EXPECT_TRUE(broken.error().message.starts_with("invalid JSON")) << broken.error().message;
}

class LoadSpecTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/brig-oci-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    void write_config(std::string_view text) { std::ofstream(dir_ + "/config.json") << text; }
    std::string dir_;
};

TEST_F(LoadSpecTest, LoadsBundleConfig) {
    write_config(minimal().dump());
    auto spec = load_spec(dir_);
    ASSERT_TRUE(spec) << spec.error().what();
    EXPECT_EQ(spec->root.path, "rootfs");
    auto with_slash = load_spec(dir_ + "/");
    EXPECT_TRUE(with_slash) << with_slash.error().what();
}

TEST_F(LoadSpecTest, MissingFileNamesTheFile) {
    auto spec = load_spec(dir_);
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().errnum, ENOENT);
    EXPECT_EQ(spec.error().message, "read " + dir_ + "/config.json");
    EXPECT_NE(spec.error().what().find("No such file or directory"), std::string::npos);
}

TEST_F(LoadSpecTest, InvalidJsonNamesFileLineAndColumn) {
    write_config("{\n\t\"ociVersion\": \"1.3.0\",\n\t\"root\": {\"path\": \"rootfs\"},,\n}");
    auto spec = load_spec(dir_);
    ASSERT_FALSE(spec);
    EXPECT_TRUE(spec.error().message.starts_with(dir_ + "/config.json: invalid JSON at line 3, column 29:"))
        << spec.error().message;
}

TEST_F(LoadSpecTest, ValidationErrorNamesFileAndPath) {
    json c = minimal();
    c["process"]["args"] = json::array();
    write_config(c.dump());
    auto spec = load_spec(dir_);
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, dir_ + "/config.json: process.args: must not be empty");
}

}  // namespace
}  // namespace brig::oci
