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

// Applies at the next execve: "exec <profile>" for AppArmor, the context for SELinux.
Result<void> set_apparmor_exec(std::string_view profile);
Result<void> set_selinux_exec(std::string_view label);

}  // namespace brig::lsm
