#!/usr/bin/env python3
"""The brig engine against podman (crun) and skopeo (issues 8, 11, 12).

Started by bench/engine.sh as a child of pid 1 of new mount, network and pid
namespaces (private /run, /dev/shm, /var/lib overlay, loopback up, cgroup2
unmounted). Do not run it directly: engine.sh sets that up and sweeps up after.

Every timing is one engine command, from just before it is spawned to just
after it is reaped (perf_counter_ns). Each round runs every engine (or
engine/network pair) once, in a fresh random order. Warm-up rounds are run and
thrown away. Nothing asserts on a time; a failing command stops the bench.

Standard library only.
"""

import argparse
import datetime
import gzip
import hashlib
import io
import json
import os
import platform
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import time

MODES = {
    "full": dict(warmup=3, run=30, detached=20, pull_warmup=1, pull=8),
    "quick": dict(warmup=1, run=5, detached=4, pull_warmup=0, pull=2),
}
REGISTRY_PORT = 5000
IMAGE_REF = f"127.0.0.1:{REGISTRY_PORT}/bench/multi:1"
PODMAN_BB = "localhost/busybox:latest"
# A container that exits at once on SIGTERM: `wait` returns as soon as the trapped
# signal arrives (a foreground `sleep 0.1` loop would add up to 100 ms to stop).
STOPPABLE = ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]
ENV_BASE = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root", "LANG": "C.UTF-8"}
CMD_TIMEOUT = 180
SLOW_NS = 3_000_000_000  # commands slower than this are logged
# CPU time (user + system) of the last command run by sh() and the descendants it reaped.
LAST_CPU_MS = 0.0


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(argv, env=None, timeout=CMD_TIMEOUT, check=True):
    """-> (elapsed ns, stdout text). Raises BenchError on a non-zero exit when check."""
    global LAST_CPU_MS
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter_ns()
    p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    t1 = time.perf_counter_ns()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU_MS = ((ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)) * 1e3
    if t1 - t0 > SLOW_NS:
        log(f"engine-bench: slow: {(t1 - t0) / 1e9:.1f} s: {' '.join(argv)}")
    if check and p.returncode != 0:
        raise BenchError(f"{' '.join(argv)}: exit {p.returncode}: "
                         f"{p.stderr.decode(errors='replace').strip()[-2000:]}")
    return t1 - t0, p.stdout.decode(errors="replace")


def first_line(argv, env=None):
    try:
        _, out = sh(argv, env=env, timeout=30)
        return out.strip().splitlines()[0] if out.strip() else "?"
    except (BenchError, OSError, subprocess.TimeoutExpired) as e:
        return f"? ({e})"


def umount_under(path):
    """Unmount everything mounted at or below path (deepest first)."""
    path = os.path.realpath(path)
    targets = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            t = line.split()[4].replace("\\040", " ")
            if t == path or t.startswith(path + "/"):
                targets.append(t)
    for t in sorted(targets, key=len, reverse=True):
        subprocess.run(["umount", "-l", t], stderr=subprocess.DEVNULL)


def remove_tree(path):
    umount_under(path)
    shutil.rmtree(path, ignore_errors=True)


def vmrss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def catches_sigterm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << 14))
    except OSError:
        pass
    return False


# ---------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------

class Brig:
    def __init__(self, bindir, root, cgroup):
        self.bin = os.path.join(bindir, "brig")
        self.root = root
        self.cgroup = cgroup
        self.env = dict(ENV_BASE)

    def cmd(self, *args, root=None):
        return [self.bin, "--root", root or self.root, *args]

    def run_args(self, net):
        a = ["run", "--rm", "--cgroup-parent", self.cgroup]
        if net == "none":
            a += ["--network", "none"]
        return self.cmd(*a, "busybox", "true")

    def detached_args(self, net="none"):
        return self.cmd("run", "-d", *(["--network", "none"] if net == "none" else []),
                        "--cgroup-parent", self.cgroup, "busybox", *STOPPABLE)

    def pids(self, cid):
        """-> (container init pid, monitor pid) from the monitor's state.json."""
        with open(os.path.join(self.root, "containers", cid, "state.json")) as f:
            st = json.load(f)
        return st.get("pid", 0), st.get("monitor_pid", 0)


class Podman:
    def __init__(self, name, workdir, backend, subnet, cgroup):
        self.name = name
        self.dir = os.path.join(workdir, name)
        self.cgroup = cgroup
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        os.makedirs(os.path.join(self.dir, "net"), exist_ok=True)
        conf = os.path.join(self.dir, "containers.conf")
        with open(conf, "w") as f:
            f.write(f"""[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{self.dir}/events.log"
runtime = "crun"
tmp_dir = "{self.dir}/tmp"
[network]
network_backend = "{backend}"
network_config_dir = "{self.dir}/net"
default_subnet = "{subnet}"
""")
        storage = os.path.join(self.dir, "storage.conf")
        with open(storage, "w") as f:
            f.write(f"""[storage]
driver = "overlay"
graphroot = "{self.dir}/storage"
runroot = "/run/{name}"
""")
        registries = os.path.join(self.dir, "registries.conf")
        with open(registries, "w") as f:
            f.write(f"""unqualified-search-registries = []
[[registry]]
location = "127.0.0.1:{REGISTRY_PORT}"
insecure = true
""")
        self.env = dict(ENV_BASE, CONTAINERS_CONF=conf, CONTAINERS_STORAGE_CONF=storage,
                        CONTAINERS_REGISTRIES_CONF=registries)

    def cmd(self, *args):
        return ["podman", "--cgroup-manager", "cgroupfs", *args]

    def run_args(self, net):
        a = ["run", "--rm", "--cgroup-parent", self.cgroup]
        if net == "none":
            a += ["--network", "none"]
        return self.cmd(*a, PODMAN_BB, "true")

    def detached_args(self, net="none"):
        return self.cmd("run", "-d", *(["--network", "none"] if net == "none" else []),
                        "--cgroup-parent", self.cgroup, PODMAN_BB, *STOPPABLE)

    def pids(self, cid):
        _, out = sh(self.cmd("inspect", "--format", "{{.State.Pid}} {{.State.ConmonPid}}", cid),
                    env=self.env)
        pid, conmon = out.split()
        return int(pid), int(conmon)


# ---------------------------------------------------------------------------
# The registry and the multi-layer image
# ---------------------------------------------------------------------------

def start_registry(workdir):
    d = os.path.join(workdir, "registry")
    os.makedirs(os.path.join(d, "data"))
    cfg = os.path.join(d, "config.yml")
    with open(cfg, "w") as f:
        f.write(f"""version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: {d}/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{REGISTRY_PORT}
  secret: brig-engine-bench
""")
    logf = open(os.path.join(d, "registry.log"), "wb")
    p = subprocess.Popen(["/usr/bin/docker-registry", "serve", cfg], stdin=subprocess.DEVNULL,
                         stdout=logf, stderr=logf, env=ENV_BASE)
    for _ in range(200):
        if p.poll() is not None:
            raise BenchError(f"docker-registry exited: {open(os.path.join(d, 'registry.log')).read()[-1000:]}")
        try:
            with socket.create_connection(("127.0.0.1", REGISTRY_PORT), timeout=0.5):
                return p
        except OSError:
            time.sleep(0.05)
    p.kill()
    raise BenchError("docker-registry did not listen within 10 s")


def pick_files(top, budget):
    """Regular files and symlinks under top, in sorted walk order, up to budget bytes."""
    picked, total = [], 0
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for n in sorted(filenames):
            p = os.path.join(dirpath, n)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if os.path.islink(p):
                picked.append((p, 0))
                continue
            if not os.path.isfile(p) or st.st_size > 4 << 20 or not os.access(p, os.R_OK):
                continue
            picked.append((p, st.st_size))
            total += st.st_size
            if total >= budget:
                return picked
    return picked


def split(files, n):
    """n contiguous chunks of about equal byte size."""
    total = sum(s for _, s in files)
    chunks, cur, acc = [], [], 0
    for f in files:
        cur.append(f)
        acc += f[1]
        if acc >= total * (len(chunks) + 1) / n and len(chunks) < n - 1:
            chunks.append(cur)
            cur = []
    chunks.append(cur)
    return [c for c in chunks if c]


def build_image(layout):
    """A 7-layer gzip OCI image in an OCI layout: 4 layers from /usr/lib, 3 from /usr/share."""
    blobs = os.path.join(layout, "blobs", "sha256")
    os.makedirs(blobs)

    def put(data):
        h = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, h), "wb") as f:
            f.write(data)
        return "sha256:" + h, len(data)

    groups = split(pick_files("/usr/lib", 36 << 20), 4) + split(pick_files("/usr/share", 36 << 20), 3)
    layers, diff_ids, unpacked, nfiles = [], [], 0, 0
    for files in groups:
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            seen = set()
            for path, size in files:
                rel = path.lstrip("/")
                parts = rel.split("/")
                for i in range(1, len(parts)):
                    d = "/".join(parts[:i])
                    if d not in seen:
                        seen.add(d)
                        ti = tarfile.TarInfo(d)
                        ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 1700000000
                        tar.addfile(ti)
                ti = tar.gettarinfo(path, arcname=rel)
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = "root"
                if ti.isreg():
                    with open(path, "rb") as f:
                        tar.addfile(ti, f)
                    unpacked += size
                else:
                    tar.addfile(ti)
                nfiles += 1
        data = raw.getvalue()
        diff_ids.append("sha256:" + hashlib.sha256(data).hexdigest())
        digest, size = put(gzip.compress(data, compresslevel=6, mtime=0))
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": digest, "size": size})
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/bin/sh"]},
              "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    cdigest, csize = put(json.dumps(config).encode())
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": cdigest, "size": csize},
                "layers": layers}
    mdigest, msize = put(json.dumps(manifest).encode())
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest,
             "size": msize, "annotations": {"org.opencontainers.image.ref.name": "1"}}]}, f)
    return {"layers": len(layers), "files": nfiles, "unpacked_bytes": unpacked,
            "compressed_bytes": sum(l["size"] for l in layers),
            "layer_compressed_bytes": [l["size"] for l in layers]}


# ---------------------------------------------------------------------------
# Statistics and output
# ---------------------------------------------------------------------------

def summary(samples):
    if not samples:
        return None
    return {"n": len(samples), "min": min(samples), "median": statistics.median(samples),
            "max": max(samples), "samples": samples}


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "s":
        return f"{v:.2f}"
    if unit == "MiB":
        return f"{v:.2f}"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}"


def table(rows):
    """rows: (measure, unit, engine, summary) -> markdown table text."""
    head = ["Measure", "Engine", "Unit", "median", "min", "max", "n"]
    body = [[m, e, u, fmt(s["median"], u), fmt(s["min"], u), fmt(s["max"], u), str(s["n"])]
            for m, u, e, s in rows if s]
    w = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
    right = {3, 4, 5, 6}

    def line(r):
        return "| " + " | ".join(c.rjust(w[i]) if i in right else c.ljust(w[i])
                                 for i, c in enumerate(r)) + " |"
    sep = "|" + "|".join(("-" * (w[i] + 1) + ":") if i in right else "-" * (w[i] + 2)
                         for i in range(len(head))) + "|"
    return "\n".join([line(head), sep] + [line(r) for r in body])


# ---------------------------------------------------------------------------
# The bench
# ---------------------------------------------------------------------------

class Bench:
    def __init__(self, a):
        self.a = a
        self.mode = "quick" if a.quick else "full"
        self.m = MODES[self.mode]
        self.rng = random.Random(a.seed)
        self.work = a.workdir
        self.results = {}
        self.registry = None
        self.brig = Brig(a.bin, os.path.join(self.work, "brig"), f"{a.cgroup}/brig")
        self.podmen = {
            "podman-cni": Podman("podman-cni", self.work, "cni", "10.77.0.0/16", f"{a.cgroup}/podman"),
            "podman-netavark": Podman("podman-netavark", self.work, "netavark", "10.66.0.0/16",
                                      f"{a.cgroup}/podman"),
        }
        self.leftover_ids = []  # (engine, id) of detached containers not yet removed

    def engine(self, name):
        return self.brig if name == "brig" else self.podmen[name]

    def record(self, key, engine, value):
        self.results.setdefault(key, {}).setdefault(engine, []).append(value)

    # ---- setup ----

    def setup(self):
        log("engine-bench: starting the registry, building and pushing the test image")
        self.registry = start_registry(self.work)
        layout = os.path.join(self.work, "image")
        t0 = time.monotonic()
        self.image = build_image(layout)
        log(f"engine-bench: image: {self.image['layers']} layers, {self.image['files']} files, "
            f"{self.image['unpacked_bytes'] / 2**20:.1f} MiB unpacked, "
            f"{self.image['compressed_bytes'] / 2**20:.1f} MiB gzip ({time.monotonic() - t0:.1f} s)")
        sh(["skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false",
            f"oci:{layout}:1", f"docker://{IMAGE_REF}"], env=ENV_BASE)
        shutil.rmtree(layout)
        log("engine-bench: loading busybox into brig and both podman stores")
        sh(self.brig.cmd("load", "-q", "-i", self.a.busybox), env=self.brig.env)
        for p in self.podmen.values():
            _, out = sh(p.cmd("load", "-q", "-i", self.a.busybox), env=p.env)
            _, ids = sh(p.cmd("images", "-q", "--no-trunc"), env=p.env)
            iid = ids.split()[0]
            sh(p.cmd("tag", iid, PODMAN_BB), env=p.env)

    def versions(self):
        env = self.podmen["podman-cni"].env
        return {
            "brig": first_line([self.brig.bin, "version"]),
            "podman": first_line(["podman", "--version"], env=env),
            "crun": first_line(["crun", "--version"]),
            "conmon": first_line(["conmon", "--version"]),
            "skopeo": first_line(["skopeo", "--version"]),
            "netavark": first_line(["/usr/lib/podman/netavark", "--version"]),
            "cni plugins": first_line(["dpkg-query", "-W", "-f", "${Version}", "containernetworking-plugins"]),
            "docker-registry": first_line(["dpkg-query", "-W", "-f", "${Version}", "docker-registry"]),
        }

    # ---- phases ----

    def phase_run(self):
        pairs = [(e, n) for e in ("brig", "podman-cni", "podman-netavark") for n in ("none", "bridge")]
        total = self.m["warmup"] + self.m["run"]
        log(f"engine-bench: run --rm busybox true: {self.m['warmup']} warm-up + {self.m['run']} rounds "
            f"x {len(pairs)}")
        for r in range(total):
            order = pairs[:]
            self.rng.shuffle(order)
            for e, n in order:
                eng = self.engine(e)
                ns, _ = sh(eng.run_args(n), env=eng.env)
                if r >= self.m["warmup"]:
                    self.record(f"run_{n}", e, ns / 1e6)

    def phase_neighbour(self):
        """run --rm on the default bridge while another container of the same engine stays
        on it, so the bridge already exists (brig and netavark remove a bridge when its last
        container goes, CNI keeps it)."""
        names = ["brig", "podman-cni", "podman-netavark"]
        total = self.m["warmup"] + self.m["run"]
        log(f"engine-bench: run --rm busybox true beside a running container: {self.m['warmup']} "
            f"warm-up + {self.m['run']} rounds x {len(names)}")
        for n in names:
            eng = self.engine(n)
            _, out = sh(eng.detached_args("bridge"), env=eng.env)
            self.leftover_ids.append((eng, out.strip().splitlines()[-1]))
        for r in range(total):
            order = names[:]
            self.rng.shuffle(order)
            for n in order:
                eng = self.engine(n)
                ns, _ = sh(eng.run_args("bridge"), env=eng.env)
                if r >= self.m["warmup"]:
                    self.record("run_bridge_busy", n, ns / 1e6)
        for eng, cid in self.leftover_ids:
            sh(eng.cmd("rm", "-f", cid), env=eng.env)
        self.leftover_ids = []

    def phase_detached(self):
        engines = [("brig", self.brig), ("podman", self.podmen["podman-cni"])]
        total = self.m["warmup"] + self.m["detached"]
        log(f"engine-bench: run -d / stop / rm: {self.m['warmup']} warm-up + {self.m['detached']} rounds")
        for r in range(total):
            order = engines[:]
            self.rng.shuffle(order)
            for name, eng in order:
                ns_run, out = sh(eng.detached_args(), env=eng.env)
                cid = out.strip().splitlines()[-1]
                self.leftover_ids.append((eng, cid))
                pid, mon = eng.pids(cid)
                # Untimed: the container has its SIGTERM trap in place before the stop.
                deadline = time.monotonic() + 10
                while not catches_sigterm(pid):
                    if time.monotonic() > deadline:
                        raise BenchError(f"{name}: container {cid} never installed its SIGTERM trap")
                    time.sleep(0.005)
                rss = vmrss_kib(mon)
                ns_stop, _ = sh(eng.cmd("stop", "-t", "10", cid), env=eng.env)
                ns_rm, _ = sh(eng.cmd("rm", cid), env=eng.env)
                self.leftover_ids.remove((eng, cid))
                if r < self.m["warmup"]:
                    continue
                self.record("detached_run", name, ns_run / 1e6)
                self.record("detached_stop", name, ns_stop / 1e6)
                self.record("detached_rm", name, ns_rm / 1e6)
                self.record("detached_total", name, (ns_run + ns_stop + ns_rm) / 1e6)
                if rss is not None:
                    self.record("monitor_rss", name, rss / 1024)

    def pull_once(self, name, r):
        d = os.path.join(self.work, "pull", f"{name}-{r}")
        os.makedirs(d)
        try:
            if name == "brig":
                env = self.brig.env
                sh(self.brig.cmd("images", root=d), env=env)  # an initialised, empty store
                ns, _ = sh(self.brig.cmd("pull", "-q", "--tls-verify=false", IMAGE_REF, root=d), env=env)
                cpu = LAST_CPU_MS
                _, out = sh(self.brig.cmd("images", root=d), env=env)
            elif name == "podman":
                p = self.podmen["podman-cni"]
                g = ["--root", f"{d}/storage", "--runroot", f"/run/pull-{r}", "--tmpdir", f"{d}/tmp"]
                sh(p.cmd(*g, "images"), env=p.env)
                ns, _ = sh(p.cmd(*g, "pull", "-q", "--tls-verify=false", IMAGE_REF), env=p.env)
                cpu = LAST_CPU_MS
                _, out = sh(p.cmd(*g, "images"), env=p.env)
            else:
                ns, _ = sh(["skopeo", "--insecure-policy", "copy", "-q", "--src-tls-verify=false",
                            f"docker://{IMAGE_REF}", f"oci:{d}/layout:1"], env=ENV_BASE)
                cpu = LAST_CPU_MS
                out = "bench/multi" if os.path.exists(f"{d}/layout/index.json") else ""
            if "bench/multi" not in out:
                raise BenchError(f"{name}: the pulled image is not in the store:\n{out}")
            return ns, cpu
        finally:
            remove_tree(d)
            remove_tree(f"/run/pull-{r}")

    def phase_pull(self):
        engines = ["brig", "podman", "skopeo"]
        total = self.m["pull_warmup"] + self.m["pull"]
        log(f"engine-bench: cold pulls: {self.m['pull_warmup']} warm-up + {self.m['pull']} rounds")
        for r in range(total):
            order = engines[:]
            self.rng.shuffle(order)
            for name in order:
                ns, cpu = self.pull_once(name, r)
                if r >= self.m["pull_warmup"]:
                    self.record("pull", name, ns / 1e9)
                    self.record("pull_cpu", name, cpu / 1e3)

    def cleanup(self):
        for eng, cid in self.leftover_ids:
            subprocess.run(eng.cmd("rm", "-f", cid), env=eng.env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
        self.leftover_ids = []
        for p in self.podmen.values():
            subprocess.run(p.cmd("rm", "-a", "-f"), env=p.env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
        if self.registry and self.registry.poll() is None:
            self.registry.kill()
            self.registry.wait()
        for d in ("brig", "podman-cni", "podman-netavark", "pull"):
            remove_tree(os.path.join(self.work, d))

    # ---- report ----

    ROWS = [
        ("pull", "cold pull, 7-layer image", "s", ["brig", "podman", "skopeo"]),
        ("pull_cpu", "CPU time of the cold pull (user+sys)", "s", ["brig", "podman", "skopeo"]),
        ("run_none", "`run --rm busybox true`, --network none", "ms", ["brig", "podman-cni", "podman-netavark"]),
        ("run_bridge", "`run --rm busybox true`, default bridge", "ms", ["brig", "podman-cni", "podman-netavark"]),
        ("run_bridge_busy", "`run --rm busybox true`, default bridge, another container on it", "ms",
         ["brig", "podman-cni", "podman-netavark"]),
        ("detached_run", "`run -d` (detached, --network none)", "ms", ["brig", "podman"]),
        ("detached_stop", "`stop -t 10` (exits on SIGTERM)", "ms", ["brig", "podman"]),
        ("detached_rm", "`rm`", "ms", ["brig", "podman"]),
        ("detached_total", "run -d + stop + rm", "ms", ["brig", "podman"]),
        ("monitor_rss", "RSS of brig-monitor / conmon", "MiB", ["brig", "podman"]),
    ]

    def report(self, elapsed, loads):
        rows = []
        out = {}
        for key, label, unit, engines in self.ROWS:
            out[key] = {"label": label, "unit": unit, "engines": {}}
            for e in engines:
                s = summary(self.results.get(key, {}).get(e, []))
                if s:
                    out[key]["engines"][e] = s
                    rows.append((label, unit, e, s))
        netsetup = {}
        for e in ("brig", "podman-cni", "podman-netavark"):
            b = out["run_bridge"]["engines"].get(e)
            n = out["run_none"]["engines"].get(e)
            bb = out.get("run_bridge_busy", {}).get("engines", {}).get(e)
            if b and n:
                netsetup[e] = {"median_ms": b["median"] - n["median"], "min_ms": b["min"] - n["min"]}
                if bb:
                    netsetup[e].update(busy_median_ms=bb["median"] - n["median"], busy_min_ms=bb["min"] - n["min"])
        doc = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": self.a.command, "mode": self.mode, "rounds": self.m, "seed": self.a.seed,
            "source": self.a.source, "host": {"cpus": os.cpu_count(), "kernel": platform.release(),
                                              "loadavg_start": loads[0], "loadavg_end": loads[1]},
            "elapsed_s": elapsed, "image": self.image, "versions": self.versions(),
            "results": out, "network_setup": netsetup,
        }
        return doc, table(rows)


def render_doc(doc, tbl):
    img = doc["image"]
    v = doc["versions"]
    lines = [
        f"Made on {doc['date']} by",
        "",
        "```sh",
        doc["command"],
        "```",
        "",
        f"Mode `{doc['mode']}`: rounds {json.dumps(doc['rounds'])}, seed {doc['seed']}. "
        f"Host: {doc['host']['cpus']} CPUs, Linux {doc['host']['kernel']}, load average "
        f"{doc['host']['loadavg_start']} at the start and {doc['host']['loadavg_end']} at the end. "
        f"Measuring took {doc['elapsed_s']:.0f} s.",
        "",
        f"Test image: {img['layers']} gzip layers, {img['files']} files, "
        f"{img['unpacked_bytes'] / 2**20:.1f} MiB unpacked, {img['compressed_bytes'] / 2**20:.1f} MiB "
        "compressed, served by docker-registry on 127.0.0.1.",
        "",
        tbl,
        "",
    ]
    lines += ["Network setup per container: the `run --rm` time on the default bridge minus the time "
              "with `--network none`, medians (minimums in brackets):", "",
              "| Engine | default bridge, no other container | default bridge, another container on it |",
              "|---|---:|---:|"]
    for e, n in doc["network_setup"].items():
        busy = (f"{n['busy_median_ms']:.1f} ms ({n['busy_min_ms']:.1f} ms)" if "busy_median_ms" in n else "-")
        lines.append(f"| {e} | {n['median_ms']:.1f} ms ({n['min_ms']:.1f} ms) | {busy} |")
    lines += ["", "Versions:", ""]
    for k, val in v.items():
        lines.append(f"- {k}: {val}")
    lines += ["", f"Source: {doc['source']}. Raw samples: `bench/results/engine-latest.json`."]
    return "\n".join(lines)


BEGIN = "<!-- engine-bench:begin (written by bench/engine.sh; edit outside these markers) -->"
END = "<!-- engine-bench:end -->"


def write_doc(path, block):
    with open(path) as f:
        text = f.read()
    i, j = text.find("<!-- engine-bench:begin"), text.find(END)
    if i >= 0 and j > i:
        text = text[:i] + BEGIN + "\n" + block + "\n" + text[j:]
    else:
        text = text.rstrip("\n") + "\n\n### Engine: latest results\n\n" + BEGIN + "\n" + block + "\n" + END + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--busybox", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--cgroup", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--command", default="./bench/engine.sh")
    ap.add_argument("--source", default="unknown")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--phases", default="run,neighbour,detached,pull")
    a = ap.parse_args()
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1 << 31)
    if not a.cgroup.startswith("/"):
        raise SystemExit("engine-bench: --cgroup must be absolute")

    b = Bench(a)
    rc = 0
    try:
        b.setup()
        loads = [os.getloadavg()[0]]
        t0 = time.monotonic()
        for ph in a.phases.split(","):
            t = time.monotonic()
            getattr(b, f"phase_{ph}")()
            log(f"engine-bench: phase {ph} took {time.monotonic() - t:.0f} s")
        elapsed = time.monotonic() - t0
        loads.append(os.getloadavg()[0])
        loads = [round(x, 2) for x in loads]
        doc, tbl = b.report(elapsed, loads)
        print(tbl)
        print()
        for e, n in doc["network_setup"].items():
            extra = (f"; beside another container: {n['busy_median_ms']:.1f} ms "
                     f"({n['busy_min_ms']:.1f} ms)" if "busy_median_ms" in n else "")
            print(f"network setup per container ({e}), bridge minus none: median {n['median_ms']:.1f} ms, "
                  f"minimums {n['min_ms']:.1f} ms{extra}")
        os.makedirs(os.path.dirname(a.json), exist_ok=True)
        with open(a.json + ".tmp", "w") as f:
            json.dump(doc, f, indent=1)
        os.replace(a.json + ".tmp", a.json)
        log(f"engine-bench: wrote {a.json}")
        if a.doc:
            write_doc(a.doc, render_doc(doc, tbl))
            log(f"engine-bench: wrote the engine section of {a.doc}")
    except (BenchError, subprocess.TimeoutExpired) as e:
        log(f"engine-bench: FAILED: {e}")
        rc = 1
    except KeyboardInterrupt:
        log("engine-bench: interrupted")
        rc = 130
    finally:
        b.cleanup()
    return rc


if __name__ == "__main__":
    sys.exit(main())
