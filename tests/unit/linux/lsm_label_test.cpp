// linux.mountLabel: the context= option added to mount data (SELinux hosts), and a no-op
// without SELinux.
#include <gtest/gtest.h>

#include "linux/lsm.hpp"

namespace brig {
namespace {

constexpr const char* kLabel = "system_u:object_r:container_file_t:s0:c1,c2";

TEST(MountLabel, AddedAfterTheFilesystemOptions) {
    EXPECT_EQ(lsm::mount_data_with_label("mode=755,size=65536k", kLabel, true),
              "mode=755,size=65536k,context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
}

TEST(MountLabel, AloneWhenThereAreNoOptions) {
    EXPECT_EQ(lsm::mount_data_with_label("", kLabel, true), "context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
}

TEST(MountLabel, NoOpWithoutSelinuxOrLabel) {
    EXPECT_EQ(lsm::mount_data_with_label("mode=755", kLabel, false), "mode=755");
    EXPECT_EQ(lsm::mount_data_with_label("mode=755", "", true), "mode=755");
    EXPECT_EQ(lsm::mount_data_with_label("", "", false), "");
}

}  // namespace
}  // namespace brig
