// The runtime's own binary, out of a container's reach (CVE-2019-5736 and its kin).
//
// A process of the runtime that enters a container (the init, an exec'd process) has the
// runtime binary as /proc/<pid>/exe until it calls execve. If that file is writable, a
// container can rewrite the host's runtime through it: by opening /proc/<pid>/exe while the
// process is there, or by making the runtime exec `#!/proc/self/exe` so that the binary
// itself runs as a container process and stays reachable after it exits. Non-dumpable
// processes (PR_SET_DUMPABLE 0) close the first way only.
//
// So create, run and exec first make sure the binary they run from cannot be written:
//   - already read-only (a read-only file system or mount, or a sealed memfd): nothing to do;
//   - otherwise re-exec (same pid, argv, environment and fds) from a read-only bind mount
//     of the binary that is cloned privately with open_tree(OPEN_TREE_CLONE) and never
//     attached anywhere: no mount namespace, no copy, one execveat. The mount goes away
//     with the last process running from it. A container that reaches the file through
//     /proc/<pid>/exe or map_files gets this mount, where writes fail with EROFS;
//   - without the privilege for that (a rootless runtime, root inside a container) or the
//     kernel support: a rootless runtime's binary the user cannot write needs nothing (the
//     container cannot gain more than the user's rights); otherwise the binary is copied
//     into a memfd sealed against writes (F_SEAL_WRITE and friends) and re-exec'd from
//     there (measured about 8 times the cost of the read-only mount).
//
// The static x86-64 brig-oci does the common case (root, open_tree allowed) in its ELF entry
// point, before the C library starts (cli/oci/early_entry.cpp), so that glibc's start-up,
// costly on a VM, runs once; main() then finds the binary read-only, or runs this function
// for every case the entry point left alone.
#pragma once

#include "common/error.hpp"

namespace brig::selfexe {

// Returns when the running binary is safe (possibly without doing anything); on success
// of a re-exec it does not return. argv/envp are passed to the new image unchanged.
Result<void> ensure_unwritable(char* const* argv, char* const* envp);

}  // namespace brig::selfexe
