#!/usr/bin/env bash
# podman.sh: podman (Debian's 4.3) with brig-oci as its OCI runtime, each scenario also
# with runc. Private storage (graphroot/runroot), containers.conf and cgroup parent; no
# network (--network none, inside the test's own network namespace). See lib.sh.
ENGINE=podman
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ -z ${INTEROP_INNER:-} ]]; then
    interop_outer podman conmon script
fi

interop_inner_setup
IMG=localhost/brig-busybox:interop

# The machine's hard nofile/nproc limits are below podman's defaults and the test lacks
# CAP_SYS_RESOURCE, so both are set here. cgroupfs: no systemd runs.
cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$WORK/events.log"
tmp_dir = "$WORK/tmp"
image_copy_tmp_dir = "$WORK/tmp"
static_dir = "$WORK/storage/libpod"
volume_path = "$WORK/storage/volumes"
[network]
network_config_dir = "$WORK/net"
EOF
cat >"$WORK/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$WORK/storage"
runroot = "$WORK/runroot"
EOF
export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf
export CONTAINERS_REGISTRIES_CONF=$WORK/registries.conf
printf 'unqualified-search-registries = []\n' >"$WORK/registries.conf"

# podman with the runtime under test (an absolute path: a drop-in, no configuration).
pm() { timeout 60 podman --cgroup-manager cgroupfs --runtime "$RT" "$@"; }
RUNOPTS=(--cgroup-parent "$CG" --network none)

# ---- scenarios ------------------------------------------------------------------------------

sc_run_rm() {
    local out rc=0
    out=$(pm run --rm "${RUNOPTS[@]}" "$IMG" sh -c 'echo hello-$((6*7)); echo err-1 >&2; cat /proc/self/cgroup' \
        2>"$WORK/stderr.$RTN")
    expect_has "$out" "hello-42" "output"
    expect_eq "$(cat "$WORK/stderr.$RTN")" "err-1" "stderr, kept apart from stdout"
    expect_has "$out" ":memory:$CG/" "the container's cgroup is under the test's parent"
    pm run --rm "${RUNOPTS[@]}" "$IMG" sh -c 'exit 7' || rc=$?
    expect_eq "$rc" 7 "exit status"
    expect_eq "$(pm ps -aq)" "" "containers left after --rm"
}

# A failing create: the runtime's error reaches the user through conmon and podman.
sc_error() {
    local out rc=0
    out=$(pm run --rm "${RUNOPTS[@]}" "$IMG" /no/such/binary 2>&1) || rc=$?
    ((rc != 0)) || fail "a missing binary started"
    expect_has "$out" "/no/such/binary" "the runtime's error, through podman"
    expect_eq "$(pm ps -aq)" "" "containers left after a failed run --rm"
}

sc_detached() {
    local c=det-$RTN out
    pm run -d --name "$c" "${RUNOPTS[@]}" "$IMG" \
        sh -c 'echo started; trap "echo got-term; exit 0" TERM; while :; do sleep 0.1; done'
    expect_eq "$(pm inspect -f '{{.OCIRuntime}}' "$c")" "$RT" "the container's OCI runtime"
    # The runtime under test, and only it, reads the state it keeps (default root, private /run).
    expect_has "$("$RT" state "$(pm inspect -f '{{.Id}}' "$c")")" '"running"' "the runtime's own state"
    out=$(pm exec "$c" sh -c 'echo inside $((1+1)); cat /proc/1/cmdline | tr "\0" " "')
    expect_has "$out" "inside 2" "exec output"
    expect_has "$out" "sh -c echo started" "exec sees the container's pid 1"
    expect_eq "$(pm exec --user 1000:1000 "$c" id -u)" 1000 "exec --user"
    wait_for 10 sh -c "podman logs $c | grep -q started" || fail "logs: no 'started'"
    pm stop -t 10 "$c"
    expect_eq "$(pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$c")" "exited 0" "state after stop"
    expect_has "$(pm logs "$c")" "got-term" "SIGTERM reached the container"
    pm rm "$c"
    expect_eq "$(pm ps -aq)" "" "containers left after rm"
    # podman ran the runtime with its default state root (/run/<runtime>, private to the test).
    expect_eq "$("$RT" list -q)" "" "containers left in the runtime's state"
}

sc_pause() {
    local c=pause-$RTN
    pm run -d --name "$c" "${RUNOPTS[@]}" "$IMG" sleep 1000
    pm pause "$c"
    expect_eq "$(pm inspect -f '{{.State.Status}}' "$c")" paused "state after pause"
    pm unpause "$c"
    expect_eq "$(pm inspect -f '{{.State.Status}}' "$c")" running "state after unpause"
    expect_eq "$(pm exec "$c" echo alive)" alive "exec after unpause"
    pm rm -f -t 0 "$c"
}

# podman update: the runtime's `update` changes a running container's limits.
sc_update() {
    local c=upd-$RTN
    pm run -d --name "$c" "${RUNOPTS[@]}" --memory 64m "$IMG" sleep 1000
    pm update --memory 32m --memory-swap 64m --cpu-quota 50000 --cpu-period 100000 "$c"
    expect_eq "$(pm exec "$c" cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" 33554432 "memory limit after update"
    expect_eq "$(pm exec "$c" cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)" 50000 "cpu quota after update"
    pm rm -f -t 0 "$c"
}

sc_tty() {
    local out rc=0
    # script(1) gives podman a terminal; the shell inside reads what we type through it.
    out=$(printf 'tty; echo typed-$((6*7)); exit 3\n' |
        timeout 60 script -qec "podman --cgroup-manager cgroupfs --runtime $RT run -it --rm --cgroup-parent $CG --network none $IMG sh" /dev/null) ||
        rc=$?
    expect_has "$out" "/dev/pts/0" "tty inside"
    expect_has "$out" "typed-42" "typed input ran"
    expect_eq "$rc" 3 "exit status through the pty"
}

sc_limits() {
    local out
    out=$(pm run --rm "${RUNOPTS[@]}" --memory 64m --pids-limit 50 "$IMG" sh -c \
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max')
    expect_eq "$(echo $out)" "67108864 50" "memory.limit_in_bytes and pids.max inside"
}

sc_user() {
    expect_eq "$(pm run --rm "${RUNOPTS[@]}" --user 1000:1000 "$IMG" sh -c 'echo $(id -u) $(id -g)')" "1000 1000" "--user 1000:1000"
    expect_eq "$(pm run --rm "${RUNOPTS[@]}" --user 1000:1000 --group-add 44 "$IMG" id -G)" "1000 44" "--group-add"
}

sc_read_only() {
    local out
    out=$(pm run --rm "${RUNOPTS[@]}" --read-only "$IMG" sh -c 'touch /x 2>&1; echo rc=$?; touch /tmp/y && echo tmp-ok')
    expect_has "$out" "Read-only file system" "write to /"
    expect_has "$out" "rc=1" "write to /"
    expect_has "$out" "tmp-ok" "/tmp stays writable"
}

sc_cap_drop() {
    local out
    out=$(pm run --rm "${RUNOPTS[@]}" "$IMG" sh -c 'touch /tmp/f; chown 1 /tmp/f && echo chown-ok')
    expect_has "$out" "chown-ok" "chown with the default capabilities"
    out=$(pm run --rm "${RUNOPTS[@]}" --cap-drop CHOWN "$IMG" sh -c 'touch /tmp/f; chown 1 /tmp/f 2>&1; echo rc=$?')
    expect_has "$out" "Operation not permitted" "chown without CAP_CHOWN"
    out=$(pm run --rm "${RUNOPTS[@]}" --cap-drop ALL "$IMG" grep -E '^Cap(Prm|Eff|Bnd)' /proc/self/status)
    expect_eq "$(echo $out)" "CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000" "--cap-drop ALL"
}

sc_seccomp() {
    local out
    # The default profile is loaded ...
    out=$(pm run --rm "${RUNOPTS[@]}" "$IMG" grep ^Seccomp: /proc/self/status)
    expect_eq "$(echo $out)" "Seccomp: 2" "default profile"
    # ... and a profile of our own denies mkdir with EXDEV, a distinctive errno.
    cat >"$WORK/seccomp.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}
EOF
    out=$(pm run --rm "${RUNOPTS[@]}" --security-opt seccomp="$WORK/seccomp.json" "$IMG" \
        sh -c 'mkdir /tmp/d 2>&1; echo rc=$?; touch /tmp/f && echo touch-ok')
    expect_has "$out" "Invalid cross-device link" "mkdir denied by the profile (EXDEV)"
    expect_has "$out" "touch-ok" "other syscalls allowed"
}

# ---- run ------------------------------------------------------------------------------------

interop_make_rootfs_tar
timeout 60 podman --cgroup-manager cgroupfs import -q "$WORK/image/rootfs.tar" "$IMG" >/dev/null ||
    skip_all "podman cannot import an image here"

for s in run_rm error detached pause update tty limits user read_only cap_drop seccomp; do
    scenario "$s"
done
interop_finish
