// The name tables other modules translate config strings with.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <algorithm>
#include <set>
#include <string>

#include "oci/names.hpp"

namespace brig::oci {
namespace {

TEST(OciNames, Rlimits) {
    EXPECT_EQ(rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
    EXPECT_EQ(rlimit_from_name("RLIMIT_CPU"), RLIMIT_CPU);
    EXPECT_EQ(rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME);
    EXPECT_EQ(rlimit_from_name("RLIMIT_MSGQUEUE"), RLIMIT_MSGQUEUE);
    EXPECT_FALSE(rlimit_from_name("RLIMIT_FOO"));
    EXPECT_FALSE(rlimit_from_name("rlimit_nofile"));  // names are case-sensitive, as in runc
    EXPECT_FALSE(rlimit_from_name("NOFILE"));

    auto names = rlimit_names();
    ASSERT_EQ(names.size(), static_cast<std::size_t>(RLIMIT_NLIMITS));
    // In kernel number order, and each name maps back to its own index.
    for (std::size_t i = 0; i < names.size(); ++i)
        EXPECT_EQ(rlimit_from_name(names[i]), static_cast<int>(i)) << names[i];
}

TEST(OciNames, Capabilities) {
    EXPECT_EQ(capability_from_name("CAP_CHOWN"), 0);
    EXPECT_EQ(capability_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
    EXPECT_EQ(capability_from_name("CAP_NET_BIND_SERVICE"), CAP_NET_BIND_SERVICE);
    EXPECT_EQ(capability_from_name("CAP_CHECKPOINT_RESTORE"), 40);
    EXPECT_FALSE(capability_from_name("CAP_FOO"));
    EXPECT_FALSE(capability_from_name("SYS_ADMIN"));

    auto names = capability_names();
    ASSERT_EQ(names.size(), 41u);
    EXPECT_EQ(names.front(), "CAP_CHOWN");
    EXPECT_EQ(names.back(), "CAP_CHECKPOINT_RESTORE");
    for (std::size_t i = 0; i < names.size(); ++i)
        EXPECT_EQ(capability_from_name(names[i]), static_cast<int>(i)) << names[i];
}

TEST(OciNames, Namespaces) {
    EXPECT_EQ(namespace_clone_flag("pid"), CLONE_NEWPID);
    EXPECT_EQ(namespace_clone_flag("network"), CLONE_NEWNET);
    EXPECT_EQ(namespace_clone_flag("mount"), CLONE_NEWNS);
    EXPECT_EQ(namespace_clone_flag("ipc"), CLONE_NEWIPC);
    EXPECT_EQ(namespace_clone_flag("uts"), CLONE_NEWUTS);
    EXPECT_EQ(namespace_clone_flag("user"), CLONE_NEWUSER);
    EXPECT_EQ(namespace_clone_flag("cgroup"), CLONE_NEWCGROUP);
    EXPECT_EQ(namespace_clone_flag("time"), CLONE_NEWTIME);
    EXPECT_FALSE(namespace_clone_flag("net"));  // the spec says "network"
    EXPECT_FALSE(namespace_clone_flag("mnt"));
    auto types = namespace_types();
    EXPECT_EQ(types.size(), 8u);
    EXPECT_TRUE(std::is_sorted(types.begin(), types.end()));
}

TEST(OciNames, MountFlagOptions) {
    auto ro = lookup_mount_option("ro");
    ASSERT_TRUE(ro);
    EXPECT_EQ(ro->kind, MountOptionKind::Flag);
    EXPECT_EQ(ro->flags, static_cast<unsigned long>(MS_RDONLY));
    EXPECT_FALSE(ro->clear);

    auto rw = lookup_mount_option("rw");
    ASSERT_TRUE(rw);
    EXPECT_EQ(rw->kind, MountOptionKind::Flag);
    EXPECT_EQ(rw->flags, static_cast<unsigned long>(MS_RDONLY));
    EXPECT_TRUE(rw->clear);

    struct Expect {
        const char* name;
        unsigned long flag;
        bool clear;
    };
    const Expect flags[] = {
        {"nosuid", MS_NOSUID, false},     {"suid", MS_NOSUID, true},          {"nodev", MS_NODEV, false},
        {"dev", MS_NODEV, true},          {"noexec", MS_NOEXEC, false},       {"exec", MS_NOEXEC, true},
        {"sync", MS_SYNCHRONOUS, false},  {"async", MS_SYNCHRONOUS, true},    {"dirsync", MS_DIRSYNC, false},
        {"remount", MS_REMOUNT, false},   {"mand", MS_MANDLOCK, false},       {"nomand", MS_MANDLOCK, true},
        {"noatime", MS_NOATIME, false},   {"atime", MS_NOATIME, true},        {"nodiratime", MS_NODIRATIME, false},
        {"diratime", MS_NODIRATIME, true}, {"relatime", MS_RELATIME, false},  {"norelatime", MS_RELATIME, true},
        {"strictatime", MS_STRICTATIME, false}, {"nostrictatime", MS_STRICTATIME, true},
        {"nosymfollow", MS_NOSYMFOLLOW, false}, {"symfollow", MS_NOSYMFOLLOW, true},
        {"defaults", 0, false},
    };
    for (const auto& e : flags) {
        auto info = lookup_mount_option(e.name);
        ASSERT_TRUE(info) << e.name;
        EXPECT_EQ(info->kind, MountOptionKind::Flag) << e.name;
        EXPECT_EQ(info->flags, e.flag) << e.name;
        EXPECT_EQ(info->clear, e.clear) << e.name;
        EXPECT_FALSE(info->recursive_attr) << e.name;
    }
}

TEST(OciNames, MountBindAndPropagation) {
    auto bind = lookup_mount_option("bind");
    ASSERT_TRUE(bind);
    EXPECT_EQ(bind->kind, MountOptionKind::Bind);
    EXPECT_EQ(bind->flags, static_cast<unsigned long>(MS_BIND));
    EXPECT_FALSE(bind->recursive);
    auto rbind = lookup_mount_option("rbind");
    ASSERT_TRUE(rbind);
    EXPECT_EQ(rbind->flags, static_cast<unsigned long>(MS_BIND | MS_REC));
    EXPECT_TRUE(rbind->recursive);

    struct Expect {
        const char* name;
        unsigned long propagation;
    };
    const Expect props[] = {
        {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},       {"shared", MS_SHARED},
        {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE},                   {"rslave", MS_SLAVE | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    for (const auto& e : props) {
        auto info = lookup_mount_option(e.name);
        ASSERT_TRUE(info) << e.name;
        EXPECT_EQ(info->kind, MountOptionKind::Propagation) << e.name;
        EXPECT_EQ(info->propagation, e.propagation) << e.name;
        EXPECT_EQ(info->flags, 0u) << e.name;
        EXPECT_EQ(rootfs_propagation_flags(e.name), e.propagation) << e.name;
    }
    EXPECT_FALSE(rootfs_propagation_flags("rbind"));
    EXPECT_FALSE(rootfs_propagation_flags("ro"));
}

TEST(OciNames, MountRecursiveAttributes) {
    struct Expect {
        const char* name;
        unsigned long attr;
        bool clear;
        bool atime;
    };
    const Expect attrs[] = {
        {"rro", MOUNT_ATTR_RDONLY, false, false},
        {"rrw", MOUNT_ATTR_RDONLY, true, false},
        {"rnosuid", MOUNT_ATTR_NOSUID, false, false},
        {"rsuid", MOUNT_ATTR_NOSUID, true, false},
        {"rnodev", MOUNT_ATTR_NODEV, false, false},
        {"rdev", MOUNT_ATTR_NODEV, true, false},
        {"rnoexec", MOUNT_ATTR_NOEXEC, false, false},
        {"rexec", MOUNT_ATTR_NOEXEC, true, false},
        {"rnodiratime", MOUNT_ATTR_NODIRATIME, false, false},
        {"rdiratime", MOUNT_ATTR_NODIRATIME, true, false},
        {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, false, false},
        {"rsymfollow", MOUNT_ATTR_NOSYMFOLLOW, true, false},
        {"rnoatime", MOUNT_ATTR_NOATIME, false, true},
        {"ratime", MOUNT_ATTR_NOATIME, true, true},
        {"rrelatime", MOUNT_ATTR_RELATIME, false, true},
        {"rnorelatime", MOUNT_ATTR_RELATIME, true, true},
        {"rstrictatime", MOUNT_ATTR_STRICTATIME, false, true},
        {"rnostrictatime", MOUNT_ATTR_STRICTATIME, true, true},
    };
    for (const auto& e : attrs) {
        auto info = lookup_mount_option(e.name);
        ASSERT_TRUE(info) << e.name;
        EXPECT_EQ(info->kind, MountOptionKind::RecursiveAttr) << e.name;
        EXPECT_TRUE(info->recursive_attr) << e.name;
        EXPECT_TRUE(info->recursive) << e.name;
        EXPECT_EQ(info->flags, e.attr) << e.name;
        EXPECT_EQ(info->clear, e.clear) << e.name;
        EXPECT_EQ(info->atime, e.atime) << e.name;
    }
}

TEST(OciNames, MountIdmapAndExtensions) {
    auto idmap = lookup_mount_option("idmap");
    ASSERT_TRUE(idmap);
    EXPECT_EQ(idmap->kind, MountOptionKind::Idmap);
    EXPECT_FALSE(idmap->recursive);
    auto ridmap = lookup_mount_option("ridmap");
    ASSERT_TRUE(ridmap);
    EXPECT_EQ(ridmap->kind, MountOptionKind::Idmap);
    EXPECT_TRUE(ridmap->recursive);
    auto copyup = lookup_mount_option("tmpcopyup");
    ASSERT_TRUE(copyup);
    EXPECT_EQ(copyup->kind, MountOptionKind::Other);
}

TEST(OciNames, FilesystemDataIsNotAnOption) {
    for (const char* data : {"mode=755", "size=65536k", "newinstance", "ptmxmode=0666", "gid=5", "", "RO", "bind "})
        EXPECT_FALSE(lookup_mount_option(data)) << data;
}

TEST(OciNames, EveryListedMountOptionResolves) {
    auto names = mount_option_names();
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    std::set<std::string_view> unique(names.begin(), names.end());
    EXPECT_EQ(unique.size(), names.size());
    for (auto name : names) EXPECT_TRUE(lookup_mount_option(name)) << name;
    // What the brief promised other modules, at least.
    for (const char* required : {"defaults", "ro", "rw", "bind", "rbind", "rro", "rnosymfollow", "idmap", "ridmap",
                                 "tmpcopyup", "runbindable", "nosymfollow", "symfollow"})
        EXPECT_TRUE(unique.contains(required)) << required;
}

TEST(OciNames, SchedulerIoprioMempolicy) {
    EXPECT_EQ(sched_policy_from_name("SCHED_OTHER"), SCHED_OTHER);
    EXPECT_EQ(sched_policy_from_name("SCHED_FIFO"), SCHED_FIFO);
    EXPECT_EQ(sched_policy_from_name("SCHED_RR"), SCHED_RR);
    EXPECT_EQ(sched_policy_from_name("SCHED_BATCH"), SCHED_BATCH);
    EXPECT_EQ(sched_policy_from_name("SCHED_IDLE"), SCHED_IDLE);
    EXPECT_EQ(sched_policy_from_name("SCHED_DEADLINE"), 6);
    EXPECT_EQ(sched_policy_from_name("SCHED_ISO"), 4);
    EXPECT_FALSE(sched_policy_from_name("SCHED_NORMAL"));
    EXPECT_EQ(sched_flag_from_name("SCHED_FLAG_RESET_ON_FORK"), 1u);
    EXPECT_EQ(sched_flag_from_name("SCHED_FLAG_UTIL_CLAMP_MAX"), 0x40u);
    EXPECT_FALSE(sched_flag_from_name("SCHED_FLAG_ALL"));

    EXPECT_EQ(ioprio_class_from_name("IOPRIO_CLASS_RT"), 1);
    EXPECT_EQ(ioprio_class_from_name("IOPRIO_CLASS_BE"), 2);
    EXPECT_EQ(ioprio_class_from_name("IOPRIO_CLASS_IDLE"), 3);
    EXPECT_FALSE(ioprio_class_from_name("IOPRIO_CLASS_NONE"));

    EXPECT_EQ(mempolicy_mode_from_name("MPOL_DEFAULT"), 0);
    EXPECT_EQ(mempolicy_mode_from_name("MPOL_BIND"), 2);
    EXPECT_EQ(mempolicy_mode_from_name("MPOL_WEIGHTED_INTERLEAVE"), 6);
    EXPECT_EQ(mempolicy_flag_from_name("MPOL_F_STATIC_NODES"), 1 << 15);
    EXPECT_EQ(mempolicy_flag_from_name("MPOL_F_RELATIVE_NODES"), 1 << 14);
    EXPECT_EQ(mempolicy_flag_from_name("MPOL_F_NUMA_BALANCING"), 1 << 13);
    EXPECT_EQ(mempolicy_mode_names().size(), 7u);
    EXPECT_EQ(mempolicy_flag_names().size(), 3u);
}

TEST(OciNames, Seccomp) {
    EXPECT_TRUE(is_one_of("SCMP_ACT_ALLOW", seccomp_action_names()));
    EXPECT_TRUE(is_one_of("SCMP_ACT_KILL_PROCESS", seccomp_action_names()));
    EXPECT_TRUE(is_one_of("SCMP_ACT_NOTIFY", seccomp_action_names()));
    EXPECT_FALSE(is_one_of("SCMP_ACT_FOO", seccomp_action_names()));
    EXPECT_EQ(seccomp_action_names().size(), 9u);
    EXPECT_EQ(seccomp_operator_names().size(), 7u);
    EXPECT_TRUE(is_one_of("SCMP_CMP_MASKED_EQ", seccomp_operator_names()));
    EXPECT_TRUE(is_one_of("SCMP_ARCH_X86_64", seccomp_arch_names()));
    EXPECT_TRUE(is_one_of("SCMP_ARCH_AARCH64", seccomp_arch_names()));
    EXPECT_FALSE(is_one_of("SCMP_ARCH_PARISC", seccomp_arch_names()));
    for (auto list : {seccomp_action_names(), seccomp_operator_names(), seccomp_arch_names()})
        EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
    EXPECT_EQ(seccomp_flag_from_name("SECCOMP_FILTER_FLAG_TSYNC"), 1u);
    EXPECT_EQ(seccomp_flag_from_name("SECCOMP_FILTER_FLAG_LOG"), 2u);
    EXPECT_EQ(seccomp_flag_from_name("SECCOMP_FILTER_FLAG_SPEC_ALLOW"), 4u);
    EXPECT_EQ(seccomp_flag_from_name("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"), 32u);
    EXPECT_FALSE(seccomp_flag_from_name("SECCOMP_FILTER_FLAG_NEW_LISTENER"));  // runtime-internal, not a config flag
}

TEST(OciNames, Hooks) {
    auto hooks = hook_names();
    ASSERT_EQ(hooks.size(), 6u);
    EXPECT_EQ(hooks.front(), "prestart");
    EXPECT_EQ(hooks.back(), "poststop");
}

}  // namespace
}  // namespace brig::oci
