// plan_mount: a spec mount's options sorted into mount(2) flags, mount_setattr attributes,
// propagation and file system data.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include "runtime/mount_plan.hpp"

namespace brig::runtime {
namespace {

MountPlan plan(std::string type, std::vector<std::string> options) {
    return plan_mount({.destination = "/x", .type = std::move(type), .source = "/src", .options = std::move(options)});
}

TEST(RuntimeMountPlan, FileSystemFlagsAndData) {
    auto p = plan("tmpfs", {"nosuid", "nodev", "mode=755", "size=65536k"});
    EXPECT_FALSE(p.bind);
    EXPECT_EQ(p.flags, static_cast<unsigned long>(MS_NOSUID | MS_NODEV));
    EXPECT_EQ(p.data, "mode=755,size=65536k");  // unknown options go to the file system, in order
    EXPECT_EQ(p.attr_set, 0u) << "attributes are for bind mounts";
    EXPECT_TRUE(p.propagation.empty());
    // A later option undoes an earlier one.
    EXPECT_EQ(plan("proc", {"ro", "rw", "noexec"}).flags, static_cast<unsigned long>(MS_NOEXEC));
}

TEST(RuntimeMountPlan, BindMountAttributes) {
    auto p = plan("bind", {"rbind", "ro", "nosuid", "rprivate"});
    EXPECT_TRUE(p.bind);
    EXPECT_EQ(p.flags, static_cast<unsigned long>(MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID));
    EXPECT_EQ(p.attr_set, static_cast<uint64_t>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID));
    EXPECT_EQ(p.attr_clr, 0u);
    EXPECT_EQ(p.propagation, std::vector<unsigned long>{MS_PRIVATE | MS_REC});
    EXPECT_EQ(p.data, "");
    // "bind" makes a bind mount of any type; explicit "rw"/"suid" clear what the kernel may have set.
    p = plan("none", {"bind", "rw", "suid"});
    EXPECT_TRUE(p.bind);
    EXPECT_EQ(p.flags & MS_REC, 0u);
    EXPECT_EQ(p.attr_clr, static_cast<uint64_t>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID));
    // An atime mode replaces the current one. relatime is MOUNT_ATTR_RELATIME, which is 0: it
    // used to be dropped, leaving the source's mode (noatime, strictatime) on the bind mount.
    p = plan("bind", {"rbind", "noatime"});
    EXPECT_EQ(p.attr_set, static_cast<uint64_t>(MOUNT_ATTR_NOATIME));
    EXPECT_EQ(p.attr_clr, static_cast<uint64_t>(MOUNT_ATTR__ATIME));
    p = plan("bind", {"rbind", "relatime"});
    EXPECT_EQ(p.attr_set, static_cast<uint64_t>(MOUNT_ATTR_RELATIME));
    EXPECT_EQ(p.attr_clr, static_cast<uint64_t>(MOUNT_ATTR__ATIME));
}

TEST(RuntimeMountPlan, RecursiveAttributes) {
    auto p = plan("bind", {"rbind", "rro", "rnosuid", "rexec"});
    EXPECT_EQ(p.rattr_set, static_cast<uint64_t>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID));
    EXPECT_EQ(p.rattr_clr, static_cast<uint64_t>(MOUNT_ATTR_NOEXEC));
    EXPECT_EQ(p.attr_set, 0u) << "r* options are not top-mount attributes";
    p = plan("bind", {"rbind", "rnoatime"});
    EXPECT_EQ(p.rattr_set, static_cast<uint64_t>(MOUNT_ATTR_NOATIME));
    EXPECT_EQ(p.rattr_clr, static_cast<uint64_t>(MOUNT_ATTR__ATIME));
    p = plan("bind", {"rbind", "rrelatime"});  // was a no-op, as relatime above
    EXPECT_EQ(p.rattr_set, 0u);
    EXPECT_EQ(p.rattr_clr, static_cast<uint64_t>(MOUNT_ATTR__ATIME));
}

TEST(RuntimeMountPlan, PropagationInOrderAndIdmapIgnored) {
    auto p = plan("bind", {"bind", "shared", "rslave", "idmap", "tmpcopyup"});
    EXPECT_EQ(p.propagation, (std::vector<unsigned long>{MS_SHARED, MS_SLAVE | MS_REC}));
    EXPECT_EQ(p.data, "") << "runtime options are not file system data";
    EXPECT_EQ(p.flags, static_cast<unsigned long>(MS_BIND));
}

TEST(RuntimeMountPlan, AttrOfMapsEveryTwin) {
    EXPECT_EQ(attr_of(MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_NOSYMFOLLOW),
              static_cast<uint64_t>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW));
    EXPECT_EQ(attr_of(MS_STRICTATIME | MS_NODIRATIME),
              static_cast<uint64_t>(MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_NODIRATIME));
    EXPECT_EQ(attr_of(MS_BIND | MS_REC | MS_SYNCHRONOUS), 0u) << "no attribute twins";
}

}  // namespace
}  // namespace brig::runtime
