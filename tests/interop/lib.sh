# shellcheck shell=bash disable=SC2034  # CG, RT, RTN ... are used by the drivers
# lib.sh: the common part of the interop tests (sourced by podman.sh, containerd.sh, docker.sh).
#
# A driver runs twice:
#   outer  checks what it needs, makes a work directory and a cgroup parent of its own
#          (/brig-test/interop-<id>), then runs itself again inside new mount, network and
#          pid namespaces (unshare --kill-child). Afterwards, also on failure or timeout, it
#          removes the cgroups and the work directory.
#   inner  (pid 1 of the new pid namespace) mounts a private /run and /dev/shm, brings up
#          loopback, starts the engine and runs every scenario with runc and with brig-oci.
#
# Why namespaces: every process the test starts (daemons, shims, conmon, containers) lives
# in its pid namespace, so all of them die with it, whatever happens; the engines' links,
# bridges and firewall rules, if any, land in its own network namespace; and their
# defaults that cannot be moved by flags (runc's and brig-oci's /run/<runtime> state roots,
# podman's /dev/shm lock, /run/containerd ...) are private tmpfs.
#
# Verdicts, per scenario:
#   PASS  both runtimes pass
#   FAIL  runc passes, brig-oci fails: a brig-oci bug (the test fails)
#   SKIP  runc fails too: the engine's or the machine's limitation (reported, with runc's error)
#   XRUNC brig-oci passes, runc fails: reported, not a failure of the test
# Exit status: 0, 1 on any FAIL, 77 (ctest's SKIP_RETURN_CODE) when the engine is missing
# or cannot start with either runtime.

set -uo pipefail

: "${ENGINE:?set ENGINE before sourcing lib.sh}"
BRIG_OCI=${BRIG_OCI:-}
RUNC=${RUNC:-$(command -v runc || true)}
# The outer part's time limit; ctest's TIMEOUT is larger, so the cleanup always runs.
INTEROP_LIMIT=${INTEROP_LIMIT:-150}

say() { printf '%s\n' "$*"; }
skip_all() { say "SKIP: $*"; exit 77; }

# ---- outer ---------------------------------------------------------------------------------

# The test's cgroup directories in every hierarchy (v1 controllers, named ones, unified).
interop_cgroup_dirs() {
    local root
    for root in /sys/fs/cgroup /sys/fs/cgroup/*/; do
        root=${root%/}
        [[ -d $root/brig-test/interop-$INTEROP_ID ]] && printf '%s\n' "$root/brig-test/interop-$INTEROP_ID"
    done
}

interop_outer_cleanup() {
    local dir i left p
    # Everything ran in the pid namespace and is gone; cgroups may take a moment to empty.
    for ((i = 0; i < 50; i++)); do
        left=0
        while read -r dir; do
            [[ -n $dir ]] || continue
            # Deepest first. A process still listed is one of this test's (it is in its cgroup).
            while read -r p; do
                [[ -n $p ]] || continue
                while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <"$p"
            done < <(find "$dir" -name cgroup.procs 2>/dev/null)
            find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || left=1
        done < <(interop_cgroup_dirs)
        ((left == 0)) && break
        sleep 0.1
    done
    for dir in /sys/fs/cgroup/brig-test /sys/fs/cgroup/*/brig-test; do
        [[ -d $dir ]] && rmdir "$dir" 2>/dev/null
    done
    if [[ -n $(interop_cgroup_dirs) ]]; then
        say "cleanup: could not remove cgroups: $(interop_cgroup_dirs | tr '\n' ' ')" >&2
    fi
    # The work directory's mounts were made in the private mount namespace and went with it.
    if [[ -n ${INTEROP_WORK:-} && -d $INTEROP_WORK ]]; then
        # INTEROP_KEEP_LOGS=DIR keeps every scenario's full log (a trace of each command).
        if [[ -n ${INTEROP_KEEP_LOGS:-} ]]; then
            mkdir -p "$INTEROP_KEEP_LOGS" && cp -r "$INTEROP_WORK/logs/." "$INTEROP_KEEP_LOGS/" 2>/dev/null
        fi
        if grep -qF " $INTEROP_WORK/" /proc/self/mountinfo; then
            say "cleanup: mounts left under $INTEROP_WORK on the host" >&2
            grep -F " $INTEROP_WORK/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
                while read -r m; do umount -l "$m"; done
        fi
        rm -rf --one-file-system -- "$INTEROP_WORK"
    fi
}

# interop_outer BINARIES...: run the inner part in new namespaces; never returns.
interop_outer() {
    local b
    [[ $(id -u) -eq 0 ]] || skip_all "needs root"
    [[ -n $BRIG_OCI && -x $BRIG_OCI ]] || { say "FAIL: brig-oci not found at '${BRIG_OCI}' (set BRIG_OCI)"; exit 1; }
    [[ -n $RUNC && -x $RUNC ]] || skip_all "runc is not installed (scripts/deps.sh)"
    for b in "$@"; do
        command -v "$b" >/dev/null || skip_all "$b is not installed (scripts/deps.sh installs $ENGINE)"
    done
    INTEROP_ID="$ENGINE-$$-$RANDOM"
    INTEROP_WORK=$(mktemp -d "/tmp/brig-interop-$ENGINE.XXXXXX")
    chmod 755 "$INTEROP_WORK"
    trap interop_outer_cleanup EXIT
    trap 'exit 143' TERM INT
    export INTEROP_ID INTEROP_WORK BRIG_OCI RUNC INTEROP_INNER=1
    export INTEROP_CG="/brig-test/interop-$INTEROP_ID"
    local rc=0
    timeout -s KILL "$INTEROP_LIMIT" \
        unshare --kill-child=SIGKILL --mount --net --pid --fork --mount-proc --propagation private \
        -- bash "$0" || rc=$?
    if ((rc == 137)); then say "FAIL: the test ran past its limit of ${INTEROP_LIMIT}s and was killed"; fi
    exit "$rc"
}

# ---- inner ---------------------------------------------------------------------------------

interop_inner_setup() {
    mount -t tmpfs -o mode=0755 "brig-interop-run" /run || exit 1
    mount -t tmpfs -o mode=1777 "brig-interop-shm" /dev/shm || exit 1
    ip link set lo up || exit 1
    WORK=$INTEROP_WORK
    # Writes to /var/lib (an engine default that slips past the flags, e.g. containers/image's
    # blob-info cache in /var/lib/containers) land in the work directory, not on the machine.
    private_overlay /var/lib
    export TMPDIR=$WORK/tmp
    mkdir -p "$TMPDIR"
    CG=$INTEROP_CG
    mkdir -p "$WORK/logs" "$WORK/image"
    RT_BRIG=$BRIG_OCI
    RT_RUNC=$RUNC
    declare -gA VERDICT=() REASON=()
    declare -ga ORDER=()
}

# private_overlay DIR: from now on, writes under DIR go to the work directory (an overlay
# mounted in the test's own mount namespace); the machine's DIR is only read.
private_overlay() {
    local dir=$1 tag
    tag=$(printf '%s' "$dir" | tr / _)
    mkdir -p "$WORK/overlay/$tag/upper" "$WORK/overlay/$tag/work"
    mount -t overlay "brig-interop$tag" \
        -o "lowerdir=$dir,upperdir=$WORK/overlay/$tag/upper,workdir=$WORK/overlay/$tag/work" "$dir" || exit 1
}

# The embedded busybox rootfs plus brig-inspect, as a plain tar ($WORK/image/rootfs.tar).
interop_make_rootfs_tar() {
    local src=${BRIG_ROOTFS:?}
    local tree=$WORK/image/tree
    cp -a "$src" "$tree"
    if [[ -n ${BRIG_INSPECT:-} && -x $BRIG_INSPECT ]]; then
        install -m 0755 "$BRIG_INSPECT" "$tree/usr/bin/brig-inspect"
    fi
    tar --numeric-owner -C "$tree" -cf "$WORK/image/rootfs.tar" .
    rm -rf "$tree"
}

# interop_make_image_tar NAME CMD...: an image made of that rootfs, with CMD as its command,
# as one tar ($WORK/image/image.tar) that is both an OCI image layout (ctr images import)
# and a docker archive (docker load): both indexes point at the same blobs.
interop_make_image_tar() {
    local name=$1 dir=$WORK/image/layout cmd_json="" a
    shift
    for a in "$@"; do cmd_json+="${cmd_json:+,}\"$a\""; done
    rm -rf "$dir"
    mkdir -p "$dir/blobs/sha256"
    local layer_sha layer_size cfg cfg_sha cfg_size man man_sha man_size
    layer_sha=$(sha256sum "$WORK/image/rootfs.tar" | cut -d' ' -f1)
    layer_size=$(stat -c %s "$WORK/image/rootfs.tar")
    cp "$WORK/image/rootfs.tar" "$dir/blobs/sha256/$layer_sha"
    cfg='{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":['"$cmd_json"'],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:'"$layer_sha"'"]}}'
    printf '%s' "$cfg" >"$dir/cfg"
    cfg_sha=$(sha256sum "$dir/cfg" | cut -d' ' -f1)
    cfg_size=$(stat -c %s "$dir/cfg")
    mv "$dir/cfg" "$dir/blobs/sha256/$cfg_sha"
    man='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$cfg_sha"'","size":'"$cfg_size"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:'"$layer_sha"'","size":'"$layer_size"'}]}'
    printf '%s' "$man" >"$dir/man"
    man_sha=$(sha256sum "$dir/man" | cut -d' ' -f1)
    man_size=$(stat -c %s "$dir/man")
    mv "$dir/man" "$dir/blobs/sha256/$man_sha"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
    printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'"$man_sha"'","size":'"$man_size"',"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"'"$name"'","org.opencontainers.image.ref.name":"interop"}}]}' >"$dir/index.json"
    printf '%s' '[{"Config":"blobs/sha256/'"$cfg_sha"'","RepoTags":["'"$name"'"],"Layers":["blobs/sha256/'"$layer_sha"'"]}]' >"$dir/manifest.json"
    tar -C "$dir" -cf "$WORK/image/image.tar" oci-layout index.json manifest.json blobs
    rm -rf "$dir"
}

fail() { say "check failed: $*"; exit 1; }

# expect_eq GOT WANT WHAT
expect_eq() { [[ $1 == "$2" ]] || fail "$3: got '$1', want '$2'"; }
# expect_has TEXT NEEDLE WHAT
expect_has() { [[ $1 == *"$2"* ]] || fail "$3: '$2' not in output: $1"; }
expect_not_has() { [[ $1 != *"$2"* ]] || fail "$3: '$2' unexpectedly in output: $1"; }

# The runtime not under test (to show that a container belongs to the one under test).
other_runtime() { if [[ $RTN == runc ]]; then echo "$RT_BRIG"; else echo "$RT_RUNC"; fi; }

# Why a scenario failed: its failed check, or the end of its log (a trace of each command).
reason_of() {
    if grep -q '^check failed' "$1"; then
        grep '^check failed' "$1" | tail -n 1 | cut -c1-600
    else
        grep -v '^+' "$1" | tail -n 6
        grep '^+' "$1" | tail -n 2
    fi
}

# scenario NAME: run sc_NAME with runc, then with brig-oci (as RT=path, RTN=runc|brig),
# each in a subshell with its own log, and record the verdict.
scenario() {
    local name=$1 rtn rc
    declare -A res=()
    ORDER+=("$name")
    for rtn in runc brig; do
        local log="$WORK/logs/$name.$rtn.log"
        local start=$SECONDS
        (
            exec 9>&2
            BASH_XTRACEFD=9
            set -ex
            RTN=$rtn
            if [[ $rtn == runc ]]; then RT=$RT_RUNC; else RT=$RT_BRIG; fi
            "sc_$name"
        ) >"$log" 2>&1
        rc=$?
        res[$rtn]=$rc
        printf '  %-22s %-5s %s (%ss)\n' "$name" "$rtn" "$( ((rc == 0)) && echo ok || echo "failed ($rc)")" \
            $((SECONDS - start))
    done
    if ((res[runc] == 0 && res[brig] == 0)); then
        VERDICT[$name]=PASS
    elif ((res[runc] == 0)); then
        VERDICT[$name]=FAIL
        REASON[$name]=$(reason_of "$WORK/logs/$name.brig.log")
    elif ((res[brig] == 0)); then
        VERDICT[$name]=XRUNC
        REASON[$name]="runc failed, brig-oci passed: $(reason_of "$WORK/logs/$name.runc.log")"
    else
        VERDICT[$name]=SKIP
        REASON[$name]="fails with runc too (the engine's or the machine's limitation):
runc: $(reason_of "$WORK/logs/$name.runc.log")
brig-oci: $(reason_of "$WORK/logs/$name.brig.log")"
    fi
}

# Print the table and exit with the test's status.
interop_finish() {
    local name failed=0 passed=0
    say ""
    say "== $ENGINE with brig-oci and runc =="
    for name in "${ORDER[@]}"; do
        printf '%-6s %s\n' "${VERDICT[$name]}" "$name"
        if [[ -n ${REASON[$name]:-} ]]; then
            printf '%s\n' "${REASON[$name]}" | sed 's/^/         /'
        fi
        [[ ${VERDICT[$name]} == FAIL ]] && failed=1
        [[ ${VERDICT[$name]} == PASS || ${VERDICT[$name]} == XRUNC ]] && passed=1
    done
    if ((failed)); then
        say "FAILED: a scenario that passes with runc fails with brig-oci (logs above)"
        exit 1
    fi
    ((passed)) || skip_all "no scenario passes with runc either on this machine"
    exit 0
}

# Kill a daemon started by the inner part (by its pid) and wait for it.
stop_daemon() {
    local pid=$1 i
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# wait_for_daemon PID SECONDS CMD...: poll until CMD succeeds; fail at once if PID exits.
wait_for_daemon() {
    local pid=$1 limit=$2 i
    shift 2
    for ((i = 0; i < limit * 10; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 10; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
