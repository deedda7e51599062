#!/usr/bin/env bash
# demo.sh: build brig and brig-oci, then run real containers from the embedded busybox image:
# first with the runtime alone (an OCI bundle), then with the engine (`brig run --rm busybox`),
# then builds a small image from a Dockerfile (`brig build`) and runs it.
# Everything it makes (bundle, state, image store, cgroups) is removed on exit, also on failure.
# BRIG_OCI=/path/to/runtime runs the same demo with another runtime (e.g. runc).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)

./scripts/build.sh
[[ -f build/rootfs/bin/busybox ]] || ninja -C build brig-rootfs

runtime=${BRIG_OCI:-$repo/build/bin/brig-oci}
id="brig-demo-$$"
cgroup="/brig-demo/$id"
tmp=$(mktemp -d /tmp/brig-demo.XXXXXX)
chmod 0755 "$tmp"
bundle="$tmp/bundle"
state="$tmp/state"

cleanup() {
    set +e
    if [[ -x $repo/build/bin/brig && -d $tmp/engine ]]; then
        "$repo/build/bin/brig" --root "$tmp/engine" rm -f brig-demo >/dev/null 2>&1
        "$repo/build/bin/brig" --root "$tmp/engine" rmi -f demo-app busybox >/dev/null 2>&1
    fi
    "$runtime" --root "$state" delete --force "$id" >/dev/null 2>&1
    # Only our own cgroup: kill whatever is still in it (the runtime failed), then remove it.
    for dir in /sys/fs/cgroup/*"$cgroup"; do
        [[ -d $dir ]] || continue
        while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <"$dir/cgroup.procs"
        for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$dir" 2>/dev/null && break; sleep 0.1; done
    done
    for dir in /sys/fs/cgroup/*/brig-demo; do
        [[ -d $dir ]] && rmdir "$dir" 2>/dev/null
    done
    if grep -qF " $tmp" /proc/self/mountinfo; then
        echo "demo: mounts are left under $tmp; not removing it" >&2
    else
        rm -rf -- "$tmp"
    fi
}
trap cleanup EXIT

mkdir -p "$bundle"
cp -a build/rootfs "$bundle/rootfs"
(cd "$bundle" && "$runtime" spec)
jq --arg cgroup "$cgroup" '
    .process.terminal = false
  | .process.args = ["sh", "-c", "echo hello from a brig container; uname -a; id; hostname; ps"]
  | .hostname = "brig-demo"
  | .linux.cgroupsPath = $cgroup
' "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"

echo "==> $runtime --root $state run --bundle $bundle $id"
status=0
"$runtime" --root "$state" run --bundle "$bundle" "$id" || status=$?
echo "==> container exited with status $status"
((status == 0)) || exit "$status"

# The engine: the embedded image is loaded into a private store on first use and run on an
# overlay root. --network none: the demo never changes this machine's network.
echo "==> brig run --rm busybox (engine state in $tmp/engine)"
"$repo/build/bin/brig" --root "$tmp/engine" run --rm --name brig-demo --network none \
    --cgroup-parent /brig-demo --hostname brig-engine-demo busybox \
    sh -c 'echo hello from brig run; hostname; cat /etc/os-release | head -1' || status=$?
echo "==> brig run exited with status $status"
((status == 0)) || exit "$status"

# brig build: a small image from a Dockerfile on the embedded busybox, then run it.
mkdir -p "$tmp/app"
echo 'hello from an image brig built' >"$tmp/app/message.txt"
cat >"$tmp/app/Dockerfile" <<'EOF'
FROM busybox
COPY message.txt /app/message.txt
RUN echo "built on $(uname -m)" >> /app/message.txt
WORKDIR /app
CMD ["cat", "message.txt"]
EOF
echo "==> brig build -t demo-app $tmp/app"
"$repo/build/bin/brig" --root "$tmp/engine" build --network none --cgroup-parent /brig-demo -t demo-app "$tmp/app" || status=$?
((status == 0)) || exit "$status"
echo "==> brig run --rm demo-app"
"$repo/build/bin/brig" --root "$tmp/engine" run --rm --network none --cgroup-parent /brig-demo demo-app || status=$?
"$repo/build/bin/brig" --root "$tmp/engine" images
exit "$status"
