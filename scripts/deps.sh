#!/usr/bin/env bash
# deps.sh: install every Debian package the project needs (build, tests, demo).
# Idempotent and quick: asks dpkg first and only runs apt-get when something is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The one list of packages. Add new ones here.
PACKAGES=(
    build-essential     # g++, make, libc headers
    g++
    cmake
    ninja-build
    pkg-config
    libgtest-dev        # unit and integration tests
    libgmock-dev
    nlohmann-json3-dev
    libfmt-dev
    libseccomp-dev
    libcli11-dev        # the brig engine CLI (header-only)
    busybox-static      # the embedded default image (scripts/mkrootfs.sh)
    iproute2            # ip: network namespaces in tests
    util-linux          # unshare, mount
    runc                # reference runtime for comparison tests
    strace
    jq                  # scripts/demo.sh edits config.json with it
    qemu-system-x86     # scripts/vm-test.sh: the integration tests on a pure cgroup v2 kernel
    cpio                # scripts/vm-test.sh: the VM's initramfs
    kmod                # scripts/vm-test.sh: depmod for the VM kernel's modules.dep
)

missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
for pkg in "${PACKAGES[@]}"; do
    grep -qxF "$pkg installed" <<<"$installed" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "deps: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
