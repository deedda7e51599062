#!/usr/bin/env python3
"""brig-oci against runc and crun, side by side (issue 9).

Started by bench/run.sh inside a private mount namespace (unshare -m) where
/sys/fs/cgroup/unified is unmounted, so every runtime sees the same pure-v1
cgroup layout (crun 1.8.1 refuses the hybrid one). Do not run it directly
unless you have set that up yourself; run.sh also sweeps up after it.

Everything that is timed is one runtime process started with posix_spawn and
reaped with wait4; the clock runs from just before the spawn to just after
the reap. Bundles are written before the clock starts and removed after it
stops. Each round runs every runtime once, in a fresh random order, so slow
spells on this shared machine hit all of them alike. Warm-up rounds are run
and thrown away. Nothing asserts on a time: the script only reports.

Standard library only.
"""

import argparse
import ctypes
import datetime
import gc
import json
import os
import platform
import random
import re
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import time

OCI_VERSION = "1.0.2-dev"  # crun 1.8.1 rejects "1.3.0"; brig-oci and runc take any 1.x
CGROUP_PARENT = "brig-bench"  # containers get linux.cgroupsPath /brig-bench/<id>
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
CLK_TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1

# Rounds per phase. "warmup" rounds of every phase are run and discarded.
MODES = {
    "full": dict(warmup=10, run=400, run_nonet=300, run_disk=100, rss=60, lifecycle=300, exec=400,
                 batch=100, batch_reps=7, parallel=8, strace=5),
    "quick": dict(warmup=3, run=25, run_nonet=25, run_disk=10, rss=10, lifecycle=20, exec=25,
                  batch=30, batch_reps=1, parallel=8, strace=1),
}


class BenchError(Exception):
    pass


class Interrupted(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# The container configuration: runc 1.1.5's `runc spec` (which crun's and
# brig-oci's `spec` match), with the process set to ARGS, no terminal, an
# absolute root and cgroups path, and ociVersion 1.0.2-dev. Every runtime gets
# exactly this JSON; only the cgroups path differs between containers.
# ---------------------------------------------------------------------------

CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]


def make_spec(args, rootfs, cgroups_path, net=True):
    namespaces = [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")
                  if net or t != "network"]
    return {
        "ociVersion": OCI_VERSION,
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": list(args),
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "TERM=xterm"],
            "cwd": "/",
            "capabilities": {k: list(CAPS) for k in ("bounding", "effective", "permitted", "ambient")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": rootfs, "readonly": True},
        "hostname": "bench",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
        ],
        "linux": {
            "cgroupsPath": cgroups_path,
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
            "namespaces": namespaces,
            "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                            "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                              "/proc/sysrq-trigger"],
        },
    }


# ---------------------------------------------------------------------------
# Process plumbing
# ---------------------------------------------------------------------------

def set_child_subreaper():
    """Orphaned container inits (after `create` exits) are re-parented to us,
    so we can wait for them and reap them instead of leaving zombies."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def reap():
    """Reap any exited orphans re-parented to us (never blocks)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class Spawner:
    """Starts one process with stdin/stdout on /dev/null and stderr in a
    scratch file, waits for it with wait4, and times the whole of it."""

    def __init__(self, workdir):
        self.devnull = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)
        self.errpath = os.path.join(workdir, "stderr.txt")
        self.errfd = os.open(self.errpath, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        self.live = set()  # pids started and not yet reaped (killed on interrupt)

    def _actions(self, errfd):
        return [(os.POSIX_SPAWN_DUP2, self.devnull, 0),
                (os.POSIX_SPAWN_DUP2, self.devnull, 1),
                (os.POSIX_SPAWN_DUP2, errfd, 2)]

    def start(self, argv, errfd=None):
        pid = os.posix_spawn(argv[0], argv, ENV, file_actions=self._actions(
            self.errfd if errfd is None else errfd))
        self.live.add(pid)
        return pid

    def wait(self, pid):
        _, status, ru = os.wait4(pid, 0)
        self.live.discard(pid)
        return status, ru

    def run(self, argv):
        """-> (elapsed ns, exit status, CPU ms, stderr text). The CPU time is user + system
        time from wait4: the process and every descendant reaped inside its tree."""
        os.ftruncate(self.errfd, 0)
        os.lseek(self.errfd, 0, os.SEEK_SET)
        t0 = time.perf_counter_ns()
        pid = self.start(argv)
        status, ru = self.wait(pid)
        t1 = time.perf_counter_ns()
        code = os.waitstatus_to_exitcode(status)
        err = ""
        if code != 0:
            os.lseek(self.errfd, 0, os.SEEK_SET)
            err = os.read(self.errfd, 65536).decode(errors="replace")
        return t1 - t0, code, (ru.ru_utime + ru.ru_stime) * 1e3, err

    def check(self, argv):
        """-> (elapsed ns, CPU ms)"""
        ns, code, cpu, err = self.run(argv)
        if code != 0:
            raise BenchError(f"{' '.join(argv)}: exit {code}: {err.strip()}")
        return ns, cpu

    def kill_live(self):
        for pid in list(self.live):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in list(self.live):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            self.live.discard(pid)


def wait_exit(pidfd, what, timeout=10.0):
    p = select.poll()
    p.register(pidfd, select.POLLIN)
    if not p.poll(timeout * 1000):
        raise BenchError(f"{what} did not exit within {timeout:.0f} s")


# ---------------------------------------------------------------------------
# cgroups
# ---------------------------------------------------------------------------

def cgroup_mounts():
    """Mount points of every cgroup hierarchy visible here."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype = right.split()[0]
            if fstype in ("cgroup", "cgroup2"):
                out.append(left.split()[4].replace("\\040", " "))
    return out


def our_cgroups(tag, short=None):
    """Leaf cgroups this run made: <mount>/brig-bench/<short>-<tag>-<n>."""
    pat = re.compile(rf"^{short or '[a-z]+'}-{tag}-\d+$")
    found = []
    for m in cgroup_mounts():
        parent = os.path.join(m, CGROUP_PARENT)
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        for n in names:
            p = os.path.join(parent, n)
            if pat.match(n) and os.path.isdir(p):
                found.append(p)
    return found


def remove_cgroup(path):
    """Kill what is left in one of our own leaf cgroups (processes we started),
    then remove it, children first."""
    try:
        subdirs = [e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return True
    ok = all([remove_cgroup(d) for d in subdirs])
    for _ in range(100):
        try:
            with open(os.path.join(path, "cgroup.procs")) as f:
                pids = [int(x) for x in f.read().split()]
        except OSError:
            pids = []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reap()
        try:
            os.rmdir(path)
            return ok
        except FileNotFoundError:
            return ok
        except OSError:
            time.sleep(0.02)
    return False


def remove_cgroup_parents():
    for m in cgroup_mounts():
        try:
            os.rmdir(os.path.join(m, CGROUP_PARENT))
        except OSError:
            pass  # absent, or still used by another run


# ---------------------------------------------------------------------------
# CPU used by others while we measure (the machine is shared)
# ---------------------------------------------------------------------------

class CpuMeter:
    @staticmethod
    def snap():
        with open("/proc/stat") as f:
            vals = [int(x) for x in f.readline().split()[1:]]
        idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
        busy = (sum(vals[:8]) - idle) / CLK_TCK  # user..steal, guest is inside user
        own = 0.0
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            r = resource.getrusage(who)
            own += r.ru_utime + r.ru_stime
        return time.monotonic(), busy, own

    def __init__(self):
        self.t0, self.busy0, self.own0 = self.snap()

    def result(self):
        t1, busy1, own1 = self.snap()
        wall = max(t1 - self.t0, 1e-9)
        busy = busy1 - self.busy0
        own = own1 - self.own0
        return {
            "wall_s": round(wall, 3),
            "busy_cpu_s": round(busy, 3),
            "own_cpu_s": round(own, 3),
            # share of all CPUs that processes outside this benchmark's tree used
            "others_share": round(max(busy - own, 0.0) / (wall * NCPU), 3),
        }


# ---------------------------------------------------------------------------
# Runtimes and containers
# ---------------------------------------------------------------------------

class Runtime:
    def __init__(self, name, short, path, state_root):
        self.name, self.short, self.path, self.root = name, short, path, state_root

    def cmd(self, *args):
        return [self.path, "--root", self.root, *args]


class Bench:
    def __init__(self, opts, runtimes, disk_runtimes, workdir, tag, rootfs_src):
        self.o = opts
        self.runtimes = runtimes
        # The same runtimes with their state roots on the disk under /run (only
        # when the scratch directory is a tmpfs): one extra row shows that cost.
        self.disk_runtimes = disk_runtimes
        self.work = workdir
        self.tag = tag
        self.rootfs = os.path.join(workdir, "rootfs")
        self.bundles = os.path.join(workdir, "bundles")
        self.sp = Spawner(workdir)
        self.rng = random.Random(opts.seed)
        self.counter = 0
        self.samples = {}      # metric -> runtime name -> [values]
        self.interference = {}
        self.leftovers = {}    # runtime -> {"state": n, "cgroups": n}
        self.syscalls = {}
        self.references = {}
        self.exec_containers = {}
        os.makedirs(self.bundles, exist_ok=True)
        for rt in runtimes + disk_runtimes:
            os.makedirs(rt.root, mode=0o700, exist_ok=True)
            self.leftovers[rt.name] = {"state": 0, "cgroups": 0}
        subprocess.run(["cp", "-a", "--", rootfs_src, self.rootfs], check=True)

    # -- helpers --------------------------------------------------------------

    def order(self, items):
        items = list(items)
        self.rng.shuffle(items)
        return items

    def prepare(self, rt, args=("/bin/true",), net=True):
        """A fresh bundle (config.json only; the root is the shared rootfs copy,
        mounted read-only) and a container id. Not timed."""
        self.counter += 1
        cid = f"{rt.short}-{self.tag}-{self.counter}"
        bundle = os.path.join(self.bundles, cid)
        os.mkdir(bundle)
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(make_spec(args, self.rootfs, f"/{CGROUP_PARENT}/{cid}", net), f)
        return cid, bundle

    def discard(self, rt, cid, bundle):
        """After a container should be gone: make sure it is, count what the
        runtime left behind, and remove the bundle."""
        if os.path.exists(os.path.join(rt.root, cid)):
            self.leftovers[rt.name]["state"] += 1
            self.force_delete(rt, cid)
        shutil.rmtree(bundle, ignore_errors=True)

    def force_delete(self, rt, cid):
        self.sp.run(rt.cmd("kill", cid, "KILL"))
        self.sp.run(rt.cmd("delete", "--force", cid))
        reap()

    def record(self, metric, rt_name, value):
        self.samples.setdefault(metric, {}).setdefault(rt_name, []).append(value)

    def sweep_cgroups(self):
        """Leaf cgroups still present after their containers were deleted."""
        for rt in self.runtimes:
            for p in our_cgroups(self.tag, rt.short):
                self.leftovers[rt.name]["cgroups"] += 1
                remove_cgroup(p)

    def phase(self, name, fn):
        gc.collect()
        log(f"bench: {name} ...")
        meter = CpuMeter()
        t0 = time.monotonic()
        fn()
        reap()
        self.sweep_cgroups()
        self.interference[name] = meter.result()
        log(f"bench: {name} done in {time.monotonic() - t0:.1f} s "
            f"(other processes used {100 * self.interference[name]['others_share']:.0f}% of the CPUs)")

    # -- phases ---------------------------------------------------------------

    def run_phase(self, metric, net, rounds, with_refs=False, runtimes=None, cpu_metric=None):
        runtimes = runtimes or self.runtimes
        refs = []
        if with_refs:
            # Reference floors, not runtimes: the harness's own cost of starting
            # /bin/true, and unshare'd namespaces + chroot + exec with no mounts,
            # no cgroups and no state at all.
            refs = [("host /bin/true", ["/bin/true"]),
                    ("unshare+chroot /bin/true",
                     [shutil.which("unshare") or "/usr/bin/unshare", "--fork", "--pid", "--net", "--ipc",
                      "--uts", "--mount", "--", shutil.which("chroot") or "/usr/sbin/chroot",
                      self.rootfs, "/bin/true"])]
        w = self.o.warmup
        for i in range(w + rounds):
            for entry in self.order(runtimes + refs):
                if isinstance(entry, tuple):
                    ns, cpu = self.sp.check(entry[1])
                    if i >= w:
                        self.references.setdefault((entry[0], "ms"), []).append(ns / 1e6)
                        if cpu_metric:
                            self.references.setdefault((entry[0] + ", CPU time", "ms"), []).append(cpu)
                    continue
                rt = entry
                cid, bundle = self.prepare(rt, net=net)
                ns, cpu = self.sp.check(rt.cmd("run", "--bundle", bundle, cid))
                self.discard(rt, cid, bundle)
                if i >= w:
                    self.record(metric, rt.name, ns / 1e6)
                    if cpu_metric:
                        self.record(cpu_metric, rt.name, cpu)
            self.progress(i, w + rounds)

    def rss_phase(self, rounds):
        """Peak RSS of `run` (default spec), measured by GNU time: a small
        process that forks and execs the runtime and reports ru_maxrss from
        wait4, which is the largest RSS of the runtime process and of every
        descendant reaped inside its tree (its children, the container's init
        and /bin/true). Not measured in the timed rounds, because a child
        spawned by this Python process starts with Python's RSS as its high
        water mark. The floor, GNU time running /bin/true on the host, is
        recorded as a reference."""
        gnu_time = shutil.which("time", path=ENV["PATH"]) or "/usr/bin/time"
        out = os.path.join(self.work, "maxrss.txt")

        def measure(argv):
            self.sp.check([gnu_time, "-f", "%M", "-o", out, "--", *argv])
            with open(out) as f:
                return int(f.read().split()[-1]) / 1024

        w = self.o.warmup
        for i in range(w + rounds):
            for rt in self.order(self.runtimes + [None]):
                if rt is None:
                    mib = measure(["/bin/true"])
                    if i >= w:
                        self.references.setdefault(("GNU time's floor: peak RSS of /bin/true on the host", "MiB"), []).append(mib)
                    continue
                cid, bundle = self.prepare(rt)
                mib = measure(rt.cmd("run", "--bundle", bundle, cid))
                self.discard(rt, cid, bundle)
                if i >= w:
                    self.record("run_peak_rss_mib", rt.name, mib)
            self.progress(i, w + rounds)

    def lifecycle_phase(self, rounds):
        w = self.o.warmup
        for i in range(w + rounds):
            for rt in self.order(self.runtimes):
                cid, bundle = self.prepare(rt)
                pidfile = os.path.join(bundle, "init.pid")
                c_ns, _ = self.sp.check(rt.cmd("create", "--bundle", bundle, "--pid-file", pidfile, cid))
                with open(pidfile) as f:
                    pid = int(f.read().strip())
                pidfd = os.pidfd_open(pid)
                try:
                    s_ns, _ = self.sp.check(rt.cmd("start", cid))
                    # /bin/true runs and exits; reap it (it is re-parented to us)
                    # so that every runtime's delete finds a stopped container.
                    wait_exit(pidfd, f"{rt.name} container {cid}")
                finally:
                    os.close(pidfd)
                reap()
                d_ns, _ = self.sp.check(rt.cmd("delete", cid))
                self.discard(rt, cid, bundle)
                if i >= w:
                    self.record("create_ms", rt.name, c_ns / 1e6)
                    self.record("start_ms", rt.name, s_ns / 1e6)
                    self.record("delete_ms", rt.name, d_ns / 1e6)
            self.progress(i, w + rounds)

    def exec_phase(self, rounds):
        for rt in self.runtimes:
            cid, bundle = self.prepare(rt, args=("sleep", "1000000"))
            self.exec_containers[rt.name] = (rt, cid, bundle)
            self.sp.check(rt.cmd("run", "--detach", "--bundle", bundle, cid))
        try:
            w = self.o.warmup
            for i in range(w + rounds):
                for rt in self.order(self.runtimes):
                    cid = self.exec_containers[rt.name][1]
                    ns, cpu = self.sp.check(rt.cmd("exec", cid, "/bin/true"))
                    if i >= w:
                        self.record("exec_ms", rt.name, ns / 1e6)
                        self.record("exec_cpu_ms", rt.name, cpu)
                self.progress(i, w + rounds)
        finally:
            self.stop_exec_containers()

    def stop_exec_containers(self):
        for name, (rt, cid, bundle) in list(self.exec_containers.items()):
            self.force_delete(rt, cid)
            time.sleep(0.01)
            reap()
            self.discard(rt, cid, bundle)
            del self.exec_containers[name]

    def batch(self, rt, n, jobs):
        """Wall time of N `run`s of /bin/true, JOBS at a time."""
        prepared = [self.prepare(rt) for _ in range(n)]
        errfds = [os.open(os.path.join(b, "stderr.txt"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                  for _, b in prepared]
        inflight = {}
        failed = []
        try:
            nxt = 0
            t0 = time.perf_counter_ns()
            while nxt < n or inflight:
                while nxt < n and len(inflight) < jobs:
                    cid, bundle = prepared[nxt]
                    pid = self.sp.start(rt.cmd("run", "--bundle", bundle, cid), errfds[nxt])
                    inflight[pid] = nxt
                    nxt += 1
                pid, status, _ = os.wait4(-1, 0)
                idx = inflight.pop(pid, None)
                if idx is None:
                    continue  # an orphan re-parented to us
                self.sp.live.discard(pid)
                if os.waitstatus_to_exitcode(status) != 0:
                    failed.append(idx)
            t1 = time.perf_counter_ns()
            if failed:
                i = failed[0]
                os.lseek(errfds[i], 0, os.SEEK_SET)
                err = os.read(errfds[i], 65536).decode(errors="replace").strip()
                raise BenchError(f"{rt.name} run {prepared[i][0]} in a batch failed "
                                 f"({len(failed)} of {n} failed): {err}")
        finally:
            for pid in inflight:  # only when interrupted: our own runtime processes
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for pid in inflight:
                self.sp.wait(pid)
            for fd in errfds:
                os.close(fd)
            for cid, bundle in prepared:
                self.discard(rt, cid, bundle)
        return (t1 - t0) / 1e9

    def batch_phase(self, n, reps, jobs):
        for rep in range(reps):
            for rt, j in self.order([(rt, j) for rt in self.runtimes for j in (1, jobs)]):
                s = self.batch(rt, n, j)
                self.record("batch_seq_s" if j == 1 else "batch_par_s", rt.name, s)
                log(f"bench:   {rt.name}: {n} containers, {j} at a time: {s:.2f} s")

    def strace_phase(self, reps):
        strace = shutil.which("strace", path=ENV["PATH"])
        for rep in range(reps):
            for rt in self.order(self.runtimes):
                cid, bundle = self.prepare(rt)
                out = os.path.join(bundle, "strace.txt")
                self.sp.check([strace, "-f", "-c", "-o", out, "--",
                               *rt.cmd("run", "--bundle", bundle, cid)])
                total, table = parse_strace(out)
                self.discard(rt, cid, bundle)
                self.record("syscalls", rt.name, total)
                if rep == 0:
                    self.syscalls[rt.name] = table

    def progress(self, i, n):
        if sys.stderr.isatty():
            print(f"\r  {i + 1}/{n}", end="" if i + 1 < n else "\n", file=sys.stderr, flush=True)

    # -- all of it ----------------------------------------------------------------

    def run_all(self):
        m = self.o.m
        self.phase("run (default spec)",
                   lambda: self.run_phase("run_ms", True, m["run"], with_refs=True, cpu_metric="run_cpu_ms"))
        self.phase("run (no network namespace)", lambda: self.run_phase("run_nonet_ms", False, m["run_nonet"]))
        if self.disk_runtimes:
            self.phase("run (state roots on disk)",
                       lambda: self.run_phase("run_disk_ms", True, m["run_disk"], runtimes=self.disk_runtimes))
        self.phase("peak RSS of run", lambda: self.rss_phase(m["rss"]))
        self.phase("create / start / delete", lambda: self.lifecycle_phase(m["lifecycle"]))
        self.phase("exec", lambda: self.exec_phase(m["exec"]))
        self.phase(f"batches of {m['batch']}", lambda: self.batch_phase(m["batch"], m["batch_reps"], m["parallel"]))
        self.phase("strace -c -f", lambda: self.strace_phase(m["strace"]))

    def cleanup(self):
        """Every container of ours in every state root, then our cgroups."""
        self.sp.kill_live()
        try:
            self.stop_exec_containers()
        except Exception as e:  # keep cleaning
            log(f"bench: cleanup: {e}")
        for rt in self.runtimes + self.disk_runtimes:
            try:
                ids = os.listdir(rt.root)
            except OSError:
                continue
            for cid in ids:
                if os.path.isdir(os.path.join(rt.root, cid)):
                    self.force_delete(rt, cid)
        reap()
        for p in our_cgroups(self.tag):
            if not remove_cgroup(p):
                log(f"bench: cleanup: could not remove cgroup {p}")
        remove_cgroup_parents()


def parse_strace(path):
    """strace -c output -> (total calls, [(syscall, calls, errors), ...])."""
    total = None
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 5 or not re.match(r"^\d+\.\d+$", parts[0]):
                continue
            name = parts[-1]
            calls = int(parts[3])
            errors = int(parts[4]) if len(parts) == 6 else 0
            if name == "total":
                total = calls
            else:
                rows.append((name, calls, errors))
    if total is None:
        raise BenchError(f"no total line in {path}")
    rows.sort(key=lambda r: -r[1])
    return total, rows


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

METRICS = [
    # key, label, unit, format
    ("run_ms", "`run` /bin/true, default spec", "ms", "{:.2f}"),
    ("run_nonet_ms", "`run` /bin/true, no network namespace", "ms", "{:.2f}"),
    ("run_disk_ms", "`run` /bin/true, default spec, state root on disk", "ms", "{:.2f}"),
    ("create_ms", "`create`", "ms", "{:.2f}"),
    ("start_ms", "`start`", "ms", "{:.2f}"),
    ("delete_ms", "`delete`", "ms", "{:.2f}"),
    ("exec_ms", "`exec` /bin/true into a running container", "ms", "{:.2f}"),
    ("run_peak_rss_mib", "peak RSS during `run` (max over the process tree)", "MiB", "{:.2f}"),
    ("batch_seq_s", "{n} × `run`, one after another (wall)", "s", "{:.2f}"),
    ("batch_par_s", "{n} × `run`, {j} at a time (wall)", "s", "{:.2f}"),
    ("syscalls", "syscalls in one `run` (strace -c -f)", "calls", "{:.0f}"),
    ("run_cpu_ms", "CPU time of `run` /bin/true, default spec (user+sys)", "ms", "{:.2f}"),
    ("exec_cpu_ms", "CPU time of `exec` /bin/true (user+sys)", "ms", "{:.2f}"),
]


def summarize(values):
    return {
        "n": len(values),
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "mean": statistics.fmean(values),
        "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
    }


def build_table(results, names):
    m = results["config"]["rounds"]
    has_crun = "crun" in names
    head = ["Measure", "Unit"] + [f"{n} median" for n in names] + [f"{n} min" for n in names]
    rows = []
    for key, label, unit, fmt in METRICS:
        metric = results["metrics"].get(key)
        if not metric:
            continue
        label = label.format(n=m["batch"], j=m["parallel"])
        row = [label, unit]
        for stat in ("median", "min"):
            for n in names:
                s = metric["runtimes"].get(n)
                if s is None:
                    row.append("–")
                    continue
                cell = fmt.format(s[stat])
                if has_crun and metric["runtimes"].get("crun", {}).get(stat):
                    cell += f" ({s[stat] / metric['runtimes']['crun'][stat]:.2f}×)"
                row.append(cell)
        rows.append(row)
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    def fmt_row(r):
        return "| " + " | ".join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i])
                                  for i, c in enumerate(r)) + " |"
    sep = "|" + "|".join("-" * (w + 1) + (":" if i >= 2 else "-") for i, w in enumerate(widths)) + "|"
    return "\n".join([fmt_row(head), sep] + [fmt_row(r) for r in rows])


def reference_lines(results):
    out = []
    for name, s in results["references"].items():
        out.append(f"{name}: median {s['median']:.2f} {s['unit']}, min {s['min']:.2f} {s['unit']}")
    return out


def interference_summary(results):
    shares = [v["others_share"] for v in results["interference"].values()]
    if not shares:
        return 0.0, 0.0
    total_wall = sum(v["wall_s"] for v in results["interference"].values())
    avg = sum(v["others_share"] * v["wall_s"] for v in results["interference"].values()) / total_wall
    return avg, max(shares)


def doc_block(results, table):
    r = results
    avg, peak = interference_summary(r)
    rt_lines = "\n".join(f"- {n}: `{v['path']}` — {v['version']}"
                         + (f", built {v['mtime']} (source: {r['brig_source']})" if n == "brig-oci" else "")
                         for n, v in r["runtimes"].items())
    m = r["config"]["rounds"]
    shared = (f"**The machine was shared while this ran**: processes outside the benchmark used "
              f"{100 * avg:.0f}% of the {r['host']['cpus']} CPUs on average (up to {100 * peak:.0f}% "
              f"in one phase), so absolute times are noisy; the interleaving spreads that noise "
              f"over all runtimes alike, and the ratios are the figures to read."
              if avg >= 0.05 else
              f"The machine was quiet: processes outside the benchmark used {100 * avg:.0f}% of the "
              f"{r['host']['cpus']} CPUs on average (at most {100 * peak:.0f}% in one phase).")
    refs = "\n".join(f"- {l}" for l in reference_lines(r))
    disk = r["host"].get("disk_root_fs")
    disk_rounds = f"{m['run_disk']} with the state roots on disk, " if disk else ""
    disk_fs = f" (state roots on {disk} for the \"on disk\" row)" if disk else ""
    return f"""Made on {r['date']} by

```sh
{r['command']}
```

Mode `{r['mode']}`: {m['warmup']} warm-up rounds per phase (discarded), then {m['run']} rounds of `run`, \
{m['run_nonet']} without a network namespace, {disk_rounds}{m['rss']} of peak RSS, \
{m['lifecycle']} of create/start/delete, {m['exec']} of `exec`; \
batches of {m['batch']} containers ×{m['batch_reps']} per runtime; {m['strace']} strace run(s) per runtime. \
Host: {r['host']['cpus']} CPUs, Linux {r['host']['kernel']}, {r['host']['cgroups']} cgroups as the runtimes saw them, \
bundles and state roots on {r['host']['workdir_fs']}{disk_fs}. \
Measuring took {r['wall_s']:.0f} s.

{shared}

Cells are the value and, in brackets, its ratio to crun's value of the same statistic (below 1× is faster or smaller than crun).

{table}

Reference floors, not runtimes (the times come from the `run` rounds, the RSS from the peak-RSS rounds):

{refs}

Runtimes:

{rt_lines}

Raw samples: `bench/results/latest.json`.
"""


DOC_BEGIN = "<!-- bench:begin (written by bench/run.sh; edit outside these markers) -->"
DOC_END = "<!-- bench:end -->"

DOC_TEMPLATE = f"""# Benchmarks

`bench/run.sh` times brig-oci against runc and crun on this machine, in one run, on identical bundles.

## Latest results

{DOC_BEGIN}
{DOC_END}
"""


def write_doc(path, block):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = DOC_TEMPLATE
    if DOC_BEGIN not in text or DOC_END not in text:
        text = text.rstrip("\n") + "\n\n## Latest results\n\n" + DOC_BEGIN + "\n" + DOC_END + "\n"
    pre, _, rest = text.partition(DOC_BEGIN)
    _, _, post = rest.partition(DOC_END)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(pre + DOC_BEGIN + "\n" + block.strip("\n") + "\n" + DOC_END + post)
    os.replace(tmp, path)


def version_of(path):
    for args in (["--version"], ["-v"]):
        try:
            p = subprocess.run([path, *args], capture_output=True, text=True, timeout=10, env=ENV)
        except OSError:
            continue
        if p.returncode == 0 and p.stdout.strip():
            return " / ".join(l.strip() for l in p.stdout.strip().splitlines()[:2])
    return "unknown"


def fs_type(path):
    """File system type of the mount holding PATH (longest matching mount point)."""
    best, fstype = "", "unknown"
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            mnt = left.split()[4].replace("\\040", " ")
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                best, fstype = mnt, right.split()[0]
    return fstype


def cgroup_layout():
    mounts = cgroup_mounts()
    if mounts == ["/sys/fs/cgroup"]:
        return "v2"
    if any(m.endswith("/unified") for m in mounts):
        return "hybrid"
    return "v1"


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds, smaller batches (about a minute)")
    ap.add_argument("--render", action="store_true",
                    help="measure nothing: rewrite --doc from the results already in --json")
    ap.add_argument("--brig", help="brig-oci binary")
    ap.add_argument("--runc", default="/usr/sbin/runc")
    ap.add_argument("--crun", default="/usr/bin/crun")
    ap.add_argument("--runtimes", default="brig-oci,runc,crun", help="comma-separated subset")
    ap.add_argument("--rootfs", help="the busybox rootfs to copy into the bundles")
    ap.add_argument("--workdir", help="scratch directory (bundles, state roots)")
    ap.add_argument("--disk-root", help="directory on disk for the state roots of the extra "
                    "'state root on disk' row (used only when --workdir is a tmpfs)")
    ap.add_argument("--tag", help="unique tag in container ids and cgroup names")
    ap.add_argument("--json", required=True, help="where to write the results")
    ap.add_argument("--doc", help="Markdown file whose results block to rewrite")
    ap.add_argument("--command", default="bench/run.sh", help="command line recorded in the results")
    ap.add_argument("--source", default="unknown", help="source revision of brig-oci, recorded")
    ap.add_argument("--seed", type=int, default=None, help="seed for the round order")
    o = ap.parse_args()
    if o.render:
        if not o.doc:
            ap.error("--render needs --doc")
        with open(o.json) as f:
            results = json.load(f)
        write_doc(o.doc, doc_block(results, build_table(results, list(results["runtimes"]))))
        print(f"doc: {o.doc}")
        return 0
    for need in ("brig", "rootfs", "workdir", "tag"):
        if not getattr(o, need):
            ap.error(f"--{need} is required")
    o.mode = "quick" if o.quick else "full"
    o.m = MODES[o.mode]
    o.warmup = o.m["warmup"]
    if o.seed is None:
        o.seed = int.from_bytes(os.urandom(4), "little")
    if not re.fullmatch(r"[0-9a-z]+", o.tag):
        ap.error("--tag must be [0-9a-z]+")

    if os.geteuid() != 0:
        raise SystemExit("bench: must run as root")
    if any(m.endswith("/unified") for m in cgroup_mounts()):
        raise SystemExit("bench: /sys/fs/cgroup/unified is mounted here; run through bench/run.sh "
                         "(which unmounts it in a private mount namespace)")

    paths = {"brig-oci": o.brig, "runc": o.runc, "crun": o.crun}
    short = {"brig-oci": "brig", "runc": "runc", "crun": "crun"}
    names = [n.strip() for n in o.runtimes.split(",") if n.strip()]
    for n in names:
        if n not in paths:
            ap.error(f"unknown runtime {n}")
        if not os.access(paths[n], os.X_OK):
            raise SystemExit(f"bench: {n}: {paths[n]} is not executable")
    runtimes = [Runtime(n, short[n], os.path.abspath(paths[n]), os.path.join(o.workdir, "state", n))
                for n in names]

    disk_runtimes = []
    if o.disk_root and fs_type(o.workdir) == "tmpfs" and fs_type(o.disk_root) != "tmpfs":
        disk_runtimes = [Runtime(r.name, r.short, r.path, os.path.join(o.disk_root, r.name))
                         for r in runtimes]

    def on_term(signum, frame):
        raise Interrupted(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    set_child_subreaper()
    gc.disable()  # no collector pauses inside timed sections; phase() collects between phases
    os.makedirs(o.workdir, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    meter = CpuMeter()
    b = Bench(o, runtimes, disk_runtimes, o.workdir, o.tag, o.rootfs)
    log(f"bench: mode {o.mode}, runtimes {', '.join(names)}, seed {o.seed}, "
        f"scratch on {fs_type(o.workdir)}")
    try:
        b.run_all()
    except (KeyboardInterrupt, Interrupted) as e:
        log(f"bench: interrupted ({e or 'SIGINT'}); cleaning up")
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        b.cleanup()
        return 130
    except BenchError as e:
        log(f"bench: error: {e}")
        b.cleanup()
        return 1
    except BaseException:
        b.cleanup()
        raise
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    b.cleanup()
    overall = meter.result()

    results = {
        "schema": 1,
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "command": o.command,
        "mode": o.mode,
        "seed": o.seed,
        "wall_s": round(time.monotonic() - t0, 1),
        "host": {
            "kernel": platform.release(),
            "cpus": NCPU,
            "cgroups": cgroup_layout(),
            "workdir_fs": fs_type(o.workdir),
            "disk_root_fs": fs_type(o.disk_root) if disk_runtimes else None,
            "loadavg_end": open("/proc/loadavg").read().split()[:3],
        },
        "config": {
            "rounds": o.m,
            "ociVersion": OCI_VERSION,
            "spec": make_spec(["/bin/true"], "<bundle rootfs>", f"/{CGROUP_PARENT}/<id>"),
            "timing": "posix_spawn of the runtime to wait4 of it, perf_counter_ns",
            "peak_rss": "GNU time -f %M: ru_maxrss from wait4 of the runtime process, the maximum "
                        "over it and every descendant reaped inside its tree (container init and "
                        "/bin/true included); separate rounds, not the timed ones",
        },
        "runtimes": {r.name: {"path": r.path, "version": version_of(r.path),
                              "mtime": datetime.datetime.fromtimestamp(
                                  os.stat(r.path).st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
                     for r in runtimes},
        "brig_source": o.source,
        "metrics": {},
        "references": {k: summarize(v) | {"unit": unit, "samples": [round(x, 4) for x in v]}
                       for (k, unit), v in b.references.items()},
        "syscall_tables": {k: [{"syscall": s, "calls": c, "errors": e} for s, c, e in v]
                           for k, v in b.syscalls.items()},
        "leftovers": b.leftovers,
        "interference": dict(b.interference, overall=overall),
    }
    for key, label, unit, _ in METRICS:
        if key not in b.samples:
            continue
        results["metrics"][key] = {
            "label": label.format(n=o.m["batch"], j=o.m["parallel"]),
            "unit": unit,
            "runtimes": {n: summarize(v) | {"samples": [round(x, 4) for x in v]}
                         for n, v in b.samples[key].items()},
        }

    table = build_table(results, names)
    results["table_markdown"] = table
    os.makedirs(os.path.dirname(os.path.abspath(o.json)), exist_ok=True)
    tmp = o.json + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    os.replace(tmp, o.json)

    print()
    print(f"brig-oci vs runc vs crun — {o.mode} mode, {results['wall_s']:.0f} s, "
          f"medians and minimums, (ratio to crun)")
    print()
    print(table)
    print()
    for l in reference_lines(results):
        print("reference: " + l)
    avg, peak = interference_summary(results)
    print(f"other processes used {100 * avg:.0f}% of the CPUs on average (peak phase {100 * peak:.0f}%)")
    bad = {n: v for n, v in b.leftovers.items() if v["state"] or v["cgroups"]}
    if bad:
        print(f"warning: runtimes left state or cgroups behind after delete: {bad}")
    print(f"results: {o.json}")
    if o.doc:
        write_doc(o.doc, doc_block(results, table))
        print(f"doc: {o.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
