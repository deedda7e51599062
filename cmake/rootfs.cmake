# The embedded default image: a minimal busybox root filesystem in ${CMAKE_BINARY_DIR}/rootfs,
# made by scripts/mkrootfs.sh from Debian's static busybox. Rebuilt only when the script
# changes (the stamp file sits outside the tree so it never shows up inside containers).
# Target: brig-rootfs. Variable: BRIG_ROOTFS_DIR.

# The variables are set in every directory that includes this file (before the guard, which
# stops a second include from defining the target again).
set(BRIG_ROOTFS_DIR ${CMAKE_BINARY_DIR}/rootfs)
set(BRIG_ROOTFS_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/../scripts/mkrootfs.sh)
cmake_path(NORMAL_PATH BRIG_ROOTFS_SCRIPT)
set(BRIG_ROOTFS_STAMP ${CMAKE_BINARY_DIR}/rootfs.stamp)
include_guard(GLOBAL)

add_custom_command(
  OUTPUT ${BRIG_ROOTFS_STAMP}
  COMMAND ${BRIG_ROOTFS_SCRIPT} ${BRIG_ROOTFS_DIR}
  COMMAND ${CMAKE_COMMAND} -E touch ${BRIG_ROOTFS_STAMP}
  DEPENDS ${BRIG_ROOTFS_SCRIPT}
  COMMENT "Building the busybox rootfs in ${BRIG_ROOTFS_DIR}"
  VERBATIM)
add_custom_target(brig-rootfs ALL DEPENDS ${BRIG_ROOTFS_STAMP})
