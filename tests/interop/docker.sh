#!/usr/bin/env bash
# docker.sh: a private dockerd (Debian's docker.io 20.10) with brig-oci added as a runtime
# (--add-runtime brig=...), each scenario also with the default runc. Private data/exec
# roots, socket and config; no bridge, no iptables; cgroups under the test's parent.
# See lib.sh.
ENGINE=docker
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The client of the same package as the daemon: a newer docker CLI elsewhere in PATH may
# ask for an API version this dockerd does not have.
DOCKER_CLI=${DOCKER_CLI:-/usr/bin/docker}

if [[ -z ${INTEROP_INNER:-} ]]; then
    interop_outer dockerd "$DOCKER_CLI" containerd containerd-shim-runc-v2
fi

interop_inner_setup
IMG=localhost/brig-busybox:interop
DD=$WORK/docker
mkdir -p "$DD/data" "$DD/exec" "$DD/cli"
printf '{}\n' >"$DD/daemon.json"
# dockerd 20.10 writes its identity to /etc/docker/key.json whatever the flags say.
[[ -d /etc/docker ]] && private_overlay /etc/docker
export DOCKER_HOST=unix://$DD/docker.sock DOCKER_CONFIG=$DD/cli

dockerd --config-file "$DD/daemon.json" --data-root "$DD/data" --exec-root "$DD/exec" \
    --pidfile "$DD/docker.pid" -H "$DOCKER_HOST" \
    --iptables=false --ip-forward=false --ip-masq=false --bridge=none --userland-proxy=false \
    --cgroup-parent "$CG" --exec-opt native.cgroupdriver=cgroupfs \
    --add-runtime "brig=$BRIG_OCI" >"$DD/dockerd.log" 2>&1 &
DD_PID=$!
trap 'stop_daemon $DD_PID' EXIT
if ! wait_for_daemon $DD_PID 30 "$DOCKER_CLI" version; then
    tail -n 20 "$DD/dockerd.log"
    skip_all "dockerd did not start"
fi

# dockerd knows runc as "runc" (found in PATH) and brig-oci as "brig".
d() { timeout 60 "$DOCKER_CLI" "$@"; }
runopts() { RUNOPTS=(--runtime "$RTN" --network none); }

# ---- scenarios ------------------------------------------------------------------------------

sc_run_rm() {
    local out rc=0
    runopts
    out=$(d run --rm "${RUNOPTS[@]}" "$IMG" sh -c 'echo hello-$((6*7)); echo err-1 >&2; grep memory /proc/self/cgroup' \
        2>"$WORK/stderr.$RTN")
    expect_has "$out" "hello-42" "output"
    expect_eq "$(cat "$WORK/stderr.$RTN")" "err-1" "stderr, kept apart from stdout"
    expect_has "$out" ":memory:$CG/" "the container's cgroup is under the test's parent"
    d run --rm "${RUNOPTS[@]}" "$IMG" sh -c 'exit 7' || rc=$?
    expect_eq "$rc" 7 "exit status"
    expect_eq "$(d ps -aq)" "" "containers left after --rm"
}

# A failing create: the runtime's error reaches the user through containerd and dockerd.
sc_error() {
    local out rc=0
    runopts
    out=$(d run --rm "${RUNOPTS[@]}" "$IMG" /no/such/binary 2>&1) || rc=$?
    ((rc != 0)) || fail "a missing binary started"
    expect_has "$out" "/no/such/binary" "the runtime's error, through dockerd"
}

sc_detached() {
    local c=det-$RTN out id
    runopts
    id=$(d run -d --name "$c" "${RUNOPTS[@]}" "$IMG" \
        sh -c 'echo started; trap "echo got-term; exit 0" TERM; while :; do sleep 0.1; done')
    expect_eq "$(d inspect -f '{{.HostConfig.Runtime}}' "$c")" "$RTN" "the container's runtime"
    # The runtime under test, and only it, reads the state it keeps.
    # (dockerd 20.10 gives every runtime the state root it gives runc.)
    expect_has "$("$RT" --root "$DD/exec/runtime-runc/moby" state "$id")" '"running"' "the runtime's own state"
    if "$(other_runtime)" --root "$DD/exec/runtime-runc/moby" state "$id"; then
        fail "the other runtime reads this container's state too"
    fi
    out=$(d exec "$c" sh -c 'echo inside $((1+1)); cat /proc/1/cmdline | tr "\0" " "')
    expect_has "$out" "inside 2" "exec output"
    expect_has "$out" "sh -c echo started" "exec sees the container's pid 1"
    expect_eq "$(d exec -u 1000:1000 "$c" id -u)" 1000 "exec -u"
    local rc=0
    d exec "$c" sh -c 'exit 4' || rc=$?
    expect_eq "$rc" 4 "exec exit status"
    d stop -t 10 "$c" >/dev/null
    expect_eq "$(d inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$c")" "exited 0" "state after stop"
    out=$(d logs "$c")
    expect_has "$out" "started" "logs"
    expect_has "$out" "got-term" "SIGTERM reached the container"
    d rm "$c" >/dev/null
    expect_eq "$(d ps -aq)" "" "containers left after rm"
}

sc_stats() {
    local c=stats-$RTN out
    runopts
    d run -d --name "$c" "${RUNOPTS[@]}" --memory 64m --pids-limit 50 "$IMG" sh -c 'while :; do sleep 0.1; done' >/dev/null
    out=$(d stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' "$c")
    expect_has "$out" "$c " "stats row"
    expect_has "$out" "/ 64MiB" "the memory limit in stats"
    out=$(d exec "$c" cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max)
    expect_eq "$(echo $out)" "67108864 50" "memory.limit_in_bytes and pids.max inside"
    d rm -f "$c" >/dev/null
}

# docker update: the runtime's `update` changes a running container's limits.
sc_update() {
    local c=upd-$RTN
    runopts
    d run -d --name "$c" "${RUNOPTS[@]}" --memory 64m "$IMG" sleep 1000 >/dev/null
    d update --memory 32m --memory-swap 64m --cpu-quota 50000 --pids-limit 40 "$c" >/dev/null
    expect_eq "$(d exec "$c" cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" 33554432 "memory limit after update"
    expect_eq "$(d exec "$c" cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)" 50000 "cpu quota after update"
    expect_eq "$(d exec "$c" cat /sys/fs/cgroup/pids/pids.max)" 40 "pids limit after update"
    d rm -f "$c" >/dev/null
}

# run -it through a pty (script): dockerd's shim hands the runtime a --console-socket.
sc_tty() {
    local out rc=0
    out=$(printf 'tty; echo typed-$((6*7)); exit 3\n' |
        timeout 60 script -qec "$DOCKER_CLI run -it --rm --runtime $RTN --network none $IMG sh" /dev/null) ||
        rc=$?
    expect_has "$out" "typed-42" "typed input ran"
    expect_has "$out" "/dev/pts/0" "tty inside"
    expect_eq "$rc" 3 "exit status through the pty"
}

# The security options together: --user, --read-only (+ a tmpfs), --cap-drop ALL, and a
# seccomp profile of the test's own (mkdir denied with EXDEV) next to the default one.
sc_security() {
    local out
    runopts
    cat >"$WORK/seccomp.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}
EOF
    out=$(d run --rm "${RUNOPTS[@]}" "$IMG" grep ^Seccomp: /proc/self/status)
    expect_eq "$(echo $out)" "Seccomp: 2" "the default profile"
    out=$(d run --rm "${RUNOPTS[@]}" --user 1000:1000 --read-only --tmpfs /tmp --cap-drop ALL \
        --security-opt seccomp="$WORK/seccomp.json" "$IMG" sh -c \
        'echo id=$(id -u):$(id -g); touch /x 2>&1; grep ^CapBnd /proc/self/status | tr -d "\t "; mkdir /tmp/d 2>&1; touch /tmp/f && echo tmp-ok')
    expect_has "$out" "id=1000:1000" "--user"
    expect_has "$out" "Read-only file system" "--read-only"
    expect_has "$out" "CapBnd:0000000000000000" "--cap-drop ALL (the bounding set)"
    expect_has "$out" "Invalid cross-device link" "mkdir denied by the profile (EXDEV)"
    expect_has "$out" "tmp-ok" "the tmpfs on /tmp"
}

sc_pause() {
    local c=pause-$RTN
    runopts
    d run -d --name "$c" "${RUNOPTS[@]}" "$IMG" sleep 1000 >/dev/null
    d pause "$c" >/dev/null
    expect_eq "$(d inspect -f '{{.State.Status}}' "$c")" paused "state after pause"
    d unpause "$c" >/dev/null
    expect_eq "$(d inspect -f '{{.State.Status}}' "$c")" running "state after unpause"
    expect_eq "$(d exec "$c" echo alive)" alive "exec after unpause"
    d rm -f "$c" >/dev/null
}

# ---- run ------------------------------------------------------------------------------------

interop_make_rootfs_tar
interop_make_image_tar "$IMG" sh
d load -q -i "$WORK/image/image.tar" >/dev/null || skip_all "docker cannot load an image here"

for s in run_rm error detached stats update tty security pause; do
    scenario "$s"
done
interop_finish
