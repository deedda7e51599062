#!/usr/bin/env bash
# build_diff.sh: differential test of `brig build` against the real builders on this machine:
# buildah (Debian's 1.28, needed) and, when it starts, docker 20.10's BuildKit (a private
# dockerd; optional). Every case of build_cases/ (a Dockerfile and its context) is built by
# brig and by each peer from the same busybox image; then build_compare.py flattens the
# images' layers and compares the config fields and the file trees (path, type, mode, owner,
# size, content hash, link target, hard links, and mtime where docker keeps it). A
# difference kept on purpose, a peer's quirk or a known brig bug is listed in the case's
# `known` file with its reason. See the header of build_compare.py for what is compared.
#
# A case directory holds:
#   Dockerfile           what brig builds; also the peers, unless there is
#   Dockerfile.peer      the same build without what the peers' versions lack (heredocs), or
#   Dockerfile.NAME      the same for one peer (buildah, docker);
#   flags                extra build flags, one argument a line (--build-arg=K=V, --target=T);
#                        @META@ is the case's own directory (for --secret=id=..,src=@META@/..);
#   prepare.sh           run in the context before the build: modes, owners, hard links, tars
#                        (T_CTX and T_TAR in its environment: the times to give files;
#                        PYTHON: the python3 to use);
#   known                known differences (see build_compare.py);
#   *.secret             files for --secret (kept out of the context);
#   everything else      the build context. Its files get the owner 1234:5678 (which COPY
#                        must not keep) and the mtime T_CTX (which docker keeps).
#
# Verdicts, per case and peer: PASS (no difference), KNOWN (only known ones, shown with their
# reasons), FAIL (an unknown difference: the test fails), SKIP (the peer cannot build the case;
# shown with its error). The peer "self" is brig against itself: `-o type=tar` against the
# stored image, `image inspect` against the saved config.
#
#   BRIG=build/bin/brig BRIG_IMAGE=build/bin/busybox-oci.tar bash tests/interop/build_diff.sh
#   BUILD_DIFF_CASES="copy add_tar" ...   # only these cases
#   BUILD_DIFF_DOCKER=0 ...               # buildah only
#   BUILD_DIFF_JOBS=1 ...                 # one case at a time (default 3)
#   INTEROP_KEEP_LOGS=/tmp/logs ...       # keep the logs and the flattened trees of each case
ENGINE=build
INTEROP_LIMIT=${INTEROP_LIMIT:-300}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BRIG=${BRIG:-}
BRIG_IMAGE=${BRIG_IMAGE:-}
DOCKER_CLI=${DOCKER_CLI:-/usr/bin/docker}
# Debian's python3 (a version manager's shim in PATH can take seconds to start).
PYTHON=${PYTHON:-$(if [[ -x /usr/bin/python3 ]]; then echo /usr/bin/python3; else command -v python3; fi)}
BUILD_DIFF_DOCKER=${BUILD_DIFF_DOCKER:-1}
BUILD_DIFF_JOBS=${BUILD_DIFF_JOBS:-3}
T_CTX=1600000000   # the mtime of every context file (2020-09-13)
T_TAR=1500000000   # the mtime of the members of the tars that prepare.sh makes (2017-07-14)

if [[ -z ${INTEROP_INNER:-} ]]; then
    [[ -n $BRIG && -x $BRIG ]] || { say "FAIL: brig not found at '$BRIG' (set BRIG)"; exit 1; }
    [[ -n $BRIG_IMAGE && -f $BRIG_IMAGE ]] || { say "FAIL: the base image tar not found at '$BRIG_IMAGE' (set BRIG_IMAGE)"; exit 1; }
    command -v buildah >/dev/null || skip_all "buildah is not installed (apt-get install buildah)"
    BRIG=$(realpath "$BRIG") BRIG_IMAGE=$(realpath "$BRIG_IMAGE")
    BRIG_OCI=${BRIG_OCI:-$(dirname "$BRIG")/brig-oci}
    [[ -n $PYTHON ]] || skip_all "python3 is not installed"
    export BRIG BRIG_IMAGE BRIG_OCI DOCKER_CLI BUILD_DIFF_DOCKER BUILD_DIFF_CASES BUILD_DIFF_JOBS PYTHON
    interop_outer buildah
fi

interop_inner_setup
START=$SECONDS
say "interop.build: brig $BRIG, base image $BRIG_IMAGE"

# ---- brig -----------------------------------------------------------------------------------

BR=$WORK/brig
b() { timeout 120 "$BRIG" --root "$BR" --runtime "$BRIG_OCI" "$@"; }
b load -i "$BRIG_IMAGE" >"$WORK/logs/brig-load.log" 2>&1 || { cat "$WORK/logs/brig-load.log"; fail "brig load"; }

# ---- buildah: private storage and config; RUN through runc (--isolation oci) ----------------

BH=$WORK/buildah
mkdir -p "$BH/tmp"
# The machine's hard limits are below the defaults and the test lacks CAP_SYS_RESOURCE.
cat >"$BH/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$BH/events.log"
tmp_dir = "$BH/tmp"
image_copy_tmp_dir = "$BH/tmp"
EOF
cat >"$BH/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$BH/storage"
runroot = "$BH/runroot"
EOF
printf 'unqualified-search-registries = []\n' >"$BH/registries.conf"
export CONTAINERS_CONF=$BH/containers.conf CONTAINERS_STORAGE_CONF=$BH/storage.conf
export CONTAINERS_REGISTRIES_CONF=$BH/registries.conf
# The docker format keeps HEALTHCHECK, SHELL, ONBUILD and STOPSIGNAL (the OCI one drops some).
export BUILDAH_FORMAT=docker BUILDAH_ISOLATION=oci
bh() { timeout 120 buildah --root "$BH/storage" --runroot "$BH/runroot" --storage-driver vfs "$@"; }
PEERS=()
if bh pull -q oci-archive:"$BRIG_IMAGE" >"$WORK/logs/buildah-pull.log" 2>&1 &&
    bh tag "$(tail -n 1 "$WORK/logs/buildah-pull.log")" docker.io/library/busybox:latest >"$WORK/logs/buildah-tag.log" 2>&1; then
    PEERS+=(buildah)
else
    cat "$WORK/logs/buildah-pull.log" "$WORK/logs/buildah-tag.log" 2>/dev/null
    skip_all "buildah cannot load the base image here"
fi

# ---- docker: a private dockerd with its BuildKit (optional) --------------------------------

DD=$WORK/docker
DD_PID=
start_docker() {
    [[ $BUILD_DIFF_DOCKER == 1 ]] || { say "docker: not used (BUILD_DIFF_DOCKER=$BUILD_DIFF_DOCKER)"; return 1; }
    if ! command -v dockerd >/dev/null || [[ ! -x $DOCKER_CLI ]]; then
        say "docker: not installed, buildah only"
        return 1
    fi
    mkdir -p "$DD/data" "$DD/exec" "$DD/cli"
    printf '{}\n' >"$DD/cli/config.json"  # buildah push reads $DOCKER_CONFIG/config.json too
    printf '{"features": {"buildkit": true}}\n' >"$DD/daemon.json"
    # dockerd 20.10 writes its identity to /etc/docker/key.json whatever the flags say.
    [[ -d /etc/docker ]] && private_overlay /etc/docker
    export DOCKER_HOST=unix://$DD/docker.sock DOCKER_CONFIG=$DD/cli DOCKER_BUILDKIT=1
    dockerd --config-file "$DD/daemon.json" --data-root "$DD/data" --exec-root "$DD/exec" \
        --pidfile "$DD/docker.pid" -H "$DOCKER_HOST" \
        --iptables=false --ip-forward=false --ip-masq=false --bridge=none --userland-proxy=false \
        --cgroup-parent "$CG/docker" --exec-opt native.cgroupdriver=cgroupfs >"$DD/dockerd.log" 2>&1 &
    DD_PID=$!
    if ! wait_for_daemon "$DD_PID" 30 "$DOCKER_CLI" version; then
        tail -n 5 "$DD/dockerd.log" | sed 's/^/    /'
        say "docker: dockerd did not start, buildah only"
        return 1
    fi
    # The same base image, as a docker archive written by brig.
    if ! { b save -o "$WORK/busybox-docker.tar" busybox:latest && timeout 60 "$DOCKER_CLI" load -q -i "$WORK/busybox-docker.tar"; } \
        >"$WORK/logs/docker-load.log" 2>&1; then
        sed 's/^/    /' "$WORK/logs/docker-load.log"
        say "docker: cannot load the base image, buildah only"
        return 1
    fi
    return 0
}
trap 'stop_daemon "$DD_PID"' EXIT
if start_docker; then PEERS+=(docker); fi
say "peers: ${PEERS[*]}"

# ---- one case -------------------------------------------------------------------------------

# The flags file: one argument a line, @META@ replaced.
case_flags() {
    FLAGS=()
    local line
    [[ -f $1/flags ]] || return 0
    while IFS= read -r line || [[ -n $line ]]; do
        [[ -z $line || $line == \#* ]] && continue
        FLAGS+=("${line//@META@/$1}")
    done <"$1/flags"
}

# dockerfile_for META PEER: the Dockerfile that PEER builds.
dockerfile_for() {
    local f
    for f in "$1/Dockerfile.$2" "$1/Dockerfile.peer" "$1/Dockerfile"; do
        [[ -f $f ]] && { echo "$f"; return; }
    done
}

# The last lines of a failed build's log, on one line.
log_tail() { grep -v -e '^+' -e 'level=warning' "$1" | tail -n 3 | tr '\n' ' ' | cut -c1-400; }

# build_brig NAME DIR META CTX LOG: the stored image (saved as a docker archive), its
# inspect, and the tree of -o type=tar; DIR/brig.ok when all went well.
build_brig() {
    local name=$1 dir=$2 meta=$3 ctx=$4 log=$5 df start=$SECONDS
    df=$(dockerfile_for "$meta" brig)
    b build --cgroup-parent "$CG/brig" --network none -q -t "bd-$name:brig" -f "$df" "${FLAGS[@]}" "$ctx" \
        >"$log/brig.log" 2>&1 &&
        b image inspect "bd-$name:brig" >"$log/brig-inspect.json" 2>>"$log/brig.log" &&
        b save -o "$dir/brig.tar" "bd-$name:brig" >>"$log/brig.log" 2>&1 &&
        b build --cgroup-parent "$CG/brig" --network none -q -o "type=tar,dest=$dir/brig-out.tar" -f "$df" "${FLAGS[@]}" "$ctx" \
            >>"$log/brig.log" 2>&1 &&
        touch "$dir/brig.ok"
    echo $((SECONDS - start)) >"$dir/brig.time"
}

# build_peer PEER NAME DIR META CTX LOG: the peer's image as a docker archive (DIR/PEER.tar).
build_peer() {
    local peer=$1 name=$2 dir=$3 meta=$4 ctx=$5 log=$6 df start=$SECONDS
    df=$(dockerfile_for "$meta" "$peer")
    case $peer in
    buildah)
        bh build --network none --cgroup-parent "$CG/buildah" -t "bd-$name-buildah" -f "$df" "${FLAGS[@]}" "$ctx" \
            >"$log/buildah.log" 2>&1 &&
            bh push "bd-$name-buildah" "docker-archive:$dir/buildah.tar" >>"$log/buildah.log" 2>&1 &&
            touch "$dir/buildah.ok"
        bh rmi -f "bd-$name-buildah" >/dev/null 2>&1
        ;;
    docker)
        timeout 120 "$DOCKER_CLI" build --network none --progress plain -t "bd-$name-docker" -f "$df" "${FLAGS[@]}" "$ctx" \
            >"$log/docker.log" 2>&1 &&
            timeout 60 "$DOCKER_CLI" save -o "$dir/docker.tar" "bd-$name-docker" >>"$log/docker.log" 2>&1 &&
            touch "$dir/docker.ok"
        ;;
    esac
    echo $((SECONDS - start)) >"$dir/$peer.time"
}

# run_case NAME: prepare the context, build it with brig and every peer at once, compare.
run_case() {
    local name=$1 dir=$WORK/cases/$1 peer rc f t times
    local meta=$dir/meta ctx=$dir/ctx log=$WORK/logs/$1
    mkdir -p "$dir" "$log"
    cp -a "$HERE/build_cases/$name" "$ctx"
    mkdir -p "$meta"
    for f in "$ctx"/Dockerfile* "$ctx"/*.secret "$ctx/flags" "$ctx/known" "$ctx/prepare.sh"; do
        [[ -e $f ]] && mv "$f" "$meta/"
    done
    chmod -R u=rwX,go=rX "$ctx"
    chown -R 1234:5678 "$ctx"
    if [[ -f $meta/prepare.sh ]]; then
        (cd "$ctx" && T_CTX=$T_CTX T_TAR=$T_TAR bash -e "$meta/prepare.sh") >"$log/prepare.log" 2>&1 ||
            { say "ERROR  $name: prepare.sh failed: $(log_tail "$log/prepare.log")"; return 1; }
    fi
    find "$ctx" -exec touch -h -d "@$T_CTX" {} +
    case_flags "$meta"

    local pids=()
    build_brig "$name" "$dir" "$meta" "$ctx" "$log" &
    pids+=($!)
    for peer in "${PEERS[@]}"; do
        build_peer "$peer" "$name" "$dir" "$meta" "$ctx" "$log" &
        pids+=($!)
    done
    wait "${pids[@]}"

    local cmp=(--case "$name" --known "$meta/known" --mtimes "0,$T_CTX,$T_TAR" --dump "$log")
    if [[ -f $dir/brig.ok ]]; then
        cmp+=(--brig "$dir/brig.tar" --brig-out "$dir/brig-out.tar" --brig-inspect "$log/brig-inspect.json")
    else
        cmp+=(--brig-failed "$(log_tail "$log/brig.log")")
    fi
    times="brig $(cat "$dir/brig.time")s"
    for peer in "${PEERS[@]}"; do
        if [[ -f $dir/$peer.ok ]]; then
            cmp+=(--peer "$peer=$dir/$peer.tar")
        else
            cmp+=(--peer-failed "$peer=$(log_tail "$log/$peer.log")")
        fi
        times+=", $peer $(cat "$dir/$peer.time")s"
    done
    t=$SECONDS
    "$PYTHON" "$HERE/build_compare.py" "${cmp[@]}" >"$log/verdict" 2>&1
    rc=$?
    cat "$log/verdict"
    ((rc <= 1)) || say "ERROR  $name: build_compare.py failed ($rc)"
    say "         (brig and peers at once: $times; compare $((SECONDS - t))s)"
    # The context and the archives are not needed any more.
    rm -rf "$dir"
    return "$rc"
}

# ---- run ------------------------------------------------------------------------------------

CASES=()
for d in "$HERE"/build_cases/*/; do
    d=${d%/}
    d=${d##*/}
    if [[ -n ${BUILD_DIFF_CASES:-} && " $BUILD_DIFF_CASES " != *" $d "* ]]; then continue; fi
    CASES+=("$d")
done
((${#CASES[@]})) || fail "no case in $HERE/build_cases matches '${BUILD_DIFF_CASES:-}'"

say ""
say "== brig build against ${PEERS[*]} =="
# BUILD_DIFF_JOBS cases at once: buildah spends most of a build starting itself again for each
# step (a second or more each), which leaves the machine's cores idle.
running=0
# The longest first (buildah's time grows with the number of instructions), so that no long
# case is left to run alone at the end.
mapfile -t START_ORDER < <(for c in "${CASES[@]}"; do
    printf '%s %s\n' "$(grep -c '^[A-Z]' "$HERE/build_cases/$c/Dockerfile")" "$c"
done | sort -k1,1nr -k2 | cut -d' ' -f2)
for c in "${START_ORDER[@]}"; do
    if ((running >= BUILD_DIFF_JOBS)); then
        wait -n
        running=$((running - 1))
    fi
    mkdir -p "$WORK/logs/$c"
    run_case "$c" >"$WORK/logs/$c/out" 2>&1 &
    running=$((running + 1))
done
while ((running > 0)); do
    wait -n
    running=$((running - 1))
done
for c in "${CASES[@]}"; do
    cat "$WORK/logs/$c/out"
done | tee "$WORK/logs/summary"

say ""
pass=$(grep -c '^PASS ' "$WORK/logs/summary")
known=$(grep -c '^KNOWN ' "$WORK/logs/summary")
failed=$(grep -c '^\(FAIL\|ERROR\) ' "$WORK/logs/summary")
skipped=$(grep -c '^SKIP ' "$WORK/logs/summary")
stale=$(grep -c '^STALE ' "$WORK/logs/summary")
say "${#CASES[@]} cases, peers ${PEERS[*]}, $((SECONDS - START))s: $pass same, $known with known differences only, $failed different, $skipped not built (SKIP), $stale stale known entries"
say "interop.build: $((pass + known)) passed, $failed failed, $skipped skipped"
((pass + known + failed > 0)) || skip_all "no case was built by a peer (SKIP lines above)"
((failed == 0)) || { say "FAILED: brig's image differs from a peer's (DIFF lines above)"; exit 1; }
exit 0
