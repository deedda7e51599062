#!/usr/bin/env bash
# mkimage.sh ROOTFS OUT.tar [NAME]: the embedded default image as an OCI archive (oci-layout,
# index.json, blobs/sha256/...), one gzip layer made from ROOTFS (scripts/mkrootfs.sh), named
# NAME (default docker.io/library/busybox:latest). Loadable offline: brig load -i OUT.tar
# Reproducible: sorted entries, numeric owners, fixed mtimes, gzip -n. Written next to OUT and
# renamed into place, so an interrupted run never leaves a half archive.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
    echo "usage: $0 ROOTFS OUT.tar [NAME]" >&2
    exit 2
fi
rootfs=$1
out=$(realpath -m -- "$2")
name=${3:-docker.io/library/busybox:latest}
tag=${name##*:}
[[ -d $rootfs/bin ]] || { echo "mkimage: $rootfs is not a root file system (run scripts/mkrootfs.sh)" >&2; exit 1; }

case $(uname -m) in
    x86_64) arch=amd64 variant= ;;
    aarch64) arch=arm64 variant=v8 ;;
    armv7l) arch=arm variant=v7 ;;
    i686 | i386) arch=386 variant= ;;
    *) arch=$(uname -m) variant= ;;
esac

export LC_ALL=C
work=$(mktemp -d "$(dirname -- "$out")/.mkimage.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
mkdir -p "$work/oci/blobs/sha256"

tar -C "$rootfs" --sort=name --numeric-owner --mtime=@0 --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -6 "$work/layer.tar"
layer=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
layer_size=$(stat -c %s "$work/layer.tar.gz")
mv "$work/layer.tar.gz" "$work/oci/blobs/sha256/$layer"

variant_json=
[[ -n $variant ]] && variant_json="\"variant\":\"$variant\","
printf '{"architecture":"%s",%s"os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"scripts/mkimage.sh (busybox-static)"}]}' \
    "$arch" "$variant_json" "$diff_id" >"$work/config.json"
config=$(sha256sum "$work/config.json" | cut -d' ' -f1)
config_size=$(stat -c %s "$work/config.json")
mv "$work/config.json" "$work/oci/blobs/sha256/$config"

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config" "$config_size" "$layer" "$layer_size" >"$work/manifest.json"
manifest=$(sha256sum "$work/manifest.json" | cut -d' ' -f1)
manifest_size=$(stat -c %s "$work/manifest.json")
mv "$work/manifest.json" "$work/oci/blobs/sha256/$manifest"

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$manifest" "$manifest_size" "$name" "$tag" >"$work/oci/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci/oci-layout"

tar -C "$work/oci" --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$work/out.tar" oci-layout index.json blobs
mv -- "$work/out.tar" "$out"
