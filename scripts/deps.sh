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
    libboost-dev        # brig_api: Boost.Beast's HTTP parser and Asio (header-only; measured vs cpp-httplib, libmicrohttpd)
    busybox-static      # the embedded default image (scripts/mkrootfs.sh)
    iproute2            # ip: network namespaces in tests
    util-linux          # unshare, mount
    runc                # reference runtime for comparison tests
    strace
    clang-16            # tests/fuzz: libFuzzer targets (g++ has no libFuzzer; clang-14 cannot use <expected>)
    libclang-rt-16-dev  #   libFuzzer and the sanitizer runtimes for clang-16
    jq                  # scripts/demo.sh edits config.json with it
    qemu-system-x86     # scripts/vm-test.sh: the integration tests on a pure cgroup v2 kernel
    cpio                # scripts/vm-test.sh: the VM's initramfs
    kmod                # scripts/vm-test.sh: depmod for the VM kernel's modules.dep
    libssl-dev          # brig_image: sha256 of blobs (libcrypto)
    libzstd-dev         # brig_image: zstd layers
    libisal-dev         # brig_image: igzip, the fastest streaming gzip inflater (measured vs zlib/libdeflate)
    zlib1g-dev          # brig_image: inflate benchmark baseline
    libdeflate-dev      # brig_image: inflate benchmark (whole-buffer only, so not used for layers)
    libnftables-dev     # brig_network: NAT and published ports in brig's own nftables table
    passt               # brig_network: rootless container networking (pasta)
    uidmap              # rootless brig: newuidmap/newgidmap map a user's /etc/subuid range
    libcurl4-openssl-dev # brig's registry v2 client (pull/push/login)
    docker-registry     # tests: a real local registry v2 on 127.0.0.1 for push/pull
    apache2-utils       # tests: htpasswd (bcrypt) for the registry's basic auth
    openssl             # tests: a throwaway key + certificate for the registry's token auth
    skopeo              # tests: an independent registry client (brig's pushes read by it, and its pushes by brig)
    buildah             # tests: the differential build test (tests/interop/build_diff.sh) and bench/build.sh
    podman              # tests/interop: brig-oci as the runtime of podman,
    containerd          #   containerd (ctr)
    docker.io           #   and dockerd (daemons are never started by the install: see below)
    python3-grpcio      # tests/interop/cri.py: a minimal CRI client (pods through containerd's CRI)
    docker-compose      # tests/api: docker-compose 1.29 (and its python3-docker SDK) on brig's Docker API
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
# Packages with init scripts (docker.io, docker-registry) would start their daemon from
# postinst (PID 1 is not systemd, so invoke-rc.d runs /etc/init.d/*). A policy-rc.d that
# denies every action keeps the machine clean; it exists only for this install.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# deps.sh: no service starts during package installation\nexit 101\n' |
        "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
