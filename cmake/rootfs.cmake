# The embedded default image: a minimal busybox root filesystem in ${CMAKE_BINARY_DIR}/rootfs,
# made by scripts/mkrootfs.sh from Debian's static busybox. Rebuilt only when the script
# changes (the stamp file sits outside the tree so it never shows up inside containers).
# Target: brig-rootfs. Variable: BRIG_ROOTFS_DIR.
include_guard(GLOBAL)

set(BRIG_ROOTFS_DIR ${CMAKE_BINARY_DIR}/rootfs)
set(BRIG_ROOTFS_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/../scripts/mkrootfs.sh)
cmake_path(NORMAL_PATH BRIG_ROOTFS_SCRIPT)
set(BRIG_ROOTFS_STAMP ${CMAKE_BINARY_DIR}/rootfs.stamp)

add_custom_command(
  OUTPUT ${BRIG_ROOTFS_STAMP}
  COMMAND ${BRIG_ROOTFS_SCRIPT} ${BRIG_ROOTFS_DIR}
  COMMAND ${CMAKE_COMMAND} -E touch ${BRIG_ROOTFS_STAMP}
  DEPENDS ${BRIG_ROOTFS_SCRIPT}
  COMMENT "Building the busybox rootfs in ${BRIG_ROOTFS_DIR}"
  VERBATIM)
add_custom_target(brig-rootfs ALL DEPENDS ${BRIG_ROOTFS_STAMP})
