// Volume integration tests: real containers through the brig binary (root), from the embedded
// busybox image, on the shared engine fixture (fixture.hpp): each test has its own --root in a
// temp dir, the cgroup parent /brig-test/volumes-<id> and a network namespace of its own;
// containers use --network none. Teardown removes every container, unmounts what is left below
// the temp dir and removes the cgroups, also on failure.
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <random>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "fixture.hpp"
#include "storage/volumes.hpp"

namespace {

using namespace brig::test;

class Volumes : public EngineFixture {
protected:
    // brig run [flags] busybox cmd... with the test's cgroup parent and no network.
    Proc brig_run(std::vector<std::string> flags, const std::vector<std::string>& cmd) {
        flags.insert(flags.begin(), {"--network", "none"});
        return brig_run_image("busybox", flags, cmd);
    }
    std::vector<std::string> volume_names() { return lines(brig({"volume", "ls", "-q"}).out); }
};

TEST_F(Volumes, CreateLsInspectJson) {
    auto p = brig({"volume", "create", "--label", "team=a", "--label", "x=y", "named1"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "named1\n");
    p = brig({"volume", "create"});
    ASSERT_EQ(p.code, 0) << p;
    std::string anon = p.out.substr(0, p.out.size() - 1);
    EXPECT_EQ(anon.size(), 64u);
    EXPECT_EQ(anon.find_first_not_of("0123456789abcdef"), std::string::npos);
    p = brig({"volume", "create", "named1"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("already exists"), std::string::npos) << p;
    p = brig({"volume", "create", "bad/name"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("invalid characters"), std::string::npos) << p;

    auto j = json::parse(brig({"volume", "inspect", "named1"}).out);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["Name"], "named1");
    EXPECT_EQ(j[0]["Driver"], "local");
    EXPECT_EQ(j[0]["Mountpoint"], root_ + "/volumes/named1/_data");
    EXPECT_EQ(j[0]["Labels"], json({{"team", "a"}, {"x", "y"}}));
    EXPECT_TRUE(j[0]["Options"].is_object());
    EXPECT_FALSE(j[0]["CreatedAt"].get<std::string>().empty());
    EXPECT_TRUE(fs::is_directory(root_ + "/volumes/named1/_data"));
    p = brig({"volume", "inspect", "nope"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("nope"), std::string::npos);

    p = brig({"volume", "ls", "--format", "json"});
    ASSERT_EQ(p.code, 0) << p;
    std::istringstream in(p.out);
    std::vector<std::string> names;
    for (std::string l; std::getline(in, l);) names.push_back(json::parse(l)["Name"]);
    std::sort(names.begin(), names.end());
    std::vector<std::string> want = {anon, "named1"};
    std::sort(want.begin(), want.end());
    EXPECT_EQ(names, want);
    EXPECT_NE(brig({"volume", "ls"}).out.find("DRIVER    VOLUME NAME\nlocal     "), std::string::npos);
    EXPECT_EQ(brig({"volume", "ls", "-q", "--filter", "label=team=a"}).out, "named1\n");
    EXPECT_EQ(brig({"volume", "ls", "-q", "--filter", "label=team", "--filter", "name=med"}).out, "named1\n");
    EXPECT_EQ(brig({"volume", "ls", "-q", "--filter", "dangling=false"}).out, "");
    EXPECT_EQ(brig({"volume", "ls", "-q", "--filter", "colour=red"}).code, 125);

    // tmpfs-backed volume (the local driver's options).
    p = brig({"volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=4m", "tv"});
    ASSERT_EQ(p.code, 0) << p;
    p = brig_run({"--rm", "-v", "tv:/t"}, {"sh", "-c", "grep ' /t ' /proc/mounts"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("tmpfs"), std::string::npos) << p;

    EXPECT_EQ(brig({"volume", "rm", "named1", anon, "tv"}).code, 0);
    EXPECT_TRUE(volume_names().empty());
    EXPECT_NE(brig({"volume", "rm", "named1"}).code, 0);
    EXPECT_EQ(brig({"volume", "rm", "-f", "named1"}).code, 0);
}

TEST_F(Volumes, NamedVolumeOutlivesItsContainerAndIsShared) {
    auto p = brig_run({"--name", "writer", "-v", "data:/data"}, {"sh", "-c", "echo hello > /data/f"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(volume_names(), std::vector<std::string>{"data"}) << "created on first use";
    auto mounts = inspect("writer")["Mounts"];
    ASSERT_EQ(mounts.size(), 1u) << mounts;
    EXPECT_EQ(mounts[0]["Type"], "volume");
    EXPECT_EQ(mounts[0]["Name"], "data");
    EXPECT_EQ(mounts[0]["Destination"], "/data");
    EXPECT_EQ(mounts[0]["Source"], root_ + "/volumes/data/_data");
    EXPECT_EQ(mounts[0]["RW"], true);
    EXPECT_EQ(brig({"ps", "-a", "--format", "{{.Mounts}} {{.LocalVolumes}}"}).out, "data 1\n");
    ASSERT_EQ(brig({"rm", "-v", "writer"}).code, 0);
    EXPECT_EQ(volume_names(), std::vector<std::string>{"data"}) << "rm -v keeps named volumes";
    p = brig_run({"--rm", "--mount", "type=volume,source=data,target=/other"}, {"cat", "/other/f"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "hello\n");
    EXPECT_EQ(slurp(root_ + "/volumes/data/_data/f"), "hello\n");
}

TEST_F(Volumes, ReadOnlyRefusesWrites) {
    ASSERT_EQ(brig_run({"--rm", "-v", "ro1:/data"}, {"sh", "-c", "echo x > /data/f"}).code, 0);
    auto p = brig_run({"--rm", "-v", "ro1:/data:ro"}, {"sh", "-c", "cat /data/f; echo y > /data/g"});
    EXPECT_NE(p.code, 0) << p;
    EXPECT_EQ(p.out, "x\n");
    EXPECT_NE(p.err.find("Read-only file system"), std::string::npos) << p;
    p = brig_run({"--rm", "--mount", "type=volume,src=ro1,dst=/data,readonly"}, {"touch", "/data/g"});
    EXPECT_NE(p.code, 0) << p;
    EXPECT_NE(p.err.find("Read-only file system"), std::string::npos) << p;
    EXPECT_FALSE(fs::exists(root_ + "/volumes/ro1/_data/g"));
}

TEST_F(Volumes, BindMountsBothWaysAndMissingSourceRefused) {
    std::string host = dir_ + "/host";
    fs::create_directories(host);
    std::ofstream(host + "/in") << "from host\n";
    auto p = brig_run({"--rm", "-v", host + ":/h"}, {"sh", "-c", "cat /h/in; echo from container > /h/out"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "from host\n");
    EXPECT_EQ(slurp(host + "/out"), "from container\n");
    p = brig_run({"--rm", "-v", host + ":/h:ro"}, {"touch", "/h/new"});
    EXPECT_NE(p.code, 0) << p;
    EXPECT_FALSE(fs::exists(host + "/new"));
    p = brig_run({"--rm", "--mount", "type=bind,source=" + host + ",target=/m"}, {"cat", "/m/out"});
    EXPECT_EQ(p.out, "from container\n") << p;
    p = brig_run({"--rm", "--mount", "type=tmpfs,target=/scratch,tmpfs-size=1m"},
                 {"sh", "-c", "grep ' /scratch ' /proc/mounts"});
    EXPECT_NE(p.out.find("tmpfs"), std::string::npos) << p;

    // A missing bind source: a clear error naming it, and nothing left (no container, no volume).
    std::string missing = dir_ + "/no-such-dir";
    p = brig_run({"--name", "bad", "-v", "fresh:/f", "-v", missing + ":/x"}, {"true"});
    EXPECT_EQ(p.code, 125) << p;
    EXPECT_NE(p.err.find(missing), std::string::npos) << p;
    EXPECT_NE(p.err.find("does not exist"), std::string::npos) << p;
    EXPECT_EQ(brig({"ps", "-a", "-q"}).out, "");
    EXPECT_TRUE(volume_names().empty());
    EXPECT_TRUE(fs::is_empty(root_ + "/containers-storage") || !fs::exists(root_ + "/containers-storage"));
    p = brig_run({"--rm", "-v", "relative:x"}, {"true"});
    EXPECT_EQ(p.code, 125) << p;
    EXPECT_NE(p.err.find("absolute"), std::string::npos) << p;
}

TEST_F(Volumes, AnonymousVolumesGoWithRmVOnly) {
    auto p = brig_run({"--name", "a1", "-v", "/data"}, {"sh", "-c", "echo 1 > /data/f"});
    ASSERT_EQ(p.code, 0) << p;
    auto mounts = inspect("a1")["Mounts"];
    ASSERT_EQ(mounts.size(), 1u);
    std::string v1 = mounts[0]["Name"];
    EXPECT_EQ(v1.size(), 64u);
    ASSERT_EQ(brig({"rm", "a1"}).code, 0);
    EXPECT_EQ(volume_names(), std::vector<std::string>{v1}) << "rm without -v keeps it";

    p = brig_run({"--name", "a2", "-v", "/data"}, {"true"});
    ASSERT_EQ(p.code, 0) << p;
    std::string v2 = inspect("a2")["Mounts"][0]["Name"];
    ASSERT_NE(v1, v2);
    ASSERT_EQ(brig({"rm", "-v", "a2"}).code, 0);
    EXPECT_EQ(volume_names(), std::vector<std::string>{v1}) << "rm -v removed the anonymous one";

    // --rm removes anonymous volumes too.
    p = brig_run({"--rm", "-v", "/scratch"}, {"true"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(volume_names(), std::vector<std::string>{v1});

    // prune: unused anonymous volumes only (named ones with -a).
    ASSERT_EQ(brig({"volume", "create", "keepme"}).code, 0);
    p = brig({"volume", "prune", "-f"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find(v1), std::string::npos) << p;
    EXPECT_EQ(volume_names(), std::vector<std::string>{"keepme"});
    EXPECT_EQ(brig({"volume", "prune", "-f", "-a"}).code, 0);
    EXPECT_TRUE(volume_names().empty());
}

TEST_F(Volumes, InUseVolumeCannotBeRemoved) {
    auto p = brig({"create", "--name", "user", "--network", "none", "--cgroup-parent", cgroup_parent_, "-v",
                   "busy:/data", "busybox", "true"});
    ASSERT_EQ(p.code, 0) << p;
    p = brig({"volume", "rm", "busy"});
    EXPECT_NE(p.code, 0) << p;
    EXPECT_NE(p.err.find("in use"), std::string::npos) << p;
    p = brig({"volume", "rm", "-f", "busy"});
    EXPECT_NE(p.code, 0) << "-f does not remove a volume in use";
    p = brig({"volume", "prune", "-f", "-a"});
    EXPECT_EQ(volume_names(), std::vector<std::string>{"busy"});
    ASSERT_EQ(brig({"rm", "user"}).code, 0);
    p = brig({"volume", "rm", "busy"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_TRUE(volume_names().empty());
}

TEST_F(Volumes, EmptyVolumeIsFilledFromTheImage) {
    auto p = brig_run({"--rm", "-v", "etc:/etc"}, {"sh", "-c", "cat /etc/passwd | head -1; echo mine > /etc/added"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out.rfind("root:", 0), 0u) << p;
    EXPECT_TRUE(fs::exists(root_ + "/volumes/etc/_data/passwd"));
    EXPECT_TRUE(fs::exists(root_ + "/volumes/etc/_data/group"));
    // Not empty any more: used as is (the container's change is still there).
    fs::remove(root_ + "/volumes/etc/_data/group");
    p = brig_run({"--rm", "-v", "etc:/etc"}, {"sh", "-c", "cat /etc/added; test -e /etc/group || echo no-group"});
    EXPECT_EQ(p.out, "mine\nno-group\n") << p;
    // Anonymous volumes are filled too; nocopy keeps a volume empty.
    p = brig_run({"--rm", "-v", "/etc"}, {"test", "-e", "/etc/passwd"});
    EXPECT_EQ(p.code, 0) << p;
    p = brig_run({"--rm", "-v", "empty:/etc:nocopy"}, {"ls", "/bin/busybox"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_FALSE(fs::exists(root_ + "/volumes/empty/_data/passwd"));
}

TEST_F(Volumes, ImageVolumesGetFilledAnonymousVolumes) {
    // An image with VOLUME /data whose content is /data/seed.
    std::string tree = dir_ + "/tree";
    ASSERT_EQ(run({"/bin/cp", "-a", BRIG_ET_ROOTFS, tree}).code, 0);
    fs::create_directories(tree + "/data");
    std::ofstream(tree + "/data/seed") << "seeded\n";
    ASSERT_EQ(run({"/bin/tar", "-C", tree, "-cf", dir_ + "/img.tar", "."}).code, 0);
    auto p = brig({"import", "-c", "VOLUME /data", "-c", "CMD [\"sh\"]", dir_ + "/img.tar", "withvol:1"});
    ASSERT_EQ(p.code, 0) << p;
    p = brig({"run", "--name", "iv", "--network", "none", "--cgroup-parent", cgroup_parent_, "withvol:1", "sh", "-c",
              "cat /data/seed; echo more > /data/more"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "seeded\n");
    auto mounts = inspect("iv")["Mounts"];
    ASSERT_EQ(mounts.size(), 1u) << mounts;
    EXPECT_EQ(mounts[0]["Destination"], "/data");
    std::string name = mounts[0]["Name"];
    EXPECT_EQ(slurp(root_ + "/volumes/" + name + "/_data/more"), "more\n");
    // -v at the same path replaces the image's anonymous volume.
    p = brig({"run", "--rm", "--network", "none", "--cgroup-parent", cgroup_parent_, "-v", "mine:/data", "withvol:1",
              "cat", "/data/seed"});
    EXPECT_EQ(p.out, "seeded\n") << p;
    ASSERT_EQ(brig({"rm", "-v", "iv"}).code, 0);
    EXPECT_EQ(volume_names(), std::vector<std::string>{"mine"});
}

TEST_F(Volumes, VolumesFromSharesWithoutOwning) {
    auto p = brig_run({"--name", "src", "-v", "/data", "-v", "named:/named"}, {"sh", "-c", "echo a > /data/f; echo b > /named/g"});
    ASSERT_EQ(p.code, 0) << p;
    std::string anon = inspect("src")["Mounts"][0]["Name"];
    p = brig_run({"--name", "dst", "--volumes-from", "src:ro"}, {"sh", "-c", "cat /data/f /named/g; touch /data/x"});
    EXPECT_NE(p.code, 0) << p;
    EXPECT_EQ(p.out, "a\nb\n") << p;
    EXPECT_NE(p.err.find("Read-only file system"), std::string::npos) << p;
    EXPECT_EQ(inspect("dst")["Mounts"].size(), 2u);
    p = brig_run({"--name", "bad", "--volumes-from", "nosuchcontainer"}, {"true"});
    EXPECT_EQ(p.code, 125) << p;
    EXPECT_NE(p.err.find("nosuchcontainer"), std::string::npos) << p;
    ASSERT_EQ(brig({"rm", "-v", "src"}).code, 0);
    auto names = volume_names();
    EXPECT_NE(std::find(names.begin(), names.end(), anon), names.end()) << "still used by dst";
    ASSERT_EQ(brig({"rm", "-v", "dst"}).code, 0);
    EXPECT_EQ(brig({"volume", "prune", "-f"}).code, 0);
    EXPECT_EQ(volume_names(), std::vector<std::string>{"named"});
}

// The flag parsers (no root needed).
TEST(VolumeFlags, ParseVolumeFlag) {
    auto m = brig::storage::parse_volume_flag("data:/srv/data:ro,z");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->type, "volume");
    EXPECT_EQ(m->source, "data");
    EXPECT_EQ(m->target, "/srv/data");
    EXPECT_TRUE(m->readonly);
    m = brig::storage::parse_volume_flag("/host/dir:/in");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, "bind");
    EXPECT_FALSE(m->readonly);
    m = brig::storage::parse_volume_flag("/anon");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, "volume");
    EXPECT_EQ(m->source, "");
    m = brig::storage::parse_volume_flag("vv:/x:nocopy");
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->nocopy);
    EXPECT_FALSE(brig::storage::parse_volume_flag("data:rel"));
    EXPECT_FALSE(brig::storage::parse_volume_flag("data:/x:bogus"));
    EXPECT_FALSE(brig::storage::parse_volume_flag("a:b:c:d"));
    EXPECT_FALSE(brig::storage::parse_volume_flag("b@d:/x"));
}

TEST(VolumeFlags, ParseMountFlag) {
    auto m = brig::storage::parse_mount_flag("type=bind,source=/h,target=/c,readonly");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->type, "bind");
    EXPECT_EQ(m->source, "/h");
    EXPECT_EQ(m->target, "/c");
    EXPECT_TRUE(m->readonly);
    m = brig::storage::parse_mount_flag("src=v1,dst=/d,volume-nocopy");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, "volume");
    EXPECT_TRUE(m->nocopy);
    m = brig::storage::parse_mount_flag("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1777");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->tmpfs_opts, (std::vector<std::string>{"size=1m", "mode=1777"}));
    EXPECT_FALSE(brig::storage::parse_mount_flag("type=nfs,target=/x"));
    EXPECT_FALSE(brig::storage::parse_mount_flag("type=bind,target=/x"));
    EXPECT_FALSE(brig::storage::parse_mount_flag("type=volume,source=v"));
    EXPECT_FALSE(brig::storage::parse_mount_flag("target=/x,colour=red"));
}

}  // namespace

namespace {

using namespace brig::test;

class VolumeLife : public EngineFixture {
protected:
    Proc brig_run(std::vector<std::string> flags, const std::vector<std::string>& cmd) {
        flags.insert(flags.begin(), {"--network", "none"});
        return brig_run_image("busybox", flags, cmd);
    }
    bool mounted(const std::string& path) {
        auto m = mounts_below(path);
        return std::find(m.begin(), m.end(), path) != m.end();
    }
};

// A tmpfs-backed named volume (docker's local driver options) is mounted while a container
// uses it and unmounted when its last user stops or is removed.
TEST_F(VolumeLife, TmpfsVolumeIsMountedOnlyWhileUsed) {
    auto p = brig({"volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=16m", "tv"});
    ASSERT_EQ(p.code, 0) << p;
    std::string data = root_ + "/volumes/tv/_data";
    EXPECT_FALSE(mounted(data)) << "mounted before any use";
    EXPECT_EQ(json::parse(brig({"volume", "inspect", "tv"}).out)[0]["Options"]["o"], "size=16m");

    p = brig_run({"-d", "--name", "a", "-v", "tv:/data"}, {"sleep", "60"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_TRUE(mounted(data));
    p = brig({"exec", "a", "sh", "-c", "grep ' /data ' /proc/mounts; echo shared > /data/f"});
    EXPECT_NE(p.out.find("tmpfs /data tmpfs rw"), std::string::npos) << p;
    EXPECT_NE(p.out.find("size=16384k"), std::string::npos) << p;
    p = brig_run({"-d", "--name", "b", "-v", "tv:/data"}, {"sleep", "60"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(brig({"exec", "b", "cat", "/data/f"}).out, "shared\n");

    ASSERT_EQ(brig({"stop", "-t", "0", "a"}).code, 0);
    EXPECT_TRUE(mounted(data)) << "b still uses it";
    EXPECT_EQ(brig({"exec", "b", "cat", "/data/f"}).out, "shared\n");
    ASSERT_EQ(brig({"stop", "-t", "0", "b"}).code, 0);
    EXPECT_FALSE(mounted(data)) << "no user left";

    ASSERT_EQ(brig({"start", "a"}).code, 0);
    EXPECT_TRUE(mounted(data));
    EXPECT_EQ(brig({"exec", "a", "ls", "/data"}).out, "") << "a fresh tmpfs";
    ASSERT_EQ(brig({"rm", "-f", "a"}).code, 0);
    EXPECT_FALSE(mounted(data)) << "rm -f of the last user";
    ASSERT_EQ(brig({"rm", "b"}).code, 0);
    EXPECT_FALSE(mounted(data));

    p = brig_run({"--rm", "-v", "tv:/t"}, {"sh", "-c", "grep -c ' /t tmpfs' /proc/mounts"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "1\n");
    EXPECT_FALSE(mounted(data)) << "--rm container gone";
    EXPECT_EQ(brig({"volume", "rm", "tv"}).code, 0);
    EXPECT_EQ(mounts_below(root_ + "/volumes"), std::vector<std::string>{});

    // User errors: clear message, 125, nothing made.
    p = brig({"volume", "create", "--opt", "type=tmpfs", "half"});
    EXPECT_EQ(p.code, 125) << p;
    EXPECT_NE(p.err.find("type and device"), std::string::npos) << p;
    p = brig({"volume", "create", "--opt", "colour=red", "odd"});
    EXPECT_EQ(p.code, 125) << p;
    EXPECT_EQ(brig({"volume", "ls", "-q"}).out, "");
    // Options the kernel refuses: the volume exists (as docker), a container using it fails
    // to be created, with the volume named, and leaves nothing.
    ASSERT_EQ(brig({"volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=bogus", "bad"}).code, 0);
    p = brig_run({"--name", "c", "-v", "bad:/x"}, {"true"});
    EXPECT_EQ(p.code, 125) << p;
    EXPECT_NE(p.err.find("volume bad"), std::string::npos) << p;
    EXPECT_EQ(brig({"ps", "-a", "-q"}).out, "");
    EXPECT_EQ(mounts_below(root_ + "/volumes"), std::vector<std::string>{});
}

// `volume rm V` racing `run -v V:/data`: the volume of a container that exists is never gone.
TEST_F(VolumeLife, VolumeRmRacingRunNeverRemovesAVolumeInUse) {
    std::mt19937 rng(static_cast<unsigned>(getpid()));
    std::atomic<int> removed = 0, refused = 0;
    for (int round = 0; round < 12; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        std::string vol = "race" + std::to_string(round), name = "user" + std::to_string(round);
        ASSERT_EQ(brig({"volume", "create", vol}).code, 0);
        Proc run_p;
        std::atomic<bool> done = false;
        std::thread runner([&] {
            run_p = brig_run({"-d", "--name", name, "-v", vol + ":/data"}, {"sh", "-c", "echo alive > /data/f; sleep 30"});
            done = true;
        });
        // Three loops of volume rm while the run is under way (from random points on).
        std::vector<std::thread> removers;
        for (int r = 0; r < 3; ++r) {
            unsigned delay = rng() % 40;
            removers.emplace_back([&, delay] {
                std::this_thread::sleep_for(std::chrono::milliseconds(delay));
                while (!done) {
                    auto rm_p = brig({"volume", "rm", vol});
                    if (rm_p.code == 0) ++removed;
                    else {
                        ++refused;
                        // In use, or already removed by another rm (before the run made it again).
                        EXPECT_TRUE(rm_p.err.find("volume is in use") != std::string::npos ||
                                    rm_p.err.find("no such volume") != std::string::npos) << rm_p;
                    }
                }
            });
        }
        for (auto& t : removers) t.join();
        runner.join();
        ASSERT_EQ(run_p.code, 0) << run_p;
        // The container exists, so its volume does, with the data directory it mounts.
        auto mounts = inspect(name)["Mounts"];
        ASSERT_EQ(mounts.size(), 1u) << mounts;
        EXPECT_EQ(mounts[0]["Name"], vol);
        EXPECT_EQ(brig({"volume", "inspect", vol}).code, 0) << "volume of a container removed";
        EXPECT_TRUE(fs::is_directory(mounts[0]["Source"].get<std::string>()));
        EXPECT_TRUE(eventually([&] { return brig({"exec", name, "cat", "/data/f"}).out == "alive\n"; }));
        EXPECT_TRUE(eventually([&] { return slurp(root_ + "/volumes/" + vol + "/_data/f") == "alive\n"; }))
            << "the container writes into the volume that is listed";
        EXPECT_NE(brig({"volume", "rm", vol}).code, 0) << "in use";
        ASSERT_EQ(brig({"rm", "-f", name}).code, 0);
        EXPECT_EQ(brig({"volume", "rm", vol}).code, 0);
    }
    std::cout << "[ race ] volume rm won " << removed << " times (run created it again), refused " << refused
              << " times" << std::endl;
}

}  // namespace
