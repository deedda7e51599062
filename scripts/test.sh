#!/usr/bin/env bash
# test.sh: build, then run every test under ctest:
#   1. unit tests of a sanitizer build (ASan + UBSan) in build-asan/
#   2. everything in the release build in build/ (unit and integration tests)
# The release run goes last so ctest's closing summary line ends the output.
# Exits non-zero if anything fails. BRIG_OCI=/path/to/runtime runs the integration
# tests against another runtime (e.g. runc).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Two tests at a time by default (the machine has 2 cores). Each test isolates what it creates
# (its own network namespace, root, cgroup parent and daemon sockets), so they may overlap; one
# that wants the whole machine is RUN_SERIAL (the VM). BRIG_TEST_JOBS=1 runs one at a time.
jobs=${BRIG_TEST_JOBS:-2}

./scripts/build.sh

status=0

echo "==> sanitizer build (build-asan): unit tests"
cmake -G Ninja -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBRIG_SANITIZE=ON
ninja -C build-asan brig_all_unit_tests
if ! ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
     UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
     ctest --test-dir build-asan -j"$jobs" --output-on-failure; then
    status=1
    echo "==> sanitizer unit tests FAILED" >&2
fi

echo "==> release build (build): all tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! ctest --test-dir build -j"$jobs" --output-on-failure 2>&1 | tee "$log"; then
    status=1
fi

if ((status != 0)); then
    echo "test.sh: FAILED (see above)" >&2
fi
# ctest's summary ("100% tests passed, 0 tests failed out of N") closes the output.
grep -E '^[0-9]+% tests passed' "$log" | tail -n 1 || true
exit "$status"
