#!/usr/bin/env python3
"""`brig build` against buildah (bud --layers) and docker 20.10's BuildKit.

Started by bench/build.sh as a child of pid 1 of new mount, network and pid
namespaces (private /run, /dev/shm, /var/lib and /etc/docker overlays, loopback
up). Do not run it directly: build.sh sets that up and sweeps up after.

Every timing is one build command, from just before it is spawned to just after
it is reaped (perf_counter_ns). Each round runs every (builder, task) pair once,
in a fresh random order (seeded). A task is either the multi-stage sequence
(cold build, fully cached rebuild, rebuild after one source file changed) or the
5,000-file COPY (cold). Before every task the builder is reset, untimed, to its
base image only: no other image and an empty build cache. Nothing asserts on a
time; a failing build stops the bench.

Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time

MODES = {
    "full": dict(warmup=1, rounds=7),
    "quick": dict(warmup=0, rounds=2),
}
ENV_BASE = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root", "LANG": "C.UTF-8"}
BASE_REF = "docker.io/library/busybox:latest"
DOCKER_CLI = "/usr/bin/docker"  # the client of dockerd's package (a newer one may be in PATH)
CMD_TIMEOUT = 600
SLOW_NS = 20_000_000_000  # commands slower than this are logged
T_CTX = 1600000000  # the mtime of every generated context file
TAGS = {"multi": "bench-multi:latest", "many": "bench-many:latest"}
N_SRC = 50           # source files of the multi-stage context
MANY_DIRS, MANY_PER_DIR, MANY_SIZE = 50, 100, 1024
CHANGED_FILE = "src/mod2/file07.c"

MULTI_DOCKERFILE = """\
# The bench's multi-stage build: two stages, RUNs and COPYs in each, one COPY --from.
FROM busybox AS build
WORKDIR /work
COPY deps.txt ./
RUN mkdir -p /out && sort deps.txt > /out/deps.sorted && wc -l < deps.txt > /out/deps.count
COPY src/ ./src/
RUN find src -type f -name '*.c' | sort | xargs cat | md5sum > /out/src.md5
RUN tar -cf /out/src.tar src && wc -c < /out/src.tar > /out/src.size

FROM busybox
COPY config/ /etc/app/
RUN mkdir -p /home/app /opt/app && echo 'app:x:1000:1000::/home/app:/bin/sh' >> /etc/passwd
COPY --from=build /out/ /opt/app/
RUN ls -l /opt/app > /opt/app/listing && cat /opt/app/src.md5 /opt/app/src.size
CMD ["cat", "/opt/app/src.md5"]
"""

MANY_DOCKERFILE = """\
# The bench's COPY of 5,000 small files.
FROM busybox
COPY files/ /data/
"""

ROWS = [
    # key, label, target ratio (brig median / faster peer's median) or None
    ("cold", "cold multi-stage build (empty cache)", 0.7),
    ("cached", "fully cached rebuild", 0.3),
    ("one_file", "rebuild after one of ~50 source files changed", 0.5),
    ("copy5000", "COPY of 5,000 files of 1 KiB (empty cache)", None),
]


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(argv, env=None, timeout=CMD_TIMEOUT, check=True):
    """-> (elapsed ns, stdout text). Raises BenchError on a non-zero exit when check."""
    t0 = time.perf_counter_ns()
    p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    t1 = time.perf_counter_ns()
    if t1 - t0 > SLOW_NS:
        log(f"build-bench: slow: {(t1 - t0) / 1e9:.1f} s: {' '.join(argv)}")
    if check and p.returncode != 0:
        raise BenchError(f"{' '.join(argv)}: exit {p.returncode}: "
                         f"{(p.stderr.decode(errors='replace') + p.stdout.decode(errors='replace')).strip()[-2000:]}")
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


def read_id(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


# ---------------------------------------------------------------------------
# Contexts
# ---------------------------------------------------------------------------

def write_file(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(data)
    os.utime(path, (T_CTX, T_CTX))


def fake_source(rng, name, size):
    """C-looking text of about size bytes."""
    lines = [f"/* {name}: generated by bench/build_bench.py */", "#include <stdio.h>", ""]
    n = 0
    while sum(len(x) + 1 for x in lines) < size:
        a, b = rng.randrange(1000), rng.randrange(1000)
        lines.append(f"int f{n}(int x) {{ return x * {a} + {b}; }}  /* {rng.getrandbits(64):016x} */")
        n += 1
    return "\n".join(lines) + "\n"


def make_multi_context(d, rng):
    write_file(os.path.join(d, "Dockerfile"), MULTI_DOCKERFILE)
    write_file(os.path.join(d, "deps.txt"),
               "".join(f"lib{rng.randrange(10**6):06d}=={rng.randrange(10)}.{rng.randrange(30)}\n"
                       for _ in range(200)))
    for i in range(N_SRC):
        name = f"src/mod{i // 10}/file{i % 10:02d}.c"
        write_file(os.path.join(d, name), fake_source(rng, name, 1500 + rng.randrange(2000)))
    write_file(os.path.join(d, "config/app.conf"), "listen = 8080\nworkers = 4\n")
    write_file(os.path.join(d, "config/logging.conf"), "level = info\nformat = json\n")
    write_file(os.path.join(d, "config/env"), "APP_MODE=production\n")
    for root, dirs, _ in os.walk(d):
        for x in dirs:
            os.utime(os.path.join(root, x), (T_CTX, T_CTX))
    os.utime(d, (T_CTX, T_CTX))


def make_many_context(d, rng):
    write_file(os.path.join(d, "Dockerfile"), MANY_DOCKERFILE)
    for i in range(MANY_DIRS):
        for j in range(MANY_PER_DIR):
            body = rng.randbytes(MANY_SIZE // 2 - 1).hex() + "\n"  # MANY_SIZE - 1 bytes
            write_file(os.path.join(d, f"files/d{i:02d}/f{j:03d}.txt"), body)
    for root, dirs, _ in os.walk(d):
        for x in dirs:
            os.utime(os.path.join(root, x), (T_CTX, T_CTX))
    os.utime(d, (T_CTX, T_CTX))


# ---------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------

class Brig:
    name = "brig"

    def __init__(self, bindir, work, cgroup):
        self.bin = os.path.join(bindir, "brig")
        self.root = os.path.join(work, "brig")
        self.cgroup = cgroup
        self.env = dict(ENV_BASE)
        self.reset_how = None

    def cmd(self, *args):
        return [self.bin, "--root", self.root, *args]

    def setup(self, busybox):
        sh(self.cmd("load", "-q", "-i", busybox), env=self.env)
        _, out = sh(self.cmd("images", "--format", "{{.Repository}}:{{.Tag}}"), env=self.env)
        if "busybox:latest" not in out:
            raise BenchError(f"brig: busybox:latest not in the store after load:\n{out}")
        _, help_text = sh(self.cmd("image", "prune", "--help"), env=self.env, check=False)
        if "--build-cache" in help_text:
            self.reset_how = "prune"
        else:
            self.reset_how = "rm"

    def build_args(self, df, ctx, tag, iidfile):
        return self.cmd("build", "--network", "none", "--cgroup-parent", self.cgroup, "-q",
                        "-t", tag, "-f", df, "--iidfile", iidfile, ctx)

    def reset(self):
        """Only busybox left: the bench's images removed, then (with `image prune
        --build-cache`) every dangling image, the build cache, the cache mounts and every
        blob and layer no image uses; without it, the build-cache and build-mounts dirs."""
        sh(self.cmd("rmi", "-f", *TAGS.values()), env=self.env, check=False)
        if self.reset_how == "prune":
            sh(self.cmd("image", "prune", "--build-cache", "-f"), env=self.env)
        else:
            sh(self.cmd("image", "prune", "-f"), env=self.env, check=False)
            for d in ("build-cache", "build-mounts"):
                remove_tree(os.path.join(self.root, d))

    def images(self):
        _, out = sh(self.cmd("images", "-q", "--no-trunc"), env=self.env)
        return out.split()

    def version(self):
        return first_line([self.bin, "version"])


class Buildah:
    name = "buildah"

    def __init__(self, work, cgroup, driver):
        self.dir = os.path.join(work, "buildah")
        self.cgroup = cgroup
        self.driver = driver
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        conf = os.path.join(self.dir, "containers.conf")
        # The machine's hard limits are below buildah's defaults, and root here lacks
        # CAP_SYS_RESOURCE: RUN would fail to raise them.
        with open(conf, "w") as f:
            f.write(f"""[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{self.dir}/events.log"
tmp_dir = "{self.dir}/tmp"
image_copy_tmp_dir = "{self.dir}/tmp"
""")
        storage = os.path.join(self.dir, "storage.conf")
        with open(storage, "w") as f:
            f.write(f"""[storage]
driver = "{driver}"
graphroot = "{self.dir}/storage"
runroot = "/run/bench-buildah"
""")
        registries = os.path.join(self.dir, "registries.conf")
        with open(registries, "w") as f:
            f.write("unqualified-search-registries = []\n")
        self.env = dict(ENV_BASE, CONTAINERS_CONF=conf, CONTAINERS_STORAGE_CONF=storage,
                        CONTAINERS_REGISTRIES_CONF=registries, BUILDAH_ISOLATION="oci")
        self.base_id = None

    def cmd(self, *args):
        return ["buildah", "--root", os.path.join(self.dir, "storage"), "--runroot", "/run/bench-buildah",
                "--storage-driver", self.driver, *args]

    def setup(self, busybox):
        _, out = sh(self.cmd("pull", "-q", f"oci-archive:{busybox}"), env=self.env)
        self.base_id = out.strip().splitlines()[-1]
        sh(self.cmd("tag", self.base_id, BASE_REF), env=self.env)

    def build_args(self, df, ctx, tag, iidfile):
        return self.cmd("bud", "--layers", "--network", "none", "--cgroup-parent", self.cgroup, "-q",
                        "-t", tag, "-f", df, "--iidfile", iidfile, ctx)

    def images(self):
        _, out = sh(self.cmd("images", "-a", "-q", "--no-trunc"), env=self.env)
        return [x.split(":", 1)[-1] for x in out.split()]

    def reset(self):
        """Every image but the base (the cached layers of --layers are intermediate
        images) and any working container left."""
        sh(self.cmd("rm", "-a"), env=self.env, check=False)
        base = self.base_id.split(":", 1)[-1]
        for _ in range(3):
            others = [i for i in self.images() if not base.startswith(i) and not i.startswith(base)]
            if not others:
                return
            sh(self.cmd("rmi", "-f", *others), env=self.env, check=False)
        raise BenchError(f"buildah: images left after the reset: {self.images()}")

    def version(self):
        return first_line(["buildah", "--version"]) + f" (storage driver {self.driver}, isolation oci: runc)"


class Docker:
    name = "docker"

    def __init__(self, work, cgroup):
        self.dir = os.path.join(work, "docker")
        self.cgroup = cgroup
        self.sock = f"unix://{self.dir}/docker.sock"
        self.env = dict(ENV_BASE, DOCKER_HOST=self.sock, DOCKER_CONFIG=os.path.join(self.dir, "cli"),
                        DOCKER_BUILDKIT="1")
        self.proc = None

    def cmd(self, *args):
        return [DOCKER_CLI, *args]

    def start(self):
        for d in ("data", "exec", "cli"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        with open(os.path.join(self.dir, "cli", "config.json"), "w") as f:
            f.write("{}\n")
        # Small default ulimits: the machine's hard limits are below dockerd's defaults.
        with open(os.path.join(self.dir, "daemon.json"), "w") as f:
            json.dump({"features": {"buildkit": True},
                       "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 1024, "Soft": 1024},
                                           "nproc": {"Name": "nproc", "Hard": 4096, "Soft": 4096}}}, f)
        logf = open(os.path.join(self.dir, "dockerd.log"), "wb")
        self.proc = subprocess.Popen(
            ["dockerd", "--config-file", os.path.join(self.dir, "daemon.json"),
             "--data-root", os.path.join(self.dir, "data"), "--exec-root", os.path.join(self.dir, "exec"),
             "--pidfile", os.path.join(self.dir, "docker.pid"), "-H", self.sock,
             "--iptables=false", "--ip-forward=false", "--ip-masq=false", "--bridge=none",
             "--userland-proxy=false", "--cgroup-parent", self.cgroup,
             "--exec-opt", "native.cgroupdriver=cgroupfs"],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, env=ENV_BASE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"dockerd exited ({self.proc.returncode}): {self.log_tail()}")
            p = subprocess.run(self.cmd("version"), env=self.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=30)
            if p.returncode == 0:
                return
            time.sleep(0.2)
        raise BenchError(f"dockerd did not answer within 60 s: {self.log_tail()}")

    def log_tail(self):
        try:
            with open(os.path.join(self.dir, "dockerd.log"), errors="replace") as f:
                return " | ".join(f.read().strip().splitlines()[-5:])
        except OSError:
            return "?"

    def setup(self, busybox, brig):
        self.start()
        archive = os.path.join(self.dir, "busybox-docker.tar")
        sh(brig.cmd("save", "-o", archive, "busybox:latest"), env=brig.env)
        sh(self.cmd("load", "-q", "-i", archive), env=self.env)
        os.unlink(archive)
        sh(self.cmd("image", "inspect", BASE_REF), env=self.env)

    def build_args(self, df, ctx, tag, iidfile):
        return self.cmd("build", "--network", "none", "-q", "-t", tag, "-f", df, "--iidfile", iidfile, ctx)

    def reset(self):
        """The bench's images, every dangling image and the whole BuildKit cache (step
        results and the context snapshots it keeps between builds)."""
        sh(self.cmd("rmi", "-f", *TAGS.values()), env=self.env, check=False)
        sh(self.cmd("image", "prune", "-f"), env=self.env)
        sh(self.cmd("builder", "prune", "-af"), env=self.env)

    def images(self):
        _, out = sh(self.cmd("images", "-a", "-q", "--no-trunc"), env=self.env)
        return out.split()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def version(self):
        srv = first_line(self.cmd("version", "--format", "{{.Server.Version}}"), env=self.env)
        return (f"dockerd {srv}, BuildKit (`DOCKER_BUILDKIT=1`), client "
                + first_line(self.cmd("--version"), env=self.env))


# ---------------------------------------------------------------------------
# Statistics and output
# ---------------------------------------------------------------------------

def summary(samples):
    if not samples:
        return None
    return {"n": len(samples), "min": min(samples), "median": statistics.median(samples),
            "max": max(samples), "samples": samples}


def cell(s):
    if not s:
        return "-"
    return f"{s['median']:.2f} ({s['min']:.2f}-{s['max']:.2f})"


def md_table(head, body, right):
    w = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]

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
        self.notes = []
        self.cache_checks = {}  # builder -> list of {"cached_same_id": bool, "one_file_new_id": bool}
        self.brig = Brig(a.bin, self.work, f"{a.cgroup}/brig")
        self.buildah = Buildah(self.work, f"{a.cgroup}/buildah", a.buildah_driver)
        self.docker = None
        self.docker_status = "not used (--no-docker)" if a.no_docker else None
        self.builders = []
        self.ctx = {}

    def record(self, key, builder, value):
        self.results.setdefault(key, {}).setdefault(builder, []).append(value)

    # ---- setup ----

    def setup(self):
        rng = random.Random(1234)  # the contexts are the same in every run
        t0 = time.monotonic()
        for b in ("brig", "buildah", "docker"):
            make_multi_context(os.path.join(self.work, "ctx", f"multi-{b}"), rng=random.Random(1234))
        make_many_context(os.path.join(self.work, "ctx", "many"), rng)
        log(f"build-bench: contexts written ({time.monotonic() - t0:.1f} s)")

        log("build-bench: brig: loading busybox")
        self.brig.setup(self.a.busybox)
        self.builders.append(self.brig)
        if self.brig.reset_how != "prune":
            self.notes.append("brig has no `image prune --build-cache`: a cold round deletes its "
                              "build-cache and build-mounts directories, so the layers of earlier "
                              "builds stay in the store (which favours brig a little).")
        log(f"build-bench: buildah: pulling busybox from the OCI archive (storage driver {self.buildah.driver})")
        self.buildah.setup(self.a.busybox)
        self.builders.append(self.buildah)
        if not self.a.no_docker:
            log("build-bench: docker: starting a private dockerd")
            d = Docker(self.work, f"{self.a.cgroup}/docker")
            try:
                if not shutil.which("dockerd") or not os.access(DOCKER_CLI, os.X_OK):
                    raise BenchError("docker.io is not installed (scripts/deps.sh)")
                d.setup(self.a.busybox, self.brig)
                self.docker = d
                self.builders.append(d)
                self.docker_status = "ok"
            except (BenchError, subprocess.TimeoutExpired, OSError) as e:
                d.stop()
                self.docker_status = f"not run: {e}"
                log(f"build-bench: docker: {self.docker_status}; buildah only")
        # Untimed priming: each builder builds both contexts once (page cache, first-use
        # costs of the daemons), which also shows that it can build them at all.
        for b in list(self.builders):
            t = time.monotonic()
            try:
                for ctx, tag in ((f"multi-{b.name}", TAGS["multi"]), ("many", TAGS["many"])):
                    d = os.path.join(self.work, "ctx", ctx)
                    sh(b.build_args(os.path.join(d, "Dockerfile"), d, tag,
                                    os.path.join(self.work, f"prime-{b.name}.iid")), env=b.env)
            except (BenchError, subprocess.TimeoutExpired) as e:
                if b is not self.docker:
                    raise
                self.docker_status = f"not run: the first build failed: {e}"
                log(f"build-bench: docker: {self.docker_status}; buildah only")
                self.builders.remove(b)
                self.docker.stop()
                self.docker = None
                continue
            b.reset()
            log(f"build-bench: {b.name}: priming builds and reset took {time.monotonic() - t:.1f} s")
        left = self.brig.images()
        if len(left) != 1:
            raise BenchError(f"brig: after a reset the store holds {len(left)} images, not 1 (busybox)")

    def versions(self):
        v = {"brig": self.brig.version(), "buildah": self.buildah.version()}
        if self.docker:
            v["docker"] = self.docker.version()
        v["runc"] = first_line(["runc", "--version"])
        v["containerd"] = first_line(["containerd", "--version"])
        return v

    # ---- tasks ----

    def build(self, b, ctx, tag, iid):
        df = os.path.join(ctx, "Dockerfile")
        if os.path.exists(iid):
            os.unlink(iid)
        ns, _ = sh(b.build_args(df, ctx, tag, iid), env=b.env)
        image_id = read_id(iid)
        if not image_id:
            raise BenchError(f"{b.name}: the build wrote no image id to {iid}")
        return ns / 1e9, image_id

    def task_multi(self, b, rnd, keep):
        ctx = os.path.join(self.work, "ctx", f"multi-{b.name}")
        iid = os.path.join(self.work, f"{b.name}.iid")
        b.reset()
        t_cold, id_cold = self.build(b, ctx, TAGS["multi"], iid)
        t_cached, id_cached = self.build(b, ctx, TAGS["multi"], iid)
        path = os.path.join(ctx, CHANGED_FILE)
        with open(path, "a") as f:
            f.write(f"int changed_in_round_{rnd}(void) {{ return {rnd}; }}\n")
        t_one, id_one = self.build(b, ctx, TAGS["multi"], iid)
        check = {"cached_same_id": id_cached == id_cold, "one_file_new_id": id_one != id_cached}
        if not all(check.values()):
            log(f"build-bench: {b.name}: image ids: cold {id_cold}, cached {id_cached}, "
                f"one file {id_one}")
        log(f"build-bench:   {b.name:7} cold {t_cold:6.2f} s  cached {t_cached:6.2f} s  "
            f"one file {t_one:6.2f} s" + ("" if keep else "  (warm-up)"))
        if keep:
            self.record("cold", b.name, t_cold)
            self.record("cached", b.name, t_cached)
            self.record("one_file", b.name, t_one)
            self.cache_checks.setdefault(b.name, []).append(check)

    def task_many(self, b, rnd, keep):
        ctx = os.path.join(self.work, "ctx", "many")
        b.reset()
        t, _ = self.build(b, ctx, TAGS["many"], os.path.join(self.work, f"{b.name}.iid"))
        log(f"build-bench:   {b.name:7} COPY 5000 {t:6.2f} s" + ("" if keep else "  (warm-up)"))
        if keep:
            self.record("copy5000", b.name, t)

    def run(self):
        total = self.m["warmup"] + self.m["rounds"]
        names = [b.name for b in self.builders]
        log(f"build-bench: {self.m['warmup']} warm-up + {self.m['rounds']} rounds x {len(names)} "
            f"builders ({', '.join(names)}) x 2 tasks")
        for r in range(total):
            keep = r >= self.m["warmup"]
            pairs = [(b, t) for b in self.builders for t in ("multi", "many")]
            self.rng.shuffle(pairs)
            log(f"build-bench: round {r + 1}/{total}" + ("" if keep else " (warm-up)") + ": "
                + ", ".join(f"{b.name}/{t}" for b, t in pairs))
            for b, t in pairs:
                getattr(self, f"task_{t}")(b, r, keep)

    def cleanup(self):
        if self.docker:
            self.docker.stop()
        for d in ("brig", "buildah", "docker", "ctx"):
            remove_tree(os.path.join(self.work, d))

    # ---- report ----

    def report(self, elapsed, loads):
        peers = [b.name for b in self.builders if b.name != "brig"]
        out = {}
        for key, label, target in ROWS:
            row = {"label": label, "unit": "s", "target": target, "builders": {}}
            for name in ["brig", "buildah", "docker"]:
                s = summary(self.results.get(key, {}).get(name, []))
                if s:
                    row["builders"][name] = s
            br = row["builders"].get("brig")
            pm = [(row["builders"][p]["median"], p) for p in peers if p in row["builders"]]
            if br and pm:
                fastest, who = min(pm)
                row["ratio"] = br["median"] / fastest
                row["faster_peer"] = who
                if target is not None:
                    row["target_met"] = row["ratio"] <= target
            out[key] = row
        doc = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": self.a.command, "mode": self.mode, "rounds": self.m, "seed": self.a.seed,
            "source": self.a.source, "binaries": self.a.bin_origin,
            "host": {"cpus": os.cpu_count(), "kernel": platform.release(),
                     "loadavg_start": loads[0], "loadavg_end": loads[1]},
            "elapsed_s": elapsed, "builders": [b.name for b in self.builders],
            "docker": self.docker_status, "brig_reset": self.brig.reset_how,
            "buildah_storage_driver": self.buildah.driver,
            "contexts": {"multi": {"source_files": N_SRC, "changed_file": CHANGED_FILE,
                                   "dockerfile": MULTI_DOCKERFILE},
                         "many": {"files": MANY_DIRS * MANY_PER_DIR, "dirs": MANY_DIRS,
                                  "file_bytes": MANY_SIZE, "dockerfile": MANY_DOCKERFILE}},
            "cache_checks": self.cache_checks, "note": self.a.note, "notes": self.notes,
            "versions": self.versions(), "results": out,
        }
        return doc


def tables(doc):
    """-> (the results table, the targets lines) as markdown."""
    cols = ["brig", "buildah", "docker"]
    head = ["Row", *(f"{c} s" for c in cols), "brig / faster peer", "target"]
    body = []
    for key, label, target in ROWS:
        row = doc["results"][key]
        cells = []
        for c in cols:
            if c in row["builders"]:
                cells.append(cell(row["builders"][c]))
            elif c == "docker" and doc["docker"] != "ok":
                cells.append("not run")
            else:
                cells.append("-")
        ratio = f"{row['ratio']:.2f}x ({row['faster_peer']})" if "ratio" in row else "-"
        if target is None:
            tgt = "-"
        elif "target_met" in row:
            tgt = f"<= {target}x: {'met' if row['target_met'] else 'MISSED'}"
        else:
            tgt = f"<= {target}x"
        body.append([label, *cells, ratio, tgt])
    return md_table(head, body, right={1, 2, 3, 4})


def render_doc(doc, tbl):
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
        f"Measuring took {doc['elapsed_s']:.0f} s. Wall seconds: median (min-max) of the rounds.",
        "",
    ]
    if doc.get("note"):
        lines += [f"**Note:** {doc['note']}", ""]
    lines += [
        tbl,
        "",
    ]
    if doc["docker"] != "ok":
        lines += [f"docker: {doc['docker']}", ""]
    bad = {b: [c for c in cs if not all(c.values())] for b, cs in doc["cache_checks"].items()}
    bad = {b: cs for b, cs in bad.items() if cs}
    if bad:
        lines += ["Cache checks that failed (the cached rebuild should give the cold build's image id, "
                  "the one-file rebuild a new one): "
                  + "; ".join(f"{b}: {len(cs)} of {len(doc['cache_checks'][b])} rounds" for b, cs in bad.items()), ""]
    else:
        lines += ["In every round and for every builder the cached rebuild gave the cold build's image id "
                  "and the one-file rebuild a new one.", ""]
    for n in doc["notes"]:
        lines += [n, ""]
    lines += ["Versions:", ""]
    for k, val in v.items():
        lines.append(f"- {k}: {val}")
    lines += ["", f"Source: {doc['source']}; binaries from `{doc['binaries']}`. "
              "Raw samples: `bench/results/build-latest.json`."]
    return "\n".join(lines)


BEGIN = "<!-- build-bench:begin (written by bench/build.sh; edit outside these markers) -->"
END = "<!-- build-bench:end -->"


def write_doc(path, block):
    with open(path) as f:
        text = f.read()
    i, j = text.find("<!-- build-bench:begin"), text.find(END)
    if i >= 0 and j > i:
        text = text[:i] + BEGIN + "\n" + block + "\n" + text[j:]
    else:
        text = text.rstrip("\n") + "\n\n### Build: latest results\n\n" + BEGIN + "\n" + block + "\n" + END + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--render", action="store_true",
                    help="only rewrite the block of --doc from --json (no measuring)")
    ap.add_argument("--bin")
    ap.add_argument("--bin-origin", default="")
    ap.add_argument("--busybox")
    ap.add_argument("--workdir")
    ap.add_argument("--cgroup")
    ap.add_argument("--json", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--command", default="./bench/build.sh")
    ap.add_argument("--source", default="unknown")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-docker", action="store_true")
    ap.add_argument("--buildah-driver", default="overlay", choices=["overlay", "vfs"])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--note", default="")
    a = ap.parse_args()
    if a.render:
        if not a.doc:
            raise SystemExit("build-bench: --render needs --doc")
        with open(a.json) as f:
            doc = json.load(f)
        write_doc(a.doc, render_doc(doc, tables(doc)))
        log(f"build-bench: rewrote the build section of {a.doc} from {a.json}")
        return 0
    for opt in ("bin", "busybox", "workdir", "cgroup"):
        if not getattr(a, opt):
            raise SystemExit(f"build-bench: --{opt} is needed (bench/build.sh passes it)")
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1 << 31)
    if not a.cgroup.startswith("/"):
        raise SystemExit("build-bench: --cgroup must be absolute")

    b = Bench(a)
    rc = 0
    try:
        b.setup()
        loads = [os.getloadavg()[0]]
        t0 = time.monotonic()
        b.run()
        elapsed = time.monotonic() - t0
        loads.append(os.getloadavg()[0])
        loads = [round(x, 2) for x in loads]
        doc = b.report(elapsed, loads)
        tbl = tables(doc)
        print(tbl)
        print()
        if doc["docker"] != "ok":
            print(f"docker: {doc['docker']}")
        for key, label, target in ROWS:
            row = doc["results"][key]
            if target is None or "ratio" not in row:
                continue
            print(f"target {label}: brig / {row['faster_peer']} = {row['ratio']:.2f}, "
                  f"target <= {target}: {'met' if row['target_met'] else 'MISSED'}")
        os.makedirs(os.path.dirname(a.json), exist_ok=True)
        with open(a.json + ".tmp", "w") as f:
            json.dump(doc, f, indent=1)
        os.replace(a.json + ".tmp", a.json)
        log(f"build-bench: wrote {a.json}")
        if a.doc:
            write_doc(a.doc, render_doc(doc, tbl))
            log(f"build-bench: wrote the build section of {a.doc}")
    except (BenchError, subprocess.TimeoutExpired) as e:
        log(f"build-bench: FAILED: {e}")
        rc = 1
    except KeyboardInterrupt:
        log("build-bench: interrupted")
        rc = 130
    finally:
        b.cleanup()
    return rc


if __name__ == "__main__":
    sys.exit(main())
