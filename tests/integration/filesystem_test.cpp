// The container's filesystem: default mounts, /dev, masked and read-only paths,
// a read-only root, bind and tmpfs mounts, and mount targets that try to escape the root.
#include <sys/stat.h>

#include <gmock/gmock.h>

#include "harness.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

class FilesystemTest : public RuntimeTest {};

// Asserts an operation result from brig-inspect succeeded / failed with `error`.
void expect_ok(const json& r, const std::string& what) { EXPECT_EQ(r.value("ok", false), true) << what << ": " << r; }
void expect_error(const json& r, const std::string& error, const std::string& what) {
    EXPECT_EQ(r.value("ok", true), false) << what << " should have failed: " << r;
    EXPECT_EQ(r.value("error", ""), error) << what << ": " << r;
}

TEST_F(FilesystemTest, DefaultMountTable) {
    Container c;
    auto report = c.inspect();
    const std::map<std::string, std::string> want = {
        {"/proc", "proc"},   {"/dev", "tmpfs"},          {"/dev/pts", "devpts"},
        {"/dev/shm", "tmpfs"}, {"/dev/mqueue", "mqueue"}, {"/sys", "sysfs"},
    };
    for (const auto& [where, fstype] : want) {
        json m = find_mount(report, where);
        ASSERT_FALSE(m.is_null()) << "no mount at " << where << " in " << report["mounts"].dump(1);
        EXPECT_EQ(m["fstype"], fstype) << where;
    }
    EXPECT_FALSE(find_mount(report, "/").is_null());
    // Nothing of the host's mount table is visible after pivot_root.
    for (const auto& m : report["mounts"]) {
        std::string mp = m["mount_point"];
        EXPECT_EQ(mp.find(c.dir().string()), std::string::npos) << "host path visible: " << m;
        EXPECT_FALSE(mp.starts_with("/mnt/sandboxing")) << "host mount visible: " << m;
    }
}

TEST_F(FilesystemTest, DevHasTheStandardDevicesAndLinks) {
    Container c;
    struct Dev {
        std::string name;
        unsigned major, minor;
    };
    const std::vector<Dev> devices = {{"null", 1, 3},    {"zero", 1, 5},    {"full", 1, 7},
                                      {"random", 1, 8},  {"urandom", 1, 9}, {"tty", 5, 0}};
    const std::map<std::string, std::string> links = {{"fd", "/proc/self/fd"},
                                                      {"stdin", "/proc/self/fd/0"},
                                                      {"stdout", "/proc/self/fd/1"},
                                                      {"stderr", "/proc/self/fd/2"}};
    std::vector<std::vector<std::string>> ops;
    for (const auto& d : devices) ops.push_back({"stat", "/dev/" + d.name});
    for (const auto& [name, target] : links) ops.push_back({"stat", "/dev/" + name});
    ops.push_back({"stat", "/dev/ptmx"});
    ops.push_back({"stat", "/dev/core"});
    auto res = c.inspect_ops(ops);

    size_t i = 0;
    for (const auto& d : devices) {
        const json& r = res[i++];
        ASSERT_EQ(r.value("ok", false), true) << "/dev/" << d.name << ": " << r;
        EXPECT_EQ(r["type"], "chr") << "/dev/" << d.name;
        EXPECT_EQ(r["rdev_major"], d.major) << "/dev/" << d.name;
        EXPECT_EQ(r["rdev_minor"], d.minor) << "/dev/" << d.name;
        EXPECT_EQ(r["mode"], 0666) << "/dev/" << d.name;
    }
    for (const auto& [name, target] : links) {
        const json& r = res[i++];
        ASSERT_EQ(r.value("ok", false), true) << "/dev/" << name << ": " << r;
        EXPECT_EQ(r["type"], "lnk") << "/dev/" << name;
        EXPECT_EQ(r["target"], target) << "/dev/" << name;
    }
    const json& ptmx = res[i++];
    ASSERT_EQ(ptmx.value("ok", false), true) << ptmx;
    if (ptmx["type"] == "lnk")
        EXPECT_EQ(ptmx["target"], "pts/ptmx");
    else
        EXPECT_EQ(ptmx["type"], "chr");
    const json& core = res[i++];
    if (fs::exists("/proc/kcore")) {
        EXPECT_EQ(core["type"], "lnk") << core;
        EXPECT_EQ(core["target"], "/proc/kcore") << core;
    } else {
        // Like runc, /dev/core is only made when the kernel has /proc/kcore.
        EXPECT_EQ(core["ok"], false) << core;
    }
}

TEST_F(FilesystemTest, DevicesWork) {
    Container c;
    auto res = c.inspect_ops({{"write", "/dev/null", "discarded"},
                              {"read", "/dev/zero", "4096"},
                              {"write", "/dev/full", "x"},
                              {"read", "/dev/urandom", "16"},
                              {"write", "/dev/shm/file", "shm works"},
                              {"read", "/dev/shm/file"}});
    expect_ok(res[0], "write /dev/null");
    expect_ok(res[1], "read /dev/zero");
    EXPECT_EQ(res[1]["size"], 4096);
    EXPECT_EQ(res[1]["data"], std::string(4096, '\0'));
    expect_error(res[2], "ENOSPC", "write /dev/full");
    expect_ok(res[3], "read /dev/urandom");
    EXPECT_EQ(res[3]["size"], 16);
    expect_ok(res[4], "write /dev/shm/file");
    EXPECT_EQ(res[5]["data"], "shm works");
}

TEST_F(FilesystemTest, MaskedPathsAreUnreadable) {
    Container c;
    write_text(c.rootfs() / "etc/brig-secret", "top secret\n");
    fs::create_directories(c.rootfs() / "opt/brig-secret-dir");
    write_text(c.rootfs() / "opt/brig-secret-dir/file", "also secret\n");
    auto& masked = c.config()["linux"]["maskedPaths"];
    masked.push_back("/etc/brig-secret");
    masked.push_back("/opt/brig-secret-dir");

    std::vector<std::vector<std::string>> ops = {{"read", "/etc/brig-secret"},
                                                 {"ls", "/opt/brig-secret-dir"},
                                                 {"write", "/opt/brig-secret-dir/new"}};
    // The spec's own masked paths, for those that this kernel has.
    std::vector<std::string> standard;
    for (const auto& p : masked) {
        std::string path = p;
        if (path.starts_with("/etc/brig") || path.starts_with("/opt/brig") || !fs::exists(path)) continue;
        standard.push_back(path);
        ops.push_back({fs::is_directory(path) ? "ls" : "read", path});
    }
    auto res = c.inspect_ops(ops);
    expect_ok(res[0], "read masked file");
    EXPECT_EQ(res[0]["size"], 0) << "masked file readable: " << res[0];
    expect_ok(res[1], "list masked dir");
    EXPECT_EQ(res[1]["entries"], json::array()) << "masked dir readable";
    EXPECT_EQ(res[2].value("ok", true), false) << "masked dir writable: " << res[2];
    for (size_t i = 0; i < standard.size(); ++i) {
        const json& r = res[3 + i];
        if (fs::is_directory(standard[i]))
            EXPECT_EQ(r.value("entries", json::array({"?"})), json::array()) << standard[i] << ": " << r;
        else
            EXPECT_EQ(r.value("size", 1), 0) << standard[i] << ": " << r;
    }
    // The files themselves are untouched.
    EXPECT_EQ(read_text(c.rootfs() / "etc/brig-secret"), "top secret\n");
}

TEST_F(FilesystemTest, ReadonlyPathsAreUnwritable) {
    Container c;
    fs::create_directories(c.rootfs() / "opt/brig-ro");
    write_text(c.rootfs() / "opt/brig-ro/file", "read me\n");
    c.config()["linux"]["readonlyPaths"].push_back("/opt/brig-ro");
    auto res = c.inspect_ops({{"write", "/proc/sys/kernel/hostname", "evil"},
                              {"write", "/opt/brig-ro/new"},
                              {"write", "/opt/brig-ro/file"},
                              {"read", "/opt/brig-ro/file"},
                              {"write", "/proc/sysrq-trigger", "h"}});
    expect_error(res[0], "EROFS", "write /proc/sys");
    expect_error(res[1], "EROFS", "create in read-only path");
    expect_error(res[2], "EROFS", "write in read-only path");
    EXPECT_EQ(res[3]["data"], "read me\n");
    EXPECT_EQ(res[4].value("ok", true), false) << "/proc/sysrq-trigger writable: " << res[4];
}

TEST_F(FilesystemTest, ReadonlyRoot) {
    Container c;
    c.config()["root"]["readonly"] = true;
    auto res = c.inspect_ops({{"write", "/etc/new-file"},
                              {"mkdir", "/new-dir"},
                              {"write", "/dev/shm/ok"},
                              {"report"}});
    expect_error(res[0], "EROFS", "write under a read-only root");
    expect_error(res[1], "EROFS", "mkdir under a read-only root");
    expect_ok(res[2], "write to /dev/shm");
    json root = find_mount(res[3], "/");
    EXPECT_TRUE(has_option(root.value("options", ""), "ro")) << root;
    EXPECT_FALSE(fs::exists(c.rootfs() / "etc/new-file"));
}

TEST_F(FilesystemTest, WritableRoot) {
    Container c;
    c.config()["root"]["readonly"] = false;
    auto res = c.inspect_ops({{"write", "/etc/new-file", "written"}});
    expect_ok(res[0], "write under a writable root");
    EXPECT_EQ(read_text(c.rootfs() / "etc/new-file"), "written");
}

TEST_F(FilesystemTest, SysAndCgroupfsAreReadOnly) {
    Container c;
    auto report = c.inspect();
    json sys = find_mount(report, "/sys");
    EXPECT_TRUE(has_option(sys.value("options", ""), "ro")) << sys;
    int cgroup_mounts = 0;
    std::vector<std::vector<std::string>> ops;
    for (const auto& m : report["mounts"]) {
        if (m["fstype"] != "cgroup" && m["fstype"] != "cgroup2") continue;
        ++cgroup_mounts;
        EXPECT_TRUE(has_option(m["options"], "ro")) << "cgroupfs mounted writable: " << m;
        ops.push_back({"mkdir", m["mount_point"].get<std::string>() + "/brig-escape"});
    }
    if (cgroup_mounts == 0) GTEST_SKIP() << "the spec mounts no cgroupfs";
    auto res = c.inspect_ops(ops);
    for (const auto& r : res) EXPECT_EQ(r.value("ok", true), false) << "cgroup created from inside: " << r;
}

TEST_F(FilesystemTest, BindMountsHonourReadOnlyAndReadWrite) {
    Container c;
    fs::path ro = c.add_bind("/mnt/ro", "ro", {"rbind", "ro"});
    fs::path rw = c.add_bind("/mnt/rw", "rw", {"rbind", "rw"});
    write_text(ro / "hello.txt", "hello from the host\n");
    auto res = c.inspect_ops({{"read", "/mnt/ro/hello.txt"},
                              {"write", "/mnt/ro/new"},
                              {"write", "/mnt/rw/new", "written inside"},
                              {"report"}});
    EXPECT_EQ(res[0]["data"], "hello from the host\n") << res[0];
    expect_error(res[1], "EROFS", "write to a read-only bind mount");
    expect_ok(res[2], "write to a read-write bind mount");
    EXPECT_EQ(read_text(rw / "new"), "written inside");
    EXPECT_FALSE(fs::exists(ro / "new"));
    json m = find_mount(res[3], "/mnt/ro");
    ASSERT_FALSE(m.is_null()) << res[3]["mounts"].dump(1);
    EXPECT_TRUE(has_option(m["options"], "ro")) << m;
    m = find_mount(res[3], "/mnt/rw");
    ASSERT_FALSE(m.is_null());
    EXPECT_TRUE(has_option(m["options"], "rw")) << m;
}

TEST_F(FilesystemTest, BindMountNosuidNodevNoexec) {
    Container c;
    fs::path host = c.add_bind("/mnt/nx", "nx", {"rbind", "nosuid", "nodev", "noexec"});
    fs::copy_file(inspect_binary(), host / "brig-inspect");
    fs::permissions(host / "brig-inspect", fs::perms(0755));
    auto report = c.inspect();
    json m = find_mount(report, "/mnt/nx");
    ASSERT_FALSE(m.is_null()) << report["mounts"].dump(1);
    for (const char* opt : {"nosuid", "nodev", "noexec"}) EXPECT_TRUE(has_option(m["options"], opt)) << opt << ": " << m;

    auto res = c.inspect_ops({{"exec", "/mnt/nx/brig-inspect"}});
    expect_error(res[0], "EACCES", "exec from a noexec mount");
}

TEST_F(FilesystemTest, TmpfsMountWithSizeAndMode) {
    Container c;
    c.add_mount({{"destination", "/mnt/scratch"},
                 {"type", "tmpfs"},
                 {"source", "tmpfs"},
                 {"options", {"nosuid", "nodev", "size=1m", "mode=1770"}}});
    auto res = c.inspect_ops({{"stat", "/mnt/scratch"}, {"write", "/mnt/scratch/f", "x"}, {"report"}});
    expect_ok(res[0], "stat tmpfs mount point");
    EXPECT_EQ(res[0]["mode"], 01770) << res[0];
    expect_ok(res[1], "write to tmpfs");
    json m = find_mount(res[2], "/mnt/scratch");
    ASSERT_FALSE(m.is_null()) << res[2]["mounts"].dump(1);
    EXPECT_EQ(m["fstype"], "tmpfs");
    EXPECT_TRUE(has_option(m["super_options"], "size=1024k")) << m;
    EXPECT_TRUE(has_option(m["super_options"], "mode=1770")) << m;
    EXPECT_TRUE(has_option(m["options"], "nosuid")) << m;
    EXPECT_TRUE(has_option(m["options"], "nodev")) << m;
}

TEST_F(FilesystemTest, BindMountOfAFile) {
    Container c;
    fs::path host = c.dir() / "host-file";
    write_text(host, "a single file\n");
    c.add_mount({{"destination", "/etc/brig-file"},
                 {"type", "bind"},
                 {"source", host.string()},
                 {"options", {"bind", "ro"}}});
    auto res = c.inspect_ops({{"read", "/etc/brig-file"}, {"stat", "/etc/brig-file"}});
    EXPECT_EQ(res[0]["data"], "a single file\n") << res[0];
    EXPECT_EQ(res[1]["type"], "reg") << res[1];
}

// A symlink in the rootfs that points at / (absolute, or by climbing with ../) must be
// resolved inside the rootfs when it is part of a mount destination: following it on
// the host would create and mount things in the host's filesystem.
class SymlinkEscapeTest : public RuntimeTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(SymlinkEscapeTest, MountTargetThroughSymlinkStaysInsideTheRootfs) {
    Container c;
    fs::path outside = c.dir() / "outside";  // an existing, empty host directory
    fs::create_directories(outside);
    fs::create_directory_symlink(GetParam(), c.rootfs() / "escape");
    std::string dest = "/escape" + outside.string() + "/target";
    c.add_mount({{"destination", dest}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"size=64k"}}});
    fs::path host_src = c.add_bind("/escape" + outside.string() + "/bound", "bind-src", {"rbind", "ro"});
    (void)host_src;

    auto report = c.inspect();
    EXPECT_TRUE(fs::is_empty(outside)) << "the runtime created something on the host through the symlink";
    // Inside the container the mounts are where the symlink leads within the root.
    json m = find_mount(report, (outside / "target").string());
    ASSERT_FALSE(m.is_null()) << "tmpfs not at " << (outside / "target") << ": " << report["mounts"].dump(1);
    EXPECT_EQ(m["fstype"], "tmpfs");
    EXPECT_FALSE(find_mount(report, (outside / "bound").string()).is_null()) << report["mounts"].dump(1);
    EXPECT_TRUE(fs::is_directory(c.rootfs() / outside.relative_path() / "target"))
        << "mount point not created inside the rootfs";
}

INSTANTIATE_TEST_SUITE_P(Targets, SymlinkEscapeTest, ::testing::Values("/", "../../../../../../../../.."),
                         [](const auto& info) { return info.param == "/" ? "Absolute" : "Relative"; });

}  // namespace
}  // namespace brig::it
