#!/usr/bin/env bash
# bench/engine.sh: the brig engine against podman (crun) and skopeo, in one run
# (issues 8, 11 and 12).
#
#   ./bench/engine.sh            full run (under ~10 minutes); writes
#                                bench/results/engine-latest.json and the engine
#                                section of docs/BENCHMARKS.md
#   ./bench/engine.sh --quick    about 1-2 minutes: fewer rounds
#
# Options:
#   --quick            fewer rounds
#   --brig DIR         the directory holding brig, brig-monitor, brig-oci ...
#                      (default build/bin; scripts/build.sh runs only if it is missing)
#   --seed N           seed for the random order of the engines in each round
#   --json PATH        where to write the results (default bench/results/engine-latest.json)
#   --no-doc           do not rewrite the engine section of docs/BENCHMARKS.md
#   --phases LIST      comma-separated subset of run,neighbour,detached,pull (default: all)
#
# What it measures (medians, minimums and maximums of interleaved rounds):
#   pull     a cold pull (empty store every round) of a 7-layer gzip image (~70 MB
#            unpacked, files copied from /usr/lib and /usr/share) from a local
#            docker-registry: brig pull, podman pull, and skopeo copy to an OCI
#            layout (download + verify, no unpack: the lower bound)
#   run      run --rm busybox true, with --network none and with the default bridge,
#            for brig, podman+CNI and podman+netavark (all podman runs use crun);
#            network setup per container = median(bridge) - median(none)
#   detached run -d, stop, rm of a container that exits on SIGTERM, each step and
#            the total; the RSS of brig-monitor and of conmon for that container
#
# Needs root on Debian bookworm. Installs podman, skopeo, crun, conmon,
# docker-registry, containernetworking-plugins, netavark and aardvark-dns (apt)
# when missing.
#
# Everything runs in new mount, network and pid namespaces (unshare --kill-child):
# loopback only, the registry on 127.0.0.1 there, every bridge and firewall rule in
# that network namespace, private /run, /dev/shm and /var/lib (an overlay), and
# /sys/fs/cgroup/unified unmounted (crun 1.8.1 refuses the hybrid layout). Containers
# go under the cgroup parent /brig-bench/engine-<pid>/. On exit, error or interrupt,
# every process of the run dies with its pid namespace; then this script kills what
# is left in its cgroups, removes them, and deletes the scratch directory.
set -euo pipefail
start_dir=$PWD
abspath() { (cd "$start_dir" && realpath -m -- "$1"); }
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)

# ---- inner part: pid 1 of the new pid namespace ---------------------------------------------
if [[ ${1:-} == --inner ]]; then
    shift
    work=${ENGINE_BENCH_WORK:?}
    mount -t tmpfs -o mode=0755 brig-engine-bench-run /run
    mount -t tmpfs -o mode=1777 brig-engine-bench-shm /dev/shm
    if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
    ip link set lo up
    # Engine defaults that flags do not move (podman's and skopeo's blob-info cache in
    # /var/lib/containers, CNI's IPAM leases in /var/lib/cni) land in the work directory.
    mkdir -p "$work/varlib/upper" "$work/varlib/work"
    mount -t overlay brig-engine-bench-varlib \
        -o "lowerdir=/var/lib,upperdir=$work/varlib/upper,workdir=$work/varlib/work" /var/lib
    export TMPDIR=$work/tmp
    mkdir -p "$TMPDIR"
    # Not exec: bash as pid 1 reaps the orphans (monitors, conmon) re-parented to it.
    python3 "$repo/bench/engine_bench.py" "$@"
    exit $?
fi

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$repo/bench/engine.sh"; }

command_line="./bench/engine.sh${*:+ $*}"
bin=
doc=$repo/docs/BENCHMARKS.md
json=$repo/bench/results/engine-latest.json
pyargs=()
while (($#)); do
    case $1 in
        --quick) pyargs+=(--quick) ;;
        --brig) bin=$(abspath "${2:?--brig needs a directory}"); shift ;;
        --seed|--phases) pyargs+=("$1" "${2:?$1 needs a value}"); shift ;;
        --json) json=$(abspath "${2:?--json needs a path}"); shift ;;
        --no-doc) doc= ;;
        -h|--help) usage; exit 0 ;;
        *) echo "engine-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [[ $(id -u) -ne 0 ]]; then
    echo "engine-bench: must run as root (containers, cgroups, namespaces)" >&2
    exit 1
fi

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v skopeo >/dev/null || missing+=(skopeo)
command -v crun >/dev/null || missing+=(crun)
command -v conmon >/dev/null || missing+=(conmon)
[[ -x /usr/bin/docker-registry ]] || missing+=(docker-registry)
[[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
[[ -x /usr/lib/podman/netavark ]] || missing+=(netavark)
[[ -x /usr/lib/podman/aardvark-dns ]] || missing+=(aardvark-dns)
command -v iptables >/dev/null || missing+=(iptables)
command -v unshare >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
    echo "engine-bench: installing ${missing[*]}" >&2
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
    [[ -x $bin/$f ]] || { echo "engine-bench: $bin/$f is not executable" >&2; exit 1; }
done
busybox_tar=$bin/busybox-oci.tar
[[ -f $busybox_tar ]] || busybox_tar=$repo/build/bin/busybox-oci.tar
[[ -f $busybox_tar ]] || { echo "engine-bench: no busybox-oci.tar (run ./scripts/build.sh)" >&2; exit 1; }

source_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $source_rev != unknown ]] && ! git diff --quiet HEAD 2>/dev/null; then
    source_rev+="+uncommitted changes"
fi

tag=$$
cg_name=engine-$tag
work=$(mktemp -d /var/tmp/brig-engine-bench.XXXXXX)
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
        echo "engine-bench: could not remove cgroups: $(cgroup_dirs | tr '\n' ' ')" >&2
    fi
    if grep -qF " $work/" /proc/self/mountinfo; then
        echo "engine-bench: mounts left under $work on the host; unmounting" >&2
        grep -F " $work/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
            while read -r m; do umount -l "$m" || true; done
    fi
    rm -rf --one-file-system -- "$work"
    exit "$rc"
}
forward() { [[ -n $child ]] && kill -TERM "$child" 2>/dev/null || true; }
trap cleanup EXIT
trap forward INT TERM HUP

args=(--bin "$bin" --busybox "$busybox_tar" --workdir "$work" --cgroup "/brig-bench/$cg_name"
      --json "$json" --command "$command_line" --source "$source_rev" "${pyargs[@]}")
[[ -n $doc ]] && args+=(--doc "$doc")

# A hard limit well above a full run: the cleanup above always gets its turn.
ENGINE_BENCH_WORK=$work timeout -s KILL 1500 \
    unshare --kill-child=SIGKILL --mount --net --pid --fork --mount-proc --propagation private \
    -- bash "$repo/bench/engine.sh" --inner "${args[@]}" &
child=$!
rc=0
while :; do
    wait "$child" && rc=0 || rc=$?
    kill -0 "$child" 2>/dev/null || break   # still running: wait was cut short by a signal
done
child=
exit "$rc"
