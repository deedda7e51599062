// Rootless brig: an unprivileged user runs containers in a user namespace of its own.
//
// Design (docs/DESIGN.md, "Rootless"): one long-lived user + mount namespace per user, held by a
// small pause process (`brig-pause`, a fork of brig that only waits), as podman does. Every
// brig command run by the user first joins that namespace (setns, while still single-threaded),
// where the user is root: overlay mounts, chown while unpacking layers (in-image ownership is
// kept within the mapped range), the OCI runtime and the monitors all run there. Mounts live in
// the pause process's mount namespace, so they outlast one brig command and vanish with it.
//
//   uid map: "0 <uid> 1" plus "1 <subuid start> <count>" through newuidmap/newgidmap when the
//            user has /etc/subuid and /etc/subgid entries; else only "0 <uid> 1" (written directly).
//   paths:   engine root $XDG_DATA_HOME/brig (else ~/.local/share/brig);
//            runtime dir $XDG_RUNTIME_DIR/brig (else /tmp/brig-run-<uid>, 0700): the pause
//            process's pid file and lock.
//   cgroups: none unless the user's own cgroup is writable (delegated); resource flags fail then.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/error.hpp"
#include "engine/record.hpp"

namespace brig::engine::rootless {

// Set in the environment once joined: the user's host uid. Children (monitors, `brig rm` of
// --rm containers) inherit it and know they are already inside.
inline constexpr const char* kEnvUid = "BRIG_ROOTLESS_UID";

// Whether this brig runs rootless (as an unprivileged user, or already inside its namespace).
bool active();
// The user's uid on the host (getuid() before joining).
uid_t host_uid();

// $XDG_DATA_HOME/brig, else $HOME/.local/share/brig.
std::string default_root();
// $XDG_RUNTIME_DIR/brig, else /tmp/brig-run-<uid>; created 0700 and checked to be ours.
Result<std::string> runtime_dir();

// Joins the user's namespace, starting the pause process first when there is none. Call at the
// very start of main (single-threaded). No-op for root and when already inside.
Result<void> enter();

// The pause process of this user, or 0 when none runs.
pid_t pause_pid();

// Whether containers can get a cgroup: the caller's own cgroup (v2) is writable. When not,
// `why` says so for `brig info` and resource flags fail with it.
bool cgroups_available(std::string* why = nullptr);

// What a rootless container cannot have, refused with a clear message before anything is made:
// resource limits without cgroups, user-defined (bridge) networks. No-op when not rootless.
Result<void> check_record(const ContainerRecord& rec);

// The id mapping of the namespace ("0 1000 1\n1 100000 65536\n"), for `brig info`.
std::string uid_map_text();

}  // namespace brig::engine::rootless
