// default_spec_json (what `brig-oci spec` writes) and features_json.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "oci/names.hpp"
#include "oci/spec.hpp"

namespace brig::oci {
namespace {

using nlohmann::json;

std::vector<std::string> strings(const json& j) { return j.get<std::vector<std::string>>(); }

TEST(OciDefaults, TextLooksLikeRuncSpec) {
    std::string text = default_spec_json(false, 0, 0);
    // runc writes tab-indented JSON with keys in Go struct order and no trailing newline.
    EXPECT_TRUE(text.starts_with("{\n\t\"ociVersion\": \"1.3.0\",\n\t\"process\": {\n\t\t\"terminal\": true,")) << text;
    EXPECT_TRUE(text.ends_with("\n}"));
    EXPECT_LT(text.find("\"process\""), text.find("\"root\""));
    EXPECT_LT(text.find("\"root\""), text.find("\"hostname\""));
    EXPECT_LT(text.find("\"hostname\""), text.find("\"mounts\""));
    EXPECT_LT(text.find("\"mounts\""), text.find("\"linux\""));
}

TEST(OciDefaults, RootfulRoundTripsThroughParse) {
    auto spec = parse_spec(default_spec_json(false, 0, 0));
    ASSERT_TRUE(spec) << spec.error().message;
    EXPECT_EQ(spec->ociVersion, kSpecVersion);
    ASSERT_TRUE(spec->process);
    EXPECT_TRUE(spec->process->terminal);
    EXPECT_EQ(spec->process->args, std::vector<std::string>{"sh"});
    EXPECT_EQ(spec->process->cwd, "/");
    EXPECT_TRUE(spec->process->noNewPrivileges);
    ASSERT_TRUE(spec->process->capabilities);
    EXPECT_EQ(spec->process->capabilities->bounding,
              (std::vector<std::string>{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}));
    EXPECT_TRUE(spec->process->capabilities->inheritable.empty());
    ASSERT_EQ(spec->process->rlimits.size(), 1u);
    EXPECT_EQ(spec->process->rlimits[0].type, "RLIMIT_NOFILE");
    EXPECT_EQ(spec->process->rlimits[0].soft, 1024u);
    EXPECT_EQ(spec->root.path, "rootfs");
    EXPECT_TRUE(spec->root.readonly);
    EXPECT_EQ(spec->hostname, "runc");

    ASSERT_EQ(spec->mounts.size(), 7u);
    EXPECT_EQ(spec->mounts[0].destination, "/proc");
    EXPECT_EQ(spec->mounts[2].destination, "/dev/pts");
    EXPECT_EQ(spec->mounts[2].options.back(), "gid=5");
    EXPECT_EQ(spec->mounts[5].destination, "/sys");
    EXPECT_EQ(spec->mounts[5].type, "sysfs");

    const Linux& l = *spec->linux;
    std::vector<std::string> ns;
    for (const auto& n : l.namespaces) ns.push_back(n.type);
    EXPECT_EQ(ns, (std::vector<std::string>{"pid", "network", "ipc", "uts", "mount"}));
    EXPECT_TRUE(l.uidMappings.empty());
    ASSERT_TRUE(l.resources);
    ASSERT_EQ(l.resources->devices.size(), 1u);
    EXPECT_FALSE(l.resources->devices[0].allow);
    EXPECT_EQ(l.resources->devices[0].access, "rwm");
    EXPECT_EQ(l.maskedPaths.size(), 10u);
    EXPECT_EQ(l.maskedPaths.front(), "/proc/acpi");
    EXPECT_EQ(l.readonlyPaths,
              (std::vector<std::string>{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}));
}

TEST(OciDefaults, RootlessMapsCallerAndDropsPrivilegedBits) {
    auto spec = parse_spec(default_spec_json(true, 1000, 1001));
    ASSERT_TRUE(spec) << spec.error().message;
    const Linux& l = *spec->linux;
    std::vector<std::string> ns;
    for (const auto& n : l.namespaces) ns.push_back(n.type);
    EXPECT_EQ(ns, (std::vector<std::string>{"pid", "ipc", "uts", "mount", "user"}));
    ASSERT_EQ(l.uidMappings.size(), 1u);
    EXPECT_EQ(l.uidMappings[0].containerID, 0u);
    EXPECT_EQ(l.uidMappings[0].hostID, 1000u);
    EXPECT_EQ(l.uidMappings[0].size, 1u);
    ASSERT_EQ(l.gidMappings.size(), 1u);
    EXPECT_EQ(l.gidMappings[0].hostID, 1001u);
    EXPECT_FALSE(l.resources);

    const Mount& devpts = spec->mounts[2];
    EXPECT_EQ(std::count(devpts.options.begin(), devpts.options.end(), "gid=5"), 0);
    const Mount& sys = spec->mounts[5];
    EXPECT_EQ(sys.destination, "/sys");
    EXPECT_EQ(sys.type, "none");
    EXPECT_EQ(sys.source, "/sys");
    EXPECT_EQ(sys.options, (std::vector<std::string>{"rbind", "nosuid", "noexec", "nodev", "ro"}));
}

TEST(OciFeatures, HasTheSpecifiedShape) {
    json f = json::parse(features_json());
    EXPECT_EQ(f.at("ociVersionMin"), "1.0.0");
    EXPECT_EQ(f.at("ociVersionMax"), kSpecVersion);
    EXPECT_EQ(strings(f.at("hooks")), (std::vector<std::string>{"prestart", "createRuntime", "createContainer",
                                                                 "startContainer", "poststart", "poststop"}));
    EXPECT_EQ(f.at("annotations").at("io.github.brig.version"), BRIG_VERSION);

    const json& l = f.at("linux");
    EXPECT_EQ(strings(l.at("namespaces")),
              (std::vector<std::string>{"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}));
    auto caps = strings(l.at("capabilities"));
    EXPECT_EQ(caps.size(), 41u);
    EXPECT_EQ(caps.front(), "CAP_CHOWN");
    EXPECT_EQ(caps.back(), "CAP_CHECKPOINT_RESTORE");

    const json& cg = l.at("cgroup");
    EXPECT_EQ(cg.at("v1"), true);
    EXPECT_EQ(cg.at("v2"), true);
    EXPECT_EQ(cg.at("systemd"), false);
    EXPECT_EQ(cg.at("systemdUser"), false);
    EXPECT_EQ(cg.at("rdma"), true);

    const json& sc = l.at("seccomp");
    EXPECT_EQ(sc.at("enabled"), true);
    EXPECT_EQ(sc.at("actions").size(), 9u);
    EXPECT_EQ(sc.at("operators").size(), 7u);
    EXPECT_TRUE(sc.at("archs").size() >= 16u);
    auto known = strings(sc.at("knownFlags"));
    EXPECT_EQ(known.size(), 4u);
    for (const auto& flag : strings(sc.at("supportedFlags")))
        EXPECT_NE(std::find(known.begin(), known.end(), flag), known.end()) << flag;

    EXPECT_EQ(l.at("apparmor").at("enabled"), true);
    EXPECT_EQ(l.at("selinux").at("enabled"), true);
    EXPECT_TRUE(l.at("intelRdt").at("enabled").is_boolean());
    EXPECT_EQ(l.at("mountExtensions").at("idmap").at("enabled"), true);
    EXPECT_EQ(l.at("netDevices").at("enabled"), true);
    EXPECT_EQ(strings(l.at("memoryPolicy").at("modes")).size(), 7u);
    EXPECT_EQ(strings(l.at("memoryPolicy").at("flags")).size(), 3u);
}

TEST(OciFeatures, MountOptionsAreExactlyTheRecognizedOnes) {
    json f = json::parse(features_json());
    auto opts = strings(f.at("mountOptions"));
    EXPECT_TRUE(std::is_sorted(opts.begin(), opts.end()));
    EXPECT_EQ(opts.size(), mount_option_names().size());
    for (const auto& o : opts) EXPECT_TRUE(lookup_mount_option(o)) << o;
}

// Whatever features promises, the parser must accept.
TEST(OciFeatures, AdvertisedNamesAreAcceptedByTheParser) {
    json f = json::parse(features_json());
    const json& sc = f.at("linux").at("seccomp");
    json config = json::parse(R"({"ociVersion": "1.3.0", "root": {"path": "r"},
                                  "linux": {"namespaces": [], "seccomp": {"listenerPath": "/run/s.sock"}}})");
    for (const auto& ns : f.at("linux").at("namespaces")) config["linux"]["namespaces"].push_back({{"type", ns}});
    config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
    config["linux"]["gidMappings"] = config["linux"]["uidMappings"];
    config["linux"]["seccomp"]["defaultAction"] = "SCMP_ACT_ALLOW";
    config["linux"]["seccomp"]["architectures"] = sc.at("archs");
    config["linux"]["seccomp"]["flags"] = sc.at("knownFlags");
    json syscalls = json::array();
    for (const auto& action : sc.at("actions")) {
        json args = json::array();
        for (const auto& op : sc.at("operators")) args.push_back({{"index", 0}, {"value", 1}, {"op", op}});
        syscalls.push_back({{"names", {"getpid"}}, {"action", action}, {"args", args}});
    }
    config["linux"]["seccomp"]["syscalls"] = syscalls;
    config["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}, {"nodes", "0"},
                                       {"flags", {"MPOL_F_NUMA_BALANCING", "MPOL_F_STATIC_NODES"}}};
    config["mounts"] = {{{"destination", "/m"}, {"options", f.at("mountOptions")}}};
    config["hooks"] = json::object();
    for (const auto& hook : f.at("hooks")) config["hooks"][hook.get<std::string>()] = {{{"path", "/bin/true"}}};
    config["process"] = {
        {"args", {"sh"}}, {"cwd", "/"}, {"capabilities", {{"bounding", f.at("linux").at("capabilities")}}}};

    auto spec = parse_spec(config.dump());
    ASSERT_TRUE(spec) << spec.error().message;
    for (const auto& mode : f.at("linux").at("memoryPolicy").at("modes")) {
        json c = config;
        bool takes_nodes = mode != "MPOL_DEFAULT" && mode != "MPOL_LOCAL";
        c["linux"]["memoryPolicy"] = {{"mode", mode}, {"nodes", takes_nodes ? "0" : ""}};
        auto r = parse_spec(c.dump());
        EXPECT_TRUE(r) << mode << ": " << r.error().message;
    }
}

}  // namespace
}  // namespace brig::oci
