#!/usr/bin/env bash
# bench/build.sh: `brig build` against buildah (`buildah bud --layers`, Debian's 1.28) and
# docker 20.10's BuildKit (a private dockerd, `DOCKER_BUILDKIT=1 docker build`), in one
# interleaved run.
#
#   ./bench/build.sh            full run (1 warm-up + 7 rounds, about 10-15 minutes); writes
#                               bench/results/build-latest.json and the build section of
#                               docs/BENCHMARKS.md
#   ./bench/build.sh --quick    about 2-4 minutes: fewer rounds
#
# Options:
#   --quick            fewer rounds
#   --brig DIR         the directory holding brig, brig-monitor, brig-oci, brig-init
#                      (default build/bin; scripts/build.sh runs only if it is missing).
#                      They are copied into the work directory first, so a rebuild of DIR
#                      during the run does not change the binaries under test.
#   --seed N           seed for the random order of the builders in each round
#   --json PATH        where to write the results (default bench/results/build-latest.json)
#   --no-doc           do not rewrite the build section of docs/BENCHMARKS.md
#   --no-docker        buildah only (no private dockerd)
#   --buildah-driver D buildah's storage driver: overlay (default) or vfs
#   --note TEXT        a note printed with the results in docs/BENCHMARKS.md (e.g. that the
#                      machine was busy)
#
# What it measures (median, minimum and maximum wall seconds of interleaved rounds, per
# builder; and brig's median over the faster peer's):
#   cold      a two-stage build (RUNs, COPYs, one COPY --from) with an empty build cache
#   cached    the same build again, every step from the cache
#   one file  the same build after one of its ~50 source files changed: the COPY of the
#             sources and every step after it run again
#   5000      COPY of a context dir of 5,000 files of ~1 KiB in 50 dirs, empty cache
# "Empty cache": every image but the base (busybox) and the whole build cache removed,
# untimed, before the build. The issue's targets (cold <= 0.7x the faster peer, one file
# <= 0.5x, cached <= 0.3x) are printed as met or missed; a miss does not fail the script.
#
# Needs root on Debian bookworm with buildah (installed with apt when missing) and, for the
# docker column, docker.io (dockerd, /usr/bin/docker, containerd, runc: scripts/deps.sh).
#
# Everything runs in new mount, network and pid namespaces (unshare --kill-child):
# loopback only (no internet: the base image comes from brig's busybox-oci.tar), private
# /run and /dev/shm, /var/lib and /etc/docker as overlays whose writes land in the work
# directory. Build containers go under the cgroup parent /brig-bench/build-<pid>/. On exit,
# error or interrupt, every process of the run (dockerd, containerd, buildah, RUN steps)
# dies with its pid namespace; then this script kills what is left in its cgroups, removes
# them, and deletes the scratch directory.
set -euo pipefail
start_dir=$PWD
abspath() { (cd "$start_dir" && realpath -m -- "$1"); }
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
# Debian's python3 (a version manager's shim in PATH can take a second to start).
python=/usr/bin/python3
[[ -x $python ]] || python=$(command -v python3 || echo python3)

# ---- inner part: pid 1 of the new pid namespace ---------------------------------------------
if [[ ${1:-} == --inner ]]; then
    shift
    work=${BUILD_BENCH_WORK:?}
    mount -t tmpfs -o mode=0755 brig-build-bench-run /run
    mount -t tmpfs -o mode=1777 brig-build-bench-shm /dev/shm
    ip link set lo up
    # Defaults that flags do not move (containers/image's blob-info cache in
    # /var/lib/containers; dockerd 20.10's identity in /etc/docker/key.json) land in the
    # work directory.
    for dir in /var/lib /etc/docker; do
        [[ -d $dir ]] || continue
        t=$(printf '%s' "$dir" | tr / _)
        mkdir -p "$work/overlay/$t/upper" "$work/overlay/$t/work"
        mount -t overlay "brig-build-bench$t" \
            -o "lowerdir=$dir,upperdir=$work/overlay/$t/upper,workdir=$work/overlay/$t/work" "$dir"
    done
    export TMPDIR=$work/tmp
    mkdir -p "$TMPDIR"
    # Not exec: bash as pid 1 reaps the orphans (containerd-shim, runc) re-parented to it.
    "$python" "$repo/bench/build_bench.py" "$@"
    exit $?
fi

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$repo/bench/build.sh"; }

command_line=./bench/build.sh
for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./=:,+-]+$ ]]; then command_line+=" $arg"; else command_line+=" ${arg@Q}"; fi
done
bin=
doc=$repo/docs/BENCHMARKS.md
json=$repo/bench/results/build-latest.json
pyargs=()
while (($#)); do
    case $1 in
        --quick|--no-docker) pyargs+=("$1") ;;
        --brig) bin=$(abspath "${2:?--brig needs a directory}"); shift ;;
        --seed|--buildah-driver|--note) pyargs+=("$1" "${2:?$1 needs a value}"); shift ;;
        --json) json=$(abspath "${2:?--json needs a path}"); shift ;;
        --no-doc) doc= ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [[ $(id -u) -ne 0 ]]; then
    echo "build-bench: must run as root (builds, cgroups, namespaces)" >&2
    exit 1
fi

missing=()
command -v buildah >/dev/null || missing+=(buildah)
command -v runc >/dev/null || missing+=(runc)
command -v unshare >/dev/null || missing+=(util-linux)
[[ -x $python ]] || missing+=(python3)
if ((${#missing[@]})); then
    echo "build-bench: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ -z $bin ]]; then
    bin=$repo/build/bin
    if [[ ! -x $bin/brig || ! -x $bin/brig-monitor || ! -f $bin/busybox-oci.tar ]]; then
        ./scripts/build.sh >&2
    fi
fi
for f in brig brig-monitor brig-oci; do
    [[ -x $bin/$f ]] || { echo "build-bench: $bin/$f is not executable" >&2; exit 1; }
done
busybox_tar=$bin/busybox-oci.tar
[[ -f $busybox_tar ]] || busybox_tar=$repo/build/bin/busybox-oci.tar
[[ -f $busybox_tar ]] || { echo "build-bench: no busybox-oci.tar (run ./scripts/build.sh)" >&2; exit 1; }

# The commit checked out, read from .git without running git (which may rewrite the index).
source_rev=unknown
if [[ -f .git/HEAD ]]; then
    head=$(<.git/HEAD)
    if [[ $head == ref:* ]]; then
        ref=${head#ref: }
        if [[ -f .git/$ref ]]; then
            head=$(<".git/$ref")
        else
            head=$(awk -v r="$ref" '$2 == r {print $1}' .git/packed-refs 2>/dev/null || true)
        fi
    fi
    [[ $head =~ ^[0-9a-f]{40}$ ]] && source_rev="${head:0:7} (uncommitted changes not checked)"
fi

tag=$$
cg_name=build-$tag
work=$(mktemp -d /var/tmp/brig-build-bench.XXXXXX)
chmod 755 "$work"
child=

# The run's cgroup directories in every hierarchy (v1 controllers, named ones, unified).
cgroup_dirs() {
    local root
    for root in /sys/fs/cgroup /sys/fs/cgroup/*/; do
        root=${root%/}
        [[ -d $root/brig-bench/$cg_name ]] && printf '%s\n' "$root/brig-bench/$cg_name"
    done
    return 0
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
        kill -KILL "$child" 2>/dev/null || true   # --kill-child: the whole pid namespace goes
        wait "$child" 2>/dev/null || true
    fi
    local i dir p pid left
    for ((i = 0; i < 50; i++)); do
        left=0
        while read -r dir; do
            [[ -n $dir ]] || continue
            while read -r p; do
                while read -r pid; do [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null; done <"$p"
            done < <(find "$dir" -name cgroup.procs 2>/dev/null)
            find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || left=1
        done < <(cgroup_dirs)
        ((left == 0)) && break
        sleep 0.1
    done
    for dir in /sys/fs/cgroup/brig-bench /sys/fs/cgroup/*/brig-bench; do
        [[ -d $dir ]] && { rmdir "$dir" 2>/dev/null || true; }   # only if no other run uses it
    done
    if [[ -n $(cgroup_dirs) ]]; then
        echo "build-bench: could not remove cgroups: $(cgroup_dirs | tr '\n' ' ')" >&2
    fi
    if grep -qF " $work/" /proc/self/mountinfo; then
        echo "build-bench: mounts left under $work on the host; unmounting" >&2
        grep -F " $work/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
            while read -r m; do umount -l "$m" || true; done
    fi
    rm -rf --one-file-system -- "$work"
    exit "$rc"
}
forward() { [[ -n $child ]] && kill -TERM "$child" 2>/dev/null || true; }
trap cleanup EXIT
trap forward INT TERM HUP

# A snapshot of the binaries: the directory may be rebuilt while the bench runs.
mkdir -p "$work/bin"
for f in brig brig-monitor brig-oci brig-init; do
    if [[ -e $bin/$f ]]; then cp "$bin/$f" "$work/bin/$f"; fi
done
cp "$busybox_tar" "$work/bin/busybox-oci.tar"

args=(--bin "$work/bin" --bin-origin "$bin" --busybox "$work/bin/busybox-oci.tar" --workdir "$work"
      --cgroup "/brig-bench/$cg_name" --json "$json" --command "$command_line" --source "$source_rev"
      "${pyargs[@]}")
[[ -n $doc ]] && args+=(--doc "$doc")

# A hard limit well above a full run: the cleanup above always gets its turn.
BUILD_BENCH_WORK=$work timeout -s KILL 3000 \
    unshare --kill-child=SIGKILL --mount --net --pid --fork --mount-proc --propagation private \
    -- bash "$repo/bench/build.sh" --inner "${args[@]}" &
child=$!
rc=0
while :; do
    wait "$child" && rc=0 || rc=$?
    kill -0 "$child" 2>/dev/null || break   # still running: wait was cut short by a signal
done
child=
exit "$rc"
