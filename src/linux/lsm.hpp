// Linux security modules: the exec label of the next execve (AppArmor profile or SELinux
// context) and whether each LSM is active. Written through the host's procfs, checked to
// be procfs, before the container's root replaces it.
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace brig::lsm {

bool apparmor_enabled();
bool selinux_enabled();

// linux.mountLabel: the mount data of a file system mounted for the container with
// context="<label>" added (comma-separated after `data`), when `selinux` (SELinux is
// enabled on the host: /sys/fs/selinux) and the label is not empty. Otherwise `data`
// unchanged: without SELinux the kernel refuses the option, so the label is a documented
// no-op there, as in runc. Bind mounts keep their files' own labels and never get one.
std::string mount_data_with_label(std::string_view data, std::string_view label, bool selinux);

// Applies at the next execve: "exec <profile>" for AppArmor, the context for SELinux.
Result<void> set_apparmor_exec(std::string_view profile);
Result<void> set_selinux_exec(std::string_view label);

}  // namespace brig::lsm
