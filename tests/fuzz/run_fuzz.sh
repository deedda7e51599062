#!/usr/bin/env bash
# run_fuzz.sh WORKDIR: build the libFuzzer targets with clang-16 (tests/fuzz/standalone,
# incremental in WORKDIR/build) and run each for BRIG_FUZZ_SECONDS (default 20) on a copy
# of its seed corpus (tests/fuzz/corpus/<target>). Exits non-zero on a build failure or
# on anything a target finds (crash, sanitizer report, leak, timeout); the input that did
# it is left in WORKDIR/artifacts/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${1:?usage: run_fuzz.sh WORKDIR}
seconds=${BRIG_FUZZ_SECONDS:-20}
mkdir -p "$work"
work=$(cd "$work" && pwd)

for tool in clang-16 clang++-16; do
    if ! command -v $tool >/dev/null; then
        echo "fuzz: $tool not found (scripts/deps.sh installs clang-16 and libclang-rt-16-dev)" >&2
        exit 1
    fi
done

cmake -S "$here/standalone" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log" >&2; exit 1; }
ninja -C "$work/build" spec_fuzz sync_fuzz

status=0
mkdir -p "$work/artifacts"
for target in spec sync; do
    corpus=$work/corpus-$target
    mkdir -p "$corpus"
    echo "fuzz: ${target}_fuzz for ${seconds}s (seeds: tests/fuzz/corpus/$target)"
    # New inputs go to the work copy; the committed seeds are only read.
    if ! "$work/build/${target}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/artifacts/${target}-" \
        "$corpus" "$here/corpus/$target" >"$work/${target}.log" 2>&1; then
        echo "fuzz: ${target}_fuzz FOUND A PROBLEM; log $work/${target}.log, input in $work/artifacts/:" >&2
        grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$work/${target}.log" >&2 || tail -n 40 "$work/${target}.log" >&2
        status=1
    else
        grep -E "stat::number_of_executed_units|stat::new_units_added" "$work/${target}.log" || true
    fi
done
exit $status
