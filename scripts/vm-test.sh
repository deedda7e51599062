#!/usr/bin/env bash
# vm-test.sh: run the integration tests inside a qemu VM booted on a pure cgroup v2 kernel.
#
# The host may be a cgroup v1/v2 hybrid; the VM is not: it boots Debian's own kernel with
# cgroup_no_v1=all and mounts cgroup2 alone at /sys/fs/cgroup. Steps:
#   1. kernel: Debian's linux-image-<version>-amd64 (the package linux-image-amd64 points
#      at), fetched with `apt-get download` and unpacked with `dpkg -x` into build/vm/kernel
#      (never installed). Re-used while present; --refresh-kernel fetches it again.
#   2. initramfs (made fresh each run, in a temp dir): static busybox, the kernel modules
#      the VM needs (virtio, 9p, ext4, veth, ...; dependencies resolved from modules.dep),
#      every program of the build's bin/ with the shared libraries and loader of the dynamic
#      ones, the host tools the tests call (ip, unshare, setpriv, nsenter) likewise, the
#      busybox rootfs, and the init script.
#   3. qemu: KVM when it really works (probed with a boot), else TCG (-cpu max). The init
#      copies itself to a tmpfs and switch_roots (pivot_root cannot leave the initramfs),
#      mounts proc, sysfs, devtmpfs, devpts, tmpfs /run, cgroup2 alone on /sys/fs/cgroup,
#      an ext4 scratch disk on /tmp, binds the build tree at the absolute path the test
#      binary has compiled in, enables every controller at the root, runs the tests with
#      the chosen gtest filter, writes log, XML and exit status to a 9p share, powers off.
#   4. the host reads the share, prints a summary and keeps the results in build/vm/last/.
#
# Exit status: 0 all tests passed; 1 a test failed, or the VM did not report (timeout,
# crash); 2 usage; 77 qemu cannot run at all (ctest's SKIP_RETURN_CODE).
set -euo pipefail

usage() {
    cat <<'EOF'
usage: scripts/vm-test.sh [options] [-- extra args for the test binary]

  -f, --filter PATTERN    gtest filter for the integration tests (default: '*', all)
  -a, --append ARGS       extra kernel command line arguments (appended)
  -t, --timeout SECONDS   limit for the whole VM run, boot to poweroff (default 900)
  -b, --build-dir DIR     build directory with bin/ and rootfs/ (default: <repo>/build)
      --accel auto|kvm|tcg  accelerator (default auto: KVM if a probe boot works, else TCG)
  -m, --memory MB         guest memory (default 1024)
      --smp N             guest CPUs (default 2)
      --refresh-kernel    download and unpack the kernel again
      --tmp ext4|tmpfs    the guest's /tmp: a scratch disk with ext4 (default), or tmpfs
      --shell             boot to an interactive shell on the console instead of testing
  -q, --quiet             do not stream the VM console; print only the summary (and the
                          test log on failure)
  -h, --help

Environment: BRIG_VM_CACHE (default <build-dir>/vm) holds the kernel and the last results.
EOF
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
filter='*'
append=''
timeout_s=900
build_dir="$repo/build"
accel=auto
memory=1024
smp=2
refresh_kernel=0
shell_mode=0
tmp_fs=ext4
quiet=0
test_args=()

while (($#)); do
    case $1 in
        -f|--filter) filter=${2?}; shift 2 ;;
        --filter=*) filter=${1#*=}; shift ;;
        -a|--append) append=${2?}; shift 2 ;;
        --append=*) append=${1#*=}; shift ;;
        -t|--timeout) timeout_s=${2?}; shift 2 ;;
        --timeout=*) timeout_s=${1#*=}; shift ;;
        -b|--build-dir) build_dir=${2?}; shift 2 ;;
        --build-dir=*) build_dir=${1#*=}; shift ;;
        --accel) accel=${2?}; shift 2 ;;
        --accel=*) accel=${1#*=}; shift ;;
        -m|--memory) memory=${2?}; shift 2 ;;
        --smp) smp=${2?}; shift 2 ;;
        --refresh-kernel) refresh_kernel=1; shift ;;
        --shell) shell_mode=1; shift ;;
        --tmp) tmp_fs=${2?}; shift 2 ;;
        --tmp=*) tmp_fs=${1#*=}; shift ;;
        -q|--quiet) quiet=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; test_args=("$@"); break ;;
        *) echo "vm-test: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ $timeout_s =~ ^[0-9]+$ && $timeout_s -ge 30 ]] || { echo "vm-test: --timeout wants seconds (>= 30)" >&2; exit 2; }
[[ $tmp_fs =~ ^(ext4|tmpfs)$ ]] || { echo "vm-test: --tmp wants ext4 or tmpfs" >&2; exit 2; }
[[ $accel =~ ^(auto|kvm|tcg)$ ]] || { echo "vm-test: --accel wants auto, kvm or tcg" >&2; exit 2; }

log() { echo "vm-test: $*" >&2; }
die() { echo "vm-test: error: $*" >&2; exit 1; }

# ---- can qemu run at all? (the only reason to skip) ----------------------------------
qemu=$(command -v qemu-system-x86_64 || true)
if [[ -z $qemu ]]; then
    echo "vm-test: SKIP: qemu-system-x86_64 not found (apt-get install qemu-system-x86; scripts/deps.sh installs it)"
    exit 77
fi
if ! "$qemu" -version >/dev/null 2>&1; then
    echo "vm-test: SKIP: $qemu does not run: $("$qemu" -version 2>&1 | head -n 3)"
    exit 77
fi
if [[ $(uname -m) != x86_64 ]]; then
    echo "vm-test: SKIP: the VM uses Debian's amd64 kernel; this host is $(uname -m)"
    exit 77
fi

for tool in cpio gzip dpkg apt-get depmod ldd flock; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/deps.sh installs what is needed)"
done
busybox=${BUSYBOX:-/bin/busybox}
[[ -x $busybox ]] || die "$busybox not found: install busybox-static"
if ldd "$busybox" >/dev/null 2>&1; then die "$busybox is dynamically linked; busybox-static is needed"; fi

# ---- the build under test ------------------------------------------------------------
build_dir=$(realpath -- "$build_dir")
# The test binary has absolute paths of the build dir compiled in (runtime, rootfs, inspector):
# the VM mirrors the directory at the path CMake used.
guest_build=$build_dir
if [[ -f $build_dir/CMakeCache.txt ]]; then
    cached=$(sed -n 's/^CMAKE_CACHEFILE_DIR:INTERNAL=//p' "$build_dir/CMakeCache.txt")
    [[ -n $cached ]] && guest_build=$cached
fi
tests_bin=$build_dir/bin/brig_integration_tests
for f in "$build_dir/bin/brig-oci" "$build_dir/bin/brig-inspect" "$tests_bin" "$build_dir/rootfs/bin/busybox"; do
    [[ -e $f ]] || die "$f missing: build first (scripts/build.sh)"
done

cache=${BRIG_VM_CACHE:-$build_dir/vm}
mkdir -p "$cache"
cache=$(realpath -- "$cache")

tmp=$(mktemp -d /tmp/brig-vm.XXXXXX)
qemu_pid=''
cleanup() {
    local rc=$?
    set +e
    if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill -TERM "$qemu_pid" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$qemu_pid" 2>/dev/null
        wait "$qemu_pid" 2>/dev/null
    fi
    [[ -n ${tail_pid:-} ]] && kill "$tail_pid" 2>/dev/null && wait "$tail_pid" 2>/dev/null
    rm -rf -- "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- kernel --------------------------------------------------------------------------
t_start=$SECONDS
kdir=$cache/kernel
exec 9>"$cache/.kernel.lock"
flock 9   # one fetch at a time; a second run waits and then re-uses it
if ((refresh_kernel)) || [[ ! -f $kdir/.complete ]]; then
    log "fetching Debian's kernel (cached in $kdir)"
    resolve_kernel_pkg() {
        apt-cache depends linux-image-amd64 2>/dev/null |
            sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
    }
    pkg=$(resolve_kernel_pkg)
    dl=$tmp/download
    mkdir -p "$dl"
    chmod 0755 "$tmp"
    chown _apt "$dl" 2>/dev/null || true   # lets apt download sandboxed, without a warning
    if [[ -z $pkg ]] || ! (cd "$dl" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
        log "apt-get update (the package lists do not know linux-image-amd64, or are stale)"
        apt-get update -qq
        pkg=$(resolve_kernel_pkg)
        [[ -n $pkg ]] || die "apt-cache: linux-image-amd64 depends on no linux-image-<version> package"
        (cd "$dl" && apt-get download -qq "$pkg") || die "apt-get download $pkg failed"
    fi
    deb=$(ls "$dl"/*.deb)
    rm -rf -- "$kdir.new" "$kdir"
    mkdir -p "$kdir.new"
    dpkg -x "$deb" "$kdir.new"
    kver=$(ls "$kdir.new/lib/modules")
    [[ -f $kdir.new/boot/vmlinuz-$kver ]] || die "$deb holds no boot/vmlinuz-$kver"
    depmod -b "$kdir.new" "$kver"
    echo "$kver" >"$kdir.new/.version"
    echo "$pkg $(dpkg-deb -f "$deb" Version)" >"$kdir.new/.package"
    rm -f -- "$deb"
    touch "$kdir.new/.complete"
    mv -- "$kdir.new" "$kdir"
    log "kernel $(cat "$kdir/.package") ready in $((SECONDS - t_start)) s"
fi
exec 9>&-
kver=$(cat "$kdir/.version")
vmlinuz=$kdir/boot/vmlinuz-$kver
moddir=$kdir/lib/modules/$kver

# ---- initramfs -----------------------------------------------------------------------
t_initrd=$SECONDS
root=$tmp/initramfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,proc,sys,dev,tmp,run,root,results,lib/modules}
chmod 1777 "$root/tmp"
mknod -m 0600 "$root/dev/console" c 5 1
mknod -m 0666 "$root/dev/null" c 1 3

install -m 0755 "$busybox" "$root/bin/busybox"
while IFS= read -r applet; do
    [[ -n $applet && $applet == */* && $applet != bin/busybox ]] || continue
    [[ -e $root/$applet || -L $root/$applet ]] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -s /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)

# A file and, for dynamic ELF files, the shared libraries and loader it needs, at the
# same paths as on the host.
copy_with_libs() {   # SRC [DEST-IN-ROOT]
    local src=$1 dest=${2:-$1} lib
    mkdir -p "$root/$(dirname "$dest")"
    cp -L -- "$src" "$root/$dest"
    chmod 0755 "$root/$dest"
    while read -r lib; do
        [[ -n $lib && ! -e $root/$lib ]] || continue
        mkdir -p "$root/$(dirname "$lib")"
        cp -L -- "$lib" "$root/$lib"
    done < <(ldd "$src" 2>/dev/null | grep -o '/[^ ]*' || true)
}

# The build under test: every program in bin/ (runtime, helpers, test binary) but the unit
# tests, and the rootfs. Staged at /brig-build; the init bind-mounts it at the path the test
# binary knows once /tmp and /run are mounted (a build dir may well be under /tmp).
mkdir -p "$root/brig-build/bin"
for b in "$build_dir"/bin/*; do
    [[ -f $b && -x $b && $(basename "$b") != brig_unit_tests ]] || continue
    copy_with_libs "$b" "/brig-build/bin/$(basename "$b")"
done
cp -a -- "$build_dir/rootfs" "$root/brig-build/rootfs"

# Host tools the tests run, the same as on the host (iproute2, util-linux); busybox's
# applets cover the rest (sh, cp, chown, mkfifo, sleep, grep, ...).
for tool in ip unshare setpriv nsenter; do
    path=$(command -v "$tool" || true)
    [[ -n $path ]] && copy_with_libs "$(realpath "$path")" "/usr/local/bin/$tool"
done

# BRIG_OCI (another runtime, e.g. runc) as for the host's integration tests: copied in with
# its libraries as /usr/local/bin/<name>.
guest_oci=''
if [[ -n ${BRIG_OCI:-} ]]; then
    oci=$(command -v "$BRIG_OCI" || true)
    [[ -n $oci ]] || die "BRIG_OCI=$BRIG_OCI: not found"
    guest_oci=/usr/local/bin/$(basename "$oci")
    copy_with_libs "$(realpath "$oci")" "$guest_oci"
fi

# Kernel modules: the wanted ones and their dependencies, in load order.
wanted=(virtio virtio_ring virtio_pci 9pnet 9pnet_virtio 9p virtio_rng virtio_blk crc32c_generic ext4 veth overlay)
# (ext4 asks the crypto API for crc32c at mount time: no modprobe here, so load it first.)
declare -A modpath=() moddeps=() loaded=() builtin=()
# modules.dep lines "kernel/x/name.ko: kernel/y/dep.ko ..." as "name path dep...", with
# module names normalized (virtio-rng -> virtio_rng).
while read -r name path deps; do
    modpath[$name]=$path
    moddeps[$name]=$deps
done < <(awk -F'[: ]+' '
    function modname(p) { sub(/.*\//, "", p); sub(/\.ko.*/, "", p); gsub(/-/, "_", p); return p }
    { line = modname($1) " " $1; for (i = 2; i <= NF; i++) if ($i != "") line = line " " modname($i); print line }
' "$moddir/modules.dep")
while read -r name; do builtin[$name]=1; done < <(sed 's|.*/||; s|\.ko.*||; s|-|_|g' "$moddir/modules.builtin")
builtin_mod() { [[ -n ${builtin[$1]:-} ]]; }
order=()
add_module() {
    local name=$1 d
    [[ -n ${loaded[$name]:-} ]] && return 0
    loaded[$name]=1
    if [[ -z ${modpath[$name]:-} ]]; then
        builtin_mod "$name" && return 0
        die "kernel module $name is neither in $moddir/modules.dep nor built in"
    fi
    for d in ${moddeps[$name]}; do add_module "$d"; done
    order+=("$name")
}
for m in "${wanted[@]}"; do add_module "$m"; done
: >"$root/etc/brig-vm-modules"
for name in "${order[@]}"; do
    src=$moddir/${modpath[$name]}
    dest=/lib/modules/$name.ko
    case $src in
        *.ko) cp -- "$src" "$root$dest" ;;
        *.ko.xz) xz -dc -- "$src" >"$root$dest" ;;
        *.ko.zst) zstd -qdc -- "$src" >"$root$dest" ;;
        *.ko.gz) gzip -dc -- "$src" >"$root$dest" ;;
        *) die "unknown module format: $src" ;;
    esac
    echo "$dest" >>"$root/etc/brig-vm-modules"
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
echo "127.0.0.1 localhost brig-vm" >"$root/etc/hosts"

# What the init runs, as shell assignments (single-quoted).
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
    echo "BRIG_BUILD=$(q "$guest_build")"
    echo "BRIG_TESTS=$(q "$guest_build/bin/brig_integration_tests")"
    echo "BRIG_FILTER=$(q "$filter")"
    printf 'BRIG_TEST_ARGS='
    for a in "${test_args[@]}"; do printf '%s ' "$(q "$a")"; done
    echo
    echo "BRIG_OCI=$(q "$guest_oci")"
    echo "BRIG_SHELL=$shell_mode"
    echo "BRIG_TMP=$tmp_fs"
    # The guest stops the tests itself a little before the host gives up on the VM.
    echo "BRIG_GUEST_TIMEOUT=$((timeout_s > 120 ? timeout_s - 60 : timeout_s - 20))"
} >"$root/etc/brig-vm.conf"

cat >"$root/init" <<'INIT'
#!/bin/sh
# Init of the brig test VM (written by scripts/vm-test.sh).
export PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

# Stage 1: the initramfs root cannot be left by pivot_root, which every container start
# needs: copy everything into a tmpfs and switch_root there.
if [ ! -e /.stage2 ]; then
    mkdir /newroot
    mount -t tmpfs -o mode=0755 tmpfs /newroot
    for f in /* /.[!.]*; do
        [ -e "$f" ] || continue
        [ "$f" = /newroot ] || cp -a "$f" /newroot/
    done
    : >/newroot/.stage2
    exec switch_root /newroot /init
fi

say() { echo "brig-vm: $*"; }
fail_boot() {
    say "setup failed: $*"
    echo "setup failed: $*" >>/results/setup-error 2>/dev/null
    sync
    poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || fail_boot "mount cgroup2"

while read -r m; do
    insmod "$m" || say "insmod $m failed"
done </etc/brig-vm-modules

mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 brigvm /results || fail_boot "mount the 9p share"

. /etc/brig-vm.conf
[ -n "$BRIG_OCI" ] && export BRIG_OCI || unset BRIG_OCI

# /tmp, where the tests make their bundles: a disk filesystem (the scratch disk, ext4) as on
# most hosts. On this kernel tmpfs cannot be id-mapped (that came in 6.3).
if [ "$BRIG_TMP" = ext4 ]; then
    i=0
    while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    mke2fs -q -F /dev/vda >/dev/null || fail_boot "mke2fs /dev/vda"
    mount -t ext4 /dev/vda /tmp || fail_boot "mount /dev/vda on /tmp"
    chmod 1777 /tmp
else
    mount -t tmpfs -o mode=1777 tmpfs /tmp
fi

mkdir -p "$BRIG_BUILD" && mount --bind /brig-build "$BRIG_BUILD" || fail_boot "bind the build dir at $BRIG_BUILD"

hostname brig-vm
ip link set lo up

# Like a systemd host: every controller enabled at the root, this init in a leaf cgroup.
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
    echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || say "cannot enable the $c controller"
done
mkdir /sys/fs/cgroup/init.scope
echo $$ >/sys/fs/cgroup/init.scope/cgroup.procs

{
    echo "kernel: $(uname -r)"
    echo "cmdline: $(cat /proc/cmdline)"
    echo "cgroup mounts:"
    grep -E ' - cgroup2? ' /proc/self/mountinfo
    echo "/proc/cgroups (hierarchy 0: the controller is on cgroup2 only):"
    cat /proc/cgroups
    echo "root controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
    echo "root subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
    echo "init cgroup: $(cat /proc/self/cgroup)"
    echo "/tmp: $(grep ' /tmp ' /proc/self/mountinfo)"
    echo "cpus: $(grep -c ^processor /proc/cpuinfo)  memory: $(grep MemTotal /proc/meminfo)"
} >/results/env.txt 2>&1
say "kernel $(uname -r), cgroup: $(grep -E ' - cgroup2? ' /proc/self/mountinfo | cut -d' ' -f5,9 | tr '\n' ' ')"
say "controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"

if [ "$BRIG_SHELL" = 1 ]; then
    say "shell (exit to power off); tests: $BRIG_TESTS"
    setsid cttyhack sh
else
    say "running $BRIG_TESTS --gtest_filter=$BRIG_FILTER $BRIG_TEST_ARGS"
    cd /tmp
    eval "set -- $BRIG_TEST_ARGS"
    start=$(cut -d' ' -f1 /proc/uptime)
    {
        timeout -s KILL "$BRIG_GUEST_TIMEOUT" "$BRIG_TESTS" --gtest_color=no "--gtest_filter=$BRIG_FILTER" \
            --gtest_output=xml:/results/results.xml "$@" </dev/null
        echo $? >/results/status.tmp
    } 2>&1 | tee /results/test.log
    end=$(cut -d' ' -f1 /proc/uptime)
    echo "$start $end" >/results/times
    mv /results/status.tmp /results/status
    say "tests exited with status $(cat /results/status)"
    sleep 1   # busybox timeout's watchdog notices within a second that the tests are gone
    # What the tests and the runtime left behind. The harness checks this too, but knows
    # only the v1/hybrid cgroup layout (/sys/fs/cgroup/<hierarchy>/brig-test/<id>).
    {
        find /sys/fs/cgroup -mindepth 1 -type d ! -path /sys/fs/cgroup/init.scope | sed 's/^/cgroup /'
        grep brig /proc/self/mountinfo | grep -v -e ' /results ' -e " $BRIG_BUILD " | sed 's/^/mount /'
        ls -d /tmp/brig-it-* 2>/dev/null | sed 's/^/dir /'
        # One snapshot (the only process of ours in it is ps itself); kernel threads are [...].
        ps -o pid,args >/run/ps.txt
        grep -v -e '^ *PID ' -e '^ *1 ' -e '^ *[0-9]* \[' -e '^ *[0-9]* ps -o pid,args$' -e '^ *[0-9]* {ps} ' /run/ps.txt | sed 's/^/process /'
    } >/results/leftovers 2>&1
fi
sync
umount /results
poweroff -f
INIT
chmod 0755 "$root/init"

initrd=$tmp/initramfs.cpio.gz
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet | gzip -1) >"$initrd"
log "initramfs $(du -h "$initrd" | cut -f1) made in $((SECONDS - t_initrd)) s (kernel $kver, modules: ${order[*]})"

# ---- qemu ----------------------------------------------------------------------------
share=$tmp/share
mkdir -p "$share"
# The guest's /tmp (sparse; formatted by the guest).
truncate -s 2G "$tmp/scratch.img"
cmdline="console=ttyS0 rdinit=/init panic=-1 quiet loglevel=4 cgroup_no_v1=all random.trust_cpu=on $append"
# shellcheck disable=SC2054  # commas inside qemu option values
qemu_args=(
    # -display none rather than -nographic: the same without a display, but SeaBIOS then
    # does not clear the screen on the serial console with escape sequences.
    -m "$memory" -smp "$smp" -nodefaults -display none -no-reboot -monitor none -serial stdio
    -kernel "$vmlinuz" -initrd "$initrd" -append "$cmdline"
    -fsdev "local,id=brigvm,path=$share,security_model=none"
    -device virtio-9p-pci,fsdev=brigvm,mount_tag=brigvm
    -device virtio-rng-pci
    -drive "file=$tmp/scratch.img,format=raw,if=virtio,cache=unsafe"
)

# KVM only if it really boots a guest: /dev/kvm can exist and still fail (nested or
# paravirtual hosts). The probe boots the real kernel to its first console line.
kvm_works() {
    [[ -r /dev/kvm && -w /dev/kvm ]] || return 1
    (   # a subshell with stderr discarded: bash would report a crashing qemu ("Aborted")
        out=$tmp/kvm-probe.log
        "$qemu" -accel kvm -cpu host -m 256 -smp 1 -nodefaults -nographic -no-reboot -monitor none \
            -serial stdio -kernel "$vmlinuz" -append "console=ttyS0 panic=-1 rdinit=/nonexistent" \
            </dev/null >"$out" 2>&1 &
        pid=$!
        ok=1
        for _ in $(seq 1 40); do   # 20 s at most
            if grep -q 'Linux version' "$out" 2>/dev/null; then ok=0; break; fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        exit "$ok"
    ) 2>/dev/null
}
case $accel in
    kvm) accel_args=(-accel kvm -cpu host); accel_name=kvm ;;
    tcg) accel_args=(-accel tcg -cpu max); accel_name=tcg ;;
    auto)
        if kvm_works; then accel_args=(-accel kvm -cpu host); accel_name=kvm
        else accel_args=(-accel tcg -cpu max); accel_name=tcg; fi ;;
esac

log "booting ($accel_name, ${memory} MB, $smp CPUs, timeout ${timeout_s} s): $cmdline"
console=$tmp/console.log
t_boot=$SECONDS
if ((shell_mode)); then
    "$qemu" "${accel_args[@]}" "${qemu_args[@]}"
    exit 0
fi
: >"$console"
"$qemu" "${accel_args[@]}" "${qemu_args[@]}" </dev/null >"$console" 2>&1 &
qemu_pid=$!
tail_pid=''
if ((!quiet)); then
    tail -n +1 -f --pid="$qemu_pid" "$console" &
    tail_pid=$!
fi
timed_out=0
while kill -0 "$qemu_pid" 2>/dev/null; do
    if ((SECONDS - t_boot >= timeout_s)); then
        timed_out=1
        log "timeout: the VM ran ${timeout_s} s; stopping it"
        kill -TERM "$qemu_pid" 2>/dev/null
        sleep 3
        kill -KILL "$qemu_pid" 2>/dev/null
        break
    fi
    sleep 1
done
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=''
if [[ -n $tail_pid ]]; then wait "$tail_pid" 2>/dev/null || true; tail_pid=''; fi
vm_s=$((SECONDS - t_boot))

# ---- results -------------------------------------------------------------------------
last=$cache/last
rm -rf -- "$last"
mkdir -p "$last"
cp -a -- "$share"/. "$last"/ 2>/dev/null || true
cp -- "$console" "$last/console.log"

if [[ ! -f $last/status ]]; then
    if ((quiet)); then tail -n 60 "$console" >&2; fi
    [[ -f $last/setup-error ]] && log "$(cat "$last/setup-error")"
    if ((timed_out)); then why="timed out after ${timeout_s} s"; else why="qemu exited with status $qemu_rc"; fi
    log "FAILED: the VM did not report a test result ($why); console log: $last/console.log"
    if [[ -f $last/test.log ]]; then log "last lines of the test log:"; tail -n 20 "$last/test.log" >&2; fi
    exit 1
fi

status=$(cat "$last/status")
attr() {   # an attribute of <testsuites>; empty when there is no XML (the tests were killed)
    [[ -f $last/results.xml ]] || return 0
    sed -n "s/.*<testsuites [^>]*\b$1=\"\([0-9]*\)\".*/\1/p" "$last/results.xml" | head -n 1
}
total=$(attr tests); failures=$(attr failures); errors=$(attr errors); disabled=$(attr disabled)
skipped=$(grep -c 'result="skipped"' "$last/results.xml" 2>/dev/null || true)
guest_s=''
if [[ -f $last/times ]]; then guest_s=$(awk '{printf "%.0f", $2 - $1}' "$last/times"); fi
if ((quiet)) && [[ $status != 0 ]]; then cat "$last/test.log" >&2; fi
if [[ -s $last/leftovers ]]; then
    log "WARNING: left behind in the VM after the tests:"
    sed 's/^/vm-test:   /' "$last/leftovers" >&2
fi

log "kernel $kver, cgroup v2 only, $accel_name; VM ${vm_s} s (tests ${guest_s:-?} s); results in $last"
if [[ -n $total ]]; then
    failed=$((failures + errors))
    passed=$((total - failed - ${skipped:-0} - ${disabled:-0}))
    if ((failed)); then
        sed -n 's/^\[  FAILED  \] \([^ ]*\.[^ ,]*\).*/\1/p' "$last/test.log" | sort -u | sed 's/^/vm-test:   FAILED /' >&2
    fi
    echo "vm-test: $passed passed, $failed failed, ${skipped:-0} skipped"
else
    log "no XML result (test binary status $status); see $last/test.log"
    echo "vm-test: 0 passed, 1 failed"
fi
if [[ $status != 0 ]]; then
    [[ $status == 137 ]] && log "the tests were killed by the guest-side timeout"
    exit 1
fi
exit 0
