#!/usr/bin/env bash
# bench/run.sh: brig-oci against runc and crun, side by side (issue 9).
#
#   ./bench/run.sh            full run, a few minutes; writes bench/results/latest.json
#                             and the results block of docs/BENCHMARKS.md
#   ./bench/run.sh --quick    about a minute: fewer rounds, smaller batches
#
# Options:
#   --quick            fewer rounds and smaller batches
#   --no-build         do not run scripts/build.sh (it still runs if build/bin/brig-oci
#                      or build/rootfs is missing)
#   --brig PATH        time this brig-oci binary instead of build/bin/brig-oci (no build)
#   --runtimes LIST    comma-separated subset of brig-oci,runc,crun (default: all three)
#   --seed N           seed for the random order of the runtimes in each round
#   --json PATH        where to write the results (default bench/results/latest.json)
#   --no-doc           do not rewrite docs/BENCHMARKS.md
#   --disk-state       keep bundles and state roots on the file system under /run as it
#                      is, instead of a private tmpfs (on this VM /run is not a tmpfs)
#
# Needs root on Debian bookworm. Installs runc, crun, strace and GNU time (apt) when
# missing.
#
# What it does: builds brig-oci (scripts/build.sh, incremental), then runs
# bench/bench.py inside a private mount namespace in which /sys/fs/cgroup/unified
# is unmounted, so all three runtimes see the same v1 layout (crun 1.8.1 refuses
# the hybrid one). Containers get linux.cgroupsPath /brig-bench/<runtime>-<tag>-<n>
# and state roots under /run/brig-bench.<tag>/ (a tmpfs mounted only in that
# namespace, as /run is on a normal host); on exit, error or interrupt
# everything is removed: containers (by bench.py), then any cgroup of this run left
# in any hierarchy, the /brig-bench parents if empty, and the scratch directory.
set -euo pipefail
start_dir=$PWD
abspath() { (cd "$start_dir" && realpath -m -- "$1"); }
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$repo/bench/run.sh"; }

command_line="./bench/run.sh${*:+ $*}"
build=1
brig=
doc=docs/BENCHMARKS.md
json=$repo/bench/results/latest.json
pyargs=()
tmpfs=1
while (($#)); do
    case $1 in
        --quick) pyargs+=(--quick) ;;
        --no-build) build=0 ;;
        --brig) brig=$(abspath "${2:?--brig needs a path}"); build=0; shift ;;
        --runtimes|--seed) pyargs+=("$1" "${2:?$1 needs a value}"); shift ;;
        --json) json=$(abspath "${2:?--json needs a path}"); shift ;;
        --no-doc) doc= ;;
        --disk-state) tmpfs=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [[ $(id -u) -ne 0 ]]; then
    echo "bench: must run as root (containers, cgroups, mount namespaces)" >&2
    exit 1
fi

# Tools: the runtimes to compare against and strace come from Debian.
missing=()
command -v runc >/dev/null || missing+=(runc)
command -v crun >/dev/null || missing+=(crun)
command -v strace >/dev/null || missing+=(strace)
[[ -x /usr/bin/time ]] || missing+=(time)             # GNU time: peak RSS
command -v unshare >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
    echo "bench: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

built=0
if [[ -z $brig ]]; then
    brig=$repo/build/bin/brig-oci
    if ((build)) || [[ ! -x $brig || ! -d build/rootfs ]]; then
        ./scripts/build.sh >&2
        built=1
    fi
fi
rootfs=$repo/build/rootfs
if [[ ! -x $rootfs/bin/true ]]; then
    ./scripts/build.sh >&2   # makes build/rootfs (target brig-rootfs)
fi
[[ -x $brig ]] || { echo "bench: $brig is not executable" >&2; exit 1; }

source_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $source_rev != unknown ]] && ! git diff --quiet HEAD 2>/dev/null; then
    source_rev+="+uncommitted changes"
fi
if ((!built)); then
    source_rev="not rebuilt by this run; the tree was at $source_rev"
fi

tag=$$
work=/run/brig-bench.$tag
child=

# Runs in this (the host's) mount namespace after bench.py has ended, whatever
# the reason. bench.py removes its containers itself; this removes what may
# remain if it was killed: processes in this run's own cgroups, the cgroups,
# the empty /brig-bench parents, and the scratch directory.
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    local m d pid left=0
    while IFS= read -r m; do
        [[ -d $m/brig-bench ]] || continue
        for d in "$m"/brig-bench/*-"$tag"-*; do
            [[ -d $d ]] || continue
            left=1
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                while read -r pid; do
                    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null || true
                done <"$d/cgroup.procs" 2>/dev/null || true
                rmdir "$d" 2>/dev/null && break
                sleep 0.1
            done
            [[ -d $d ]] && echo "bench: could not remove cgroup $d" >&2
        done
        rmdir "$m/brig-bench" 2>/dev/null || true   # only if no other run uses it
    done < <(findmnt -rn -t cgroup,cgroup2 -o TARGET)
    ((left)) && echo "bench: removed cgroups left by an interrupted run" >&2
    local w
    for w in "$work" "$work.disk"; do
        [[ -d $w ]] || continue
        if findmnt -rn -o TARGET | grep -q "^$w\(/\|$\)"; then
            echo "bench: something is mounted under $w; not removing it" >&2
        else
            rm -rf --one-file-system -- "$w"
        fi
    done
    exit "$rc"
}
forward() { [[ -n $child ]] && kill -TERM "$child" 2>/dev/null || true; }
trap cleanup EXIT
trap forward INT TERM HUP

mkdir -m 0700 -p "$work" "$work.disk"
args=(--brig "$brig" --rootfs "$rootfs" --workdir "$work" --disk-root "$work.disk" --tag "$tag"
      --json "$json" --command "$command_line" --source "$source_rev" "${pyargs[@]}")
[[ -n $doc ]] && args+=(--doc "$repo/$doc")

# A private mount namespace without the cgroup2 hierarchy of the hybrid layout,
# for all three runtimes alike. The scratch directory (bundles, the rootfs copy,
# the state roots) is a tmpfs mounted only in that namespace, as /run is on a
# normal host; on this VM /run is on the root disk.
unshare --mount --propagation private -- bash -c '
    set -e
    work=$1 tmpfs=$2; shift 2
    if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
    if ((tmpfs)); then mount -t tmpfs -o mode=0700,size=512m brig-bench "$work"; fi
    exec python3 "$@"' bench-ns "$work" "$tmpfs" "$repo/bench/bench.py" "${args[@]}" &
child=$!
rc=0
while :; do
    wait "$child" && rc=0 || rc=$?
    kill -0 "$child" 2>/dev/null || break   # still running: wait was cut short by a signal
done
child=
exit "$rc"
