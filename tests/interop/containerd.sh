#!/usr/bin/env bash
# containerd.sh: a private containerd (Debian's 1.6) with brig-oci as the runtime of the
# io.containerd.runc.v2 shim, each scenario also with runc:
#   - through ctr (ctr run --runc-binary);
#   - through the CRI plugin, as kubelet drives it (cri.py), with the runtime handler of
#     docs/kubernetes.md (runtime_type io.containerd.runc.v2, options BinaryName).
# Private root/state/sockets, cgroups under the test's parent. See lib.sh.
ENGINE=containerd
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ -z ${INTEROP_INNER:-} ]]; then
    interop_outer containerd ctr containerd-shim-runc-v2
fi

interop_inner_setup
IMG=localhost/brig-busybox:interop
CD=$WORK/containerd
SOCK=$CD/containerd.sock
mkdir -p "$CD"

# The brig runtime handler for the CRI plugin, exactly as docs/kubernetes.md gives it (only
# BinaryName points at the brig-oci under test).
DOC=$(dirname "${BASH_SOURCE[0]}")/../../docs/kubernetes.md
BRIG_HANDLER=$(awk '/interop:containerd-runtime/ { m = 1; next }
                    m == 1 && /^```toml/ { m = 2; next }
                    m == 2 && /^```/ { exit }
                    m == 2 { print }' "$DOC")
[[ $BRIG_HANDLER == *BinaryName* ]] || { say "FAIL: no containerd runtime block in $DOC"; exit 1; }
BRIG_HANDLER=${BRIG_HANDLER//\/usr\/local\/bin\/brig-oci/$BRIG_OCI}
PAUSE_IMG=localhost/brig-busybox:pause

cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = "$CD/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CD/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMG"
  # The pause container asks for oom_score_adj -998; without CAP_SYS_RESOURCE (this machine)
  # containerd must not go below its own.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CD/cni/bin"
    conf_dir = "$CD/cni/conf"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$RUNC"
$BRIG_HANDLER
EOF

containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
CD_PID=$!
trap 'stop_daemon $CD_PID' EXIT
if ! wait_for_daemon $CD_PID 20 ctr --address "$SOCK" version; then
    tail -n 20 "$CD/containerd.log"
    skip_all "containerd did not start"
fi

c() { timeout 60 ctr --address "$SOCK" --namespace interop "$@"; }

# task_status NAME: RUNNING, PAUSED, STOPPED, ...
task_status() { c task ls | awk -v n="$1" '$1 == n { print $3 }'; }

# ---- scenarios ------------------------------------------------------------------------------

sc_run() {
    local out rc=0 n=run-$RTN
    out=$(c run --rm --runc-binary "$RT" --cgroup "$CG/$n" "$IMG" "$n" \
        sh -c 'echo hello-$((6*7)); echo err-1 >&2; grep memory /proc/self/cgroup' 2>"$WORK/stderr.$RTN")
    expect_has "$out" "hello-42" "output"
    expect_eq "$(cat "$WORK/stderr.$RTN")" "err-1" "stderr, kept apart from stdout"
    expect_has "$out" ":memory:$CG/$n" "the task's cgroup"
    n=exit-$RTN
    c run --rm --runc-binary "$RT" --cgroup "$CG/$n" "$IMG" "$n" sh -c 'exit 7' || rc=$?
    expect_eq "$rc" 7 "exit status"
    expect_eq "$(c containers ls -q)" "" "containers left after --rm"
}

# A failing create: the runtime's error reaches the user through the shim, also when the
# shim gives the runtime no stdio at all (--null-io: stderr is /dev/null opened read-only).
sc_error() {
    local n=err-$RTN out rc=0
    out=$(c run --rm --null-io --runc-binary "$RT" --cgroup "$CG/$n" "$IMG" "$n" /no/such/binary 2>&1) || rc=$?
    ((rc != 0)) || fail "a missing binary started"
    expect_has "$out" "/no/such/binary" "the runtime's error, through containerd"
    c containers delete "$n" 2>/dev/null || true
}

# ctr run -t through a pty (script): the shim hands the runtime a --console-socket.
sc_tty() {
    local n=tty-$RTN out rc=0
    out=$(printf 'tty; echo typed-$((6*7)); exit 3\n' |
        timeout 60 script -qec "ctr --address $SOCK -n interop run --rm -t --runc-binary $RT --cgroup $CG/$n $IMG $n sh" /dev/null) ||
        rc=$?
    expect_has "$out" "typed-42" "typed input ran"
    expect_has "$out" "/dev/pts/0" "tty inside"
    expect_eq "$rc" 3 "exit status through the pty"
}

sc_detached() {
    local n=det-$RTN out
    c run -d --runc-binary "$RT" --cgroup "$CG/$n" "$IMG" "$n" \
        sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
    expect_eq "$(task_status "$n")" RUNNING "task status"
    # The shim ran the runtime under test: it, and only it, reads the state it keeps.
    expect_has "$("$RT" --root /run/containerd/runc/interop state "$n")" '"running"' "the runtime's own state"
    if "$(other_runtime)" --root /run/containerd/runc/interop state "$n"; then
        fail "the other runtime reads this task's state too"
    fi
    out=$(c task exec --exec-id e1 "$n" sh -c 'echo exec-$((2+3)); cat /proc/1/cmdline | tr "\0" " "')
    expect_has "$out" "exec-5" "exec output"
    expect_has "$out" "sh -c trap" "exec sees the task's pid 1"
    local rc=0
    c task exec --exec-id e2 "$n" sh -c 'exit 4' || rc=$?
    expect_eq "$rc" 4 "exec exit status"
    c task kill -s SIGTERM "$n"
    wait_for 10 sh -c "ctr --address $SOCK -n interop task ls | grep -q '^$n .*STOPPED'" || fail "task did not stop"
    c task delete "$n"
    c containers delete "$n"
    expect_eq "$(c containers ls -q)" "" "containers left"
}

sc_pause() {
    local n=pause-$RTN
    c run -d --runc-binary "$RT" --cgroup "$CG/$n" "$IMG" "$n" sleep 1000
    c task pause "$n"
    expect_eq "$(task_status "$n")" PAUSED "status after pause"
    expect_eq "$(cat "/sys/fs/cgroup/freezer$CG/$n/freezer.state")" FROZEN "freezer.state"
    c task resume "$n"
    expect_eq "$(task_status "$n")" RUNNING "status after resume"
    expect_eq "$(c task exec --exec-id e1 "$n" echo alive)" alive "exec after resume"
    c task kill -s SIGKILL "$n"
    wait_for 10 sh -c "ctr --address $SOCK -n interop task ls | grep -q '^$n .*STOPPED'"
    c task delete "$n"
    c containers delete "$n"
}

sc_metrics() {
    local n=metrics-$RTN out
    c run -d --runc-binary "$RT" --cgroup "$CG/$n" --memory-limit 67108864 "$IMG" "$n" \
        sh -c 'while :; do sleep 0.1; done'
    out=$(c task metrics "$n")
    expect_has "$out" "memory.limit_in_bytes" "metrics"
    expect_has "$out" "67108864" "the memory limit in the metrics"
    expect_has "$out" "pids.current" "metrics"
    out=$(c task ps "$n")
    expect_has "$out" "PID" "task ps"
    c task kill -s SIGKILL "$n"
    wait_for 10 sh -c "ctr --address $SOCK -n interop task ls | grep -q '^$n .*STOPPED'"
    c task delete "$n"
    c containers delete "$n"
}

# The path Kubernetes takes: kubelet's CRI calls (cri.py) with the runtime handler a
# RuntimeClass names ("runc", or "brig" from docs/kubernetes.md).
cri() { timeout 60 /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/cri.py" --sock "$SOCK" "$@"; }

sc_cri_pod() {
    local pod ctr out podopts
    mkdir -p "$WORK/pods/$RTN"
    podopts=(--handler "$RTN" --cgroup-parent "$CG/pod-$RTN" --log-dir "$WORK/pods/$RTN")
    pod=$(cri runp --name "pod-$RTN" "${podopts[@]}")
    ctr=$(cri create --pod "$pod" --pod-name "pod-$RTN" --name app "${podopts[@]}" --image "$IMG" \
        --log-path app.log --memory 67108864 -- sh -c 'echo hello-from-pod; while :; do sleep 0.1; done')
    cri start "$ctr"
    expect_has "$(cri status "$ctr")" RUNNING "container state"
    # The handler's runtime, and only it, reads the state it keeps.
    expect_has "$("$RT" --root /run/containerd/runc/k8s.io state "$ctr")" '"running"' "the runtime's own state"
    if "$(other_runtime)" --root /run/containerd/runc/k8s.io state "$ctr"; then
        fail "the other runtime reads this container's state too"
    fi
    wait_for 10 grep -q 'stdout F hello-from-pod' "$WORK/pods/$RTN/app.log" || fail "no log line in app.log"
    out=$(cri exec "$ctr" -- sh -c 'echo exec-ok; cat /sys/fs/cgroup/memory/memory.limit_in_bytes; grep memory /proc/self/cgroup')
    expect_has "$out" "exec-ok" "ExecSync output"
    expect_has "$out" "67108864" "the pod container's memory limit"
    expect_has "$out" ":memory:$CG/pod-$RTN/" "the container's cgroup is under the pod's parent"
    local rc=0
    cri exec "$ctr" -- sh -c 'exit 3' || rc=$?
    expect_eq "$rc" 3 "ExecSync exit code"
    cri stop "$ctr"
    expect_has "$(cri status "$ctr")" EXITED "container state after stop"
    cri rm "$ctr"
    cri stopp "$pod"
    cri rmp "$pod"
}

# A pod the runtime must refuse: a hostname without a UTS namespace of its own (the pod
# uses the node's). The runtime's error reaches the CRI caller.
sc_cri_error() {
    local out rc=0
    out=$(cri runp --name "bad-$RTN" --hostname bad --handler "$RTN" --cgroup-parent "$CG/bad-$RTN" \
        --log-dir "$WORK/pods" 2>&1) || rc=$?
    ((rc != 0)) || fail "the pod started"
    expect_has "$out" "hostname" "the runtime's error, through the CRI"
}

# ---- run ------------------------------------------------------------------------------------

interop_make_rootfs_tar
interop_make_image_tar "$IMG" sh
c images import "$WORK/image/image.tar" >/dev/null || skip_all "ctr cannot import an image here"
ctr --address "$SOCK" -n k8s.io images import "$WORK/image/image.tar" >/dev/null
interop_make_image_tar "$PAUSE_IMG" sleep 100000
ctr --address "$SOCK" -n k8s.io images import "$WORK/image/image.tar" >/dev/null

for s in run error tty detached pause metrics cri_pod cri_error; do
    scenario "$s"
done
interop_finish
