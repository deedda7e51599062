#!/usr/bin/env bash
# mkrootfs.sh OUTDIR: build the embedded default image, a minimal busybox root
# filesystem, from Debian's static busybox (package busybox-static).
#
# The tree is assembled next to OUTDIR and renamed into place at the end, so an
# interrupted run never leaves a half-made rootfs behind. Override the busybox
# binary with BUSYBOX=/path/to/static/busybox.
set -euo pipefail

if [[ $# -ne 1 || -z $1 ]]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi

busybox=${BUSYBOX:-/bin/busybox}
if [[ ! -x $busybox ]]; then
    echo "mkrootfs: $busybox not found: install busybox-static (scripts/deps.sh)" >&2
    exit 1
fi
# A dynamically linked busybox would need the host's libc inside the image.
if ldd "$busybox" >/dev/null 2>&1; then
    echo "mkrootfs: $busybox is dynamically linked; a static busybox is needed (busybox-static)" >&2
    exit 1
fi

out=$(realpath -m -- "$1")
parent=$(dirname -- "$out")
mkdir -p -- "$parent"
umask 022
export LC_ALL=C

work=$(mktemp -d "$parent/.rootfs.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
chmod 0755 "$work"

# Directory layout. Mount points stay empty; the runtime mounts over them.
install -d -m 0755 "$work"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,mnt,opt,srv,home,var,var/log,var/lib}
install -d -m 0700 "$work/root"
install -d -m 1777 "$work/tmp" "$work/var/tmp"
install -d -m 0755 -o 1000 -g 1000 "$work/home/brig"
ln -s ../run "$work/var/run"

install -m 0755 "$busybox" "$work/bin/busybox"

# One symlink per applet, at the path busybox itself suggests (bin/sh, usr/bin/awk, ...).
while IFS= read -r applet; do
    [[ -n $applet && $applet == */* ]] || continue   # skip top-level oddities like "linuxrc"
    [[ $applet == bin/busybox ]] && continue
    dest="$work/$applet"
    [[ -e $dest || -L $dest ]] && continue
    mkdir -p -- "$(dirname -- "$dest")"
    ln -s /bin/busybox "$dest"
done < <("$work/bin/busybox" --list-full)
# Older busybox builds have no --list-full: fall back to --list into /bin.
if [[ ! -e $work/bin/sh ]]; then
    while IFS= read -r applet; do
        [[ -n $applet && $applet != busybox && ! -e $work/bin/$applet ]] || continue
        ln -s busybox "$work/bin/$applet"
    done < <("$work/bin/busybox" --list)
fi

cat >"$work/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
brig:x:1000:1000:brig:/home/brig:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$work/etc/group" <<'EOF'
root:x:0:
tty:x:5:
users:x:100:brig
brig:x:1000:
nogroup:x:65534:
EOF
cat >"$work/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
brig:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF
chmod 0640 "$work/etc/shadow"
echo brig >"$work/etc/hostname"
cat >"$work/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
EOF
: >"$work/etc/resolv.conf"
cat >"$work/etc/os-release" <<'EOF'
NAME="brig busybox"
ID=brig-busybox
PRETTY_NAME="brig default image (busybox)"
EOF

# Replace the previous tree only once the new one is complete.
if [[ -e $out ]]; then
    old=$(mktemp -d "$parent/.rootfs-old.XXXXXX")
    mv -- "$out" "$old/tree"
    mv -- "$work" "$out"
    rm -rf -- "$old"
else
    mv -- "$work" "$out"
fi
trap - EXIT
