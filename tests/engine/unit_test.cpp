// Engine unit tests: flag parsing, restart policies, the spec built from a record, the default
// seccomp profile's shape, --format templates and the json-file log writer. No root needed.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/monitor/log_writer.hpp"
#include "engine/present.hpp"
#include "engine/profiles.hpp"
#include "engine/record.hpp"
#include "engine/spec.hpp"
#include "oci/write.hpp"

using namespace brig::engine;
using brig::parse_duration;
using brig::parse_size;
using nlohmann::json;

TEST(EngineFlags, Sizes) {
    EXPECT_EQ(*parse_size("512m"), 512LL << 20);
    EXPECT_EQ(*parse_size("1g"), 1LL << 30);
    EXPECT_EQ(*parse_size("1024"), 1024);
    EXPECT_EQ(*parse_size("64MB"), 64LL << 20);
    EXPECT_FALSE(parse_size("lots"));
    EXPECT_FALSE(parse_size("5q"));
    EXPECT_EQ(*parse_cpus("1.5"), 1'500'000'000);
    EXPECT_FALSE(parse_cpus("x"));
}

TEST(EngineFlags, Durations) {
    EXPECT_EQ(parse_duration("10s")->count(), 10'000'000'000);
    EXPECT_EQ(parse_duration("1m30s")->count(), 90'000'000'000);
    EXPECT_EQ(parse_duration("500ms")->count(), 500'000'000);
    // A bare number has no unit and is refused, as docker (Go's time.ParseDuration) refuses it.
    ASSERT_FALSE(parse_duration("3"));
    EXPECT_NE(parse_duration("3").error().message.find("missing unit"), std::string::npos);
    EXPECT_FALSE(parse_duration("1y"));
}

TEST(EngineFlags, UlimitsDevicesTmpfs) {
    auto u = parse_ulimit("nofile=1024:2048");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->soft, 1024);
    EXPECT_EQ(u->hard, 2048);
    EXPECT_FALSE(parse_ulimit("bogus=1"));
    EXPECT_FALSE(parse_ulimit("nofile=10:5"));
    auto d = parse_device("/dev/fuse");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->path_in_container, "/dev/fuse");
    EXPECT_EQ(d->cgroup_permissions, "rwm");
    d = parse_device("/dev/null:/dev/mynull:r");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->path_in_container, "/dev/mynull");
    EXPECT_EQ(d->cgroup_permissions, "r");
    EXPECT_FALSE(parse_device("/dev/null:/x:rwz"));
    auto [p, o] = parse_tmpfs("/run:rw,size=64m");
    EXPECT_EQ(p, "/run");
    EXPECT_EQ(o, "rw,size=64m");
}

TEST(EngineFlags, RestartPolicies) {
    EXPECT_EQ(parse_restart_policy("no")->name, "no");
    auto p = parse_restart_policy("on-failure:2");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->name, "on-failure");
    EXPECT_EQ(p->max_retries, 2);
    EXPECT_TRUE(parse_restart_policy("unless-stopped"));
    EXPECT_FALSE(parse_restart_policy("always:3"));
    EXPECT_FALSE(parse_restart_policy("sometimes"));
    EXPECT_FALSE(parse_restart_policy("on-failure:x"));
}

TEST(EngineRecord, RoundTrip) {
    ContainerRecord r;
    r.id = std::string(64, 'a');
    r.name = "web";
    r.cmd = {"sh", "-c", "echo hi"};
    r.host.restart = {"on-failure", 3};
    r.host.log.max_size = 1000;
    r.host.log.max_file = 3;
    r.health = Healthcheck{{"CMD-SHELL", "true"}, 1, 2, 3, 4};
    auto back = record_from_json(to_json(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->name, "web");
    EXPECT_EQ(back->cmd, r.cmd);
    EXPECT_EQ(back->host.restart.max_retries, 3);
    EXPECT_EQ(back->host.log.max_file, 3);
    ASSERT_TRUE(back->health);
    EXPECT_EQ(back->health->retries, 4);
}

namespace {
ContainerRecord sample_record() {
    // Initialized, not assigned: g++ 12 sees a false -Wrestrict in string literal assignment here.
    return {.id = std::string(64, 'b'),
            .name = "t",
            .rootfs = "/nonexistent-rootfs",
            .cmd = {"sh"},
            .hostname = "host1",
            .host = {.cgroup_parent = "/brig-test/x"}};
}
}  // namespace

TEST(EngineSpec, DefaultsAreDockerLike) {
    auto r = sample_record();
    auto spec = build_spec(r, {.machine = "x86_64"});
    ASSERT_TRUE(spec) << spec.error().what();
    auto& s = *spec;
    ASSERT_TRUE(s.linux && s.process && s.process->capabilities);
    EXPECT_EQ(s.linux->cgroupsPath, "/brig-test/x/" + r.id);
    EXPECT_EQ(s.hostname, "host1");
    const auto& caps = s.process->capabilities->bounding;
    std::set<std::string> cs(caps.begin(), caps.end());
    EXPECT_TRUE(cs.contains("CAP_CHOWN"));
    EXPECT_TRUE(cs.contains("CAP_NET_BIND_SERVICE"));
    EXPECT_FALSE(cs.contains("CAP_SYS_ADMIN"));
    EXPECT_FALSE(cs.contains("CAP_NET_ADMIN"));
    // Names are resolved, as parse_spec would.
    EXPECT_NE(s.process->capabilities->masks.bounding & (uint64_t{1} << CAP_CHOWN), 0u);
    ASSERT_TRUE(s.linux->seccomp);
    EXPECT_EQ(s.linux->seccomp->defaultAction, "SCMP_ACT_ERRNO");
    // unshare/mount are allowed only with CAP_SYS_ADMIN; keyctl never.
    std::set<std::string> allowed;
    for (const auto& rule : s.linux->seccomp->syscalls)
        if (rule.action == "SCMP_ACT_ALLOW" && rule.args.empty()) allowed.insert(rule.names.begin(), rule.names.end());
    EXPECT_TRUE(allowed.contains("read"));
    EXPECT_TRUE(allowed.contains("execve"));
    EXPECT_FALSE(allowed.contains("unshare"));
    EXPECT_FALSE(allowed.contains("mount"));
    EXPECT_FALSE(allowed.contains("keyctl"));
    EXPECT_FALSE(allowed.contains("add_key"));
    EXPECT_FALSE(s.linux->maskedPaths.empty());
    EXPECT_FALSE(s.root.readonly);
}

TEST(EngineSpec, CapAddChangesSeccomp) {
    auto r = sample_record();
    r.host.cap_add = {"sys_admin"};
    r.host.cap_drop = {"CAP_CHOWN"};
    auto spec = build_spec(r, {.machine = "x86_64"});
    ASSERT_TRUE(spec) << spec.error().what();
    const auto& caps = spec->process->capabilities->effective;
    EXPECT_NE(std::find(caps.begin(), caps.end(), "CAP_SYS_ADMIN"), caps.end());
    EXPECT_EQ(std::find(caps.begin(), caps.end(), "CAP_CHOWN"), caps.end());
    bool unshare = false;
    for (const auto& rule : spec->linux->seccomp->syscalls)
        for (const auto& n : rule.names) unshare = unshare || (n == "unshare" && rule.action == "SCMP_ACT_ALLOW");
    EXPECT_TRUE(unshare);
    r.host.cap_add = {"CAP_NOPE"};
    EXPECT_FALSE(build_spec(r, {.machine = "x86_64"}));
}

TEST(EngineSpec, ResourcesAndPrivileged) {
    auto r = sample_record();
    r.host.memory = 64 << 20;
    r.host.nano_cpus = 1'500'000'000;
    r.host.pids_limit = 50;
    r.host.cpu_shares = 512;
    r.host.tmpfs = {{"/run", "size=1m"}};
    r.host.security_opt = {"no-new-privileges", "seccomp=unconfined"};
    r.host.read_only = true;
    auto spec = build_spec(r, {.machine = "x86_64"});
    ASSERT_TRUE(spec) << spec.error().what();
    ASSERT_TRUE(spec->linux->resources);
    const auto& res = *spec->linux->resources;
    ASSERT_TRUE(res.memory && res.cpu && res.pids);
    EXPECT_EQ(res.memory->limit, 64 << 20);
    EXPECT_EQ(res.cpu->quota, 150000);
    EXPECT_EQ(res.cpu->period, 100000u);
    EXPECT_EQ(res.pids->limit, 50);
    EXPECT_FALSE(spec->linux->seccomp);
    EXPECT_TRUE(spec->process->noNewPrivileges);
    EXPECT_TRUE(spec->root.readonly);
    r.host = HostConfig{};
    r.host.cgroup_parent = "/brig-test/x";
    r.host.privileged = true;
    spec = build_spec(r, {.machine = "x86_64"});
    ASSERT_TRUE(spec);
    EXPECT_FALSE(spec->linux->seccomp);
    EXPECT_TRUE(spec->linux->maskedPaths.empty());
    EXPECT_GT(spec->process->capabilities->bounding.size(), 30u);
    r.host.security_opt = {"bogus=1"};
    r.host.privileged = false;
    EXPECT_FALSE(build_spec(r, {.machine = "x86_64"}));
}

TEST(EngineSpec, InitWrapsTheCommand) {
    auto r = sample_record();
    r.host.init = true;
    auto spec = build_spec(r, {.init_binary = "/usr/bin/brig-init", .machine = "x86_64"});
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->process->args.at(0), "/dev/init");
    EXPECT_EQ(spec->process->args.at(2), "sh");
}

// Names and ids in the rootfs's /etc/passwd and /etc/group, with the user's other groups.
TEST(EngineSpec, ResolvesUserInTheRootfs) {
    char dir[] = "/tmp/brig-user-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string root = dir;
    ASSERT_EQ(mkdir((root + "/etc").c_str(), 0755), 0);
    std::ofstream(root + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n";
    std::ofstream(root + "/etc/group") << "root:x:0:\napp:x:1000:\nstaff:x:50:app\nwheel:x:10:root,app\n";
    auto u = resolve_user(root, "app");
    ASSERT_TRUE(u) << u.error().what();
    EXPECT_EQ(u->uid, 1000u);
    EXPECT_EQ(u->gid, 1000u);
    EXPECT_EQ(u->additional_gids, (std::vector<uint32_t>{50, 10}));
    u = resolve_user(root, "1000");  // a uid in passwd: its name's groups too
    ASSERT_TRUE(u) << u.error().what();
    EXPECT_EQ(u->additional_gids, (std::vector<uint32_t>{50, 10}));
    u = resolve_user(root, "0:staff");
    ASSERT_TRUE(u) << u.error().what();
    EXPECT_EQ(u->uid, 0u);
    EXPECT_EQ(u->gid, 50u);
    EXPECT_TRUE(u->additional_gids.empty());  // a named group: no others (docker)
    u = resolve_user(root, "1000:1000");
    ASSERT_TRUE(u) << u.error().what();
    EXPECT_EQ(u->gid, 1000u);
    EXPECT_TRUE(u->additional_gids.empty());
    u = resolve_user(root, "nobody");
    ASSERT_FALSE(u);
    EXPECT_NE(u.error().message.find("unable to find user nobody"), std::string::npos);

    // In the spec: the image's entrypoint before its command, the user, the workdir, a tty's TERM.
    auto r = sample_record();
    r.rootfs = root;
    r.user = "app";
    r.workdir = "/srv";
    r.entrypoint = {"/bin/tini", "--"};
    r.env = {"PATH=/x", "NEW=1"};
    r.tty = true;
    auto spec = build_spec(r, {.machine = "x86_64"});
    ASSERT_TRUE(spec) << spec.error().what();
    const auto& p = *spec->process;
    EXPECT_EQ(p.args, (std::vector<std::string>{"/bin/tini", "--", "sh"}));
    EXPECT_EQ(p.cwd, "/srv");
    EXPECT_EQ(p.user.uid, 1000u);
    EXPECT_EQ(p.user.additionalGids, (std::vector<uint32_t>{50, 10}));
    // HOME from the image's /etc/passwd, as docker sets it.
    EXPECT_EQ(p.env, (std::vector<std::string>{"HOSTNAME=host1", "PATH=/x", "NEW=1", "HOME=/home/app", "TERM=xterm"}));
    EXPECT_TRUE(p.terminal);
    EXPECT_EQ(spec->root.path, root);
    std::system(("rm -rf " + root).c_str());
}

TEST(EngineSpec, UserNamespaceBindsSys) {
    auto r = sample_record();
    r.uid_mappings = {{0, 100000, 65536}};
    r.gid_mappings = {{0, 100000, 65536}};
    auto spec = build_spec(r, {.machine = "x86_64"});
    ASSERT_TRUE(spec) << spec.error().what();
    ASSERT_TRUE(spec->linux->find_namespace("user"));
    EXPECT_EQ(spec->linux->uidMappings, (std::vector<brig::oci::IdMapping>{{0, 100000, 65536}}));
    EXPECT_FALSE(spec->process->oomScoreAdj) << "not writable from the container's own user namespace";
    auto sys = std::ranges::find(spec->mounts, "/sys", &brig::oci::Mount::destination);
    ASSERT_NE(sys, spec->mounts.end());
    EXPECT_EQ(sys->type, "bind");
    // Joining a user namespace: its maps are already written.
    spec = build_spec(r, {.machine = "x86_64", .userns_path = "/proc/1/ns/user"});
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->linux->find_namespace("user")->path, "/proc/1/ns/user");
    EXPECT_TRUE(spec->linux->uidMappings.empty());
}

// What build_spec gives is what the runtime reads back from the written config.json.
TEST(EngineSpec, WrittenSpecParsesBackEqual) {
    std::vector<ContainerRecord> records(4, sample_record());
    records[1].host.privileged = true;
    records[1].host.devices = {{"/dev/null", "/dev/mynull", "r"}};
    records[2].uid_mappings = records[2].gid_mappings = {{0, 100000, 65536}};
    records[2].host.tmpfs = {{"/run", "size=1m"}};
    records[2].mounts = {{.type = "bind", .source = "/srv", .destination = "/srv", .rw = false}};
    records[3].host.memory = 64 << 20;
    records[3].host.ulimits = {{"nproc", 10, 20}};
    records[3].host.cap_drop = {"ALL"};
    for (const auto& r : records) {
        auto spec = build_spec(r, {.machine = "x86_64"});
        ASSERT_TRUE(spec) << spec.error().what();
        auto back = brig::oci::parse_spec(brig::oci::to_string(*spec));
        ASSERT_TRUE(back) << back.error().what();
        EXPECT_TRUE(*back == *spec);
    }
}

TEST(EnginePresent, Templates) {
    nlohmann::ordered_json row = {{"ID", "abc"}, {"Names", "web"}, {"State", {{"Status", "running"}}}};
    EXPECT_EQ(render_template("{{.ID}} {{.Names}}", row), "abc web");
    EXPECT_EQ(render_template("{{.State.Status}}", row), "running");
    EXPECT_EQ(render_template("{{json .State}}", row), "{\"Status\":\"running\"}");
    EXPECT_EQ(render_template("{{.Nope}}", row), "<no value>");
    EXPECT_EQ(template_header("table {{.ID}}\\t{{.Names}}"), "CONTAINER ID\tNAMES");
    EXPECT_EQ(human_duration(5), "5 seconds");
    EXPECT_EQ(human_duration(3600), "About an hour");
}

TEST(EngineLog, JsonLinesWithRotation) {
    char dir[] = "/tmp/brig-log-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/c.log";
    {
        brig::monitor::LogWriter w;
        ASSERT_TRUE(w.open(path, 600, 2));
        w.write("stdout", "hello\nwor");
        w.write("stdout", "ld\n");
        w.write("stderr", "oops\n");
        for (int i = 0; i < 10; ++i) w.write("stdout", "line\n");
    }
    std::ifstream in(path);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        auto j = json::parse(line);
        EXPECT_TRUE(j.contains("time"));
        EXPECT_TRUE(j["time"].get<std::string>().ends_with("Z"));
        ++n;
    }
    EXPECT_GT(n, 0);
    EXPECT_EQ(access((path + ".1").c_str(), F_OK), 0) << "rotated file";
    EXPECT_NE(access((path + ".2").c_str(), F_OK), 0) << "max-file 2 keeps one old file";
    std::ifstream old(path + ".1");
    std::getline(old, line);
    auto first = json::parse(line);
    EXPECT_EQ(first["log"], "hello\n");
    EXPECT_EQ(first["stream"], "stdout");
    std::getline(old, line);
    EXPECT_EQ(json::parse(line)["log"], "world\n");
    std::system((std::string("rm -rf ") + dir).c_str());
    EXPECT_EQ(brig::monitor::json_quote("a\"\x01\xff"), "\"a\\\"\\u0001\xef\xbf\xbd\"");
}
