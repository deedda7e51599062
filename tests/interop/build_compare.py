#!/usr/bin/env python3
"""build_compare.py: compare the image brig built with the images its peers built (interop.build).

Used by build_diff.sh, once per case:

    build_compare.py --case NAME --brig brig.tar [--brig-out out.tar] [--brig-inspect inspect.json]
                     [--peer NAME=ARCHIVE ...] [--peer-failed NAME=REASON ...] [--brig-failed REASON]
                     [--known FILE] [--mtimes T,T,...] [--dump DIR]

An ARCHIVE is what `save`/`push` writes: a docker archive (manifest.json) or an OCI image
layout (index.json), or else a plain tar of a root filesystem (`brig build -o type=tar`).
Its layers are applied in order, as a container engine would: whiteouts (.wh.NAME) remove,
an opaque marker (.wh..wh..opq) hides what the lower layers had in that directory, a hard
link shares its target's inode, a parent directory that no entry names is implied (0755,
root). Then two flattened trees are compared entry by entry:

    path, type, mode (permission bits with setuid/setgid/sticky), uid, gid, size, the sha256
    of a regular file's content, a symlink's target, device numbers, xattrs, and the hard-link
    group (the other paths that share the inode).

mtime: compared only where docker keeps it: on files, symlinks and the like (not on
directories) whose time is one the test chose itself. --mtimes lists those times (the
context's files, the members of an ADDed tar, the base image's epoch); an entry that has one
of them on either side must have the same mtime on the other. Any other time is the build's
own clock (what RUN wrote) and is not compared. Directories' mtimes are not compared at all:
docker 20.10's BuildKit gives every directory that a COPY makes the time of the build, and
buildah keeps the source's below the destination only, while brig keeps the source's.

The config fields compared (from the image's own config blob, not from an inspect):
    Env Cmd Entrypoint User WorkingDir ExposedPorts Volumes Labels StopSignal Healthcheck
    Shell OnBuild, and author (MAINTAINER), os, architecture.
Normalized, on purpose (the same to every engine that runs the image):
  * an empty list or map is the same as an absent one (buildah writes [] and {} where docker
    writes null);
  * the label io.buildah.version, which buildah adds to every image, is dropped;
  * a Healthcheck duration or retry count that is absent is 0 (docker omits zero fields).
Not compared at all: created times, ids and digests, history and its text, the layer count
and layer boundaries (buildah squashes a build into one layer; docker and brig make one per
step), container/container_config, Hostname/Domainname, the root directory's own entry.

Self checks of brig (reported as the peer "self"): the tree of `brig build -o type=tar` must
equal the tree of the stored image, and `brig image inspect`'s Config must equal the saved
config's.

Known differences: the case's file `known`, one per line:
    PEER  ID-GLOB  CLASS  REASON...
PEER is a peer's name, "self" or "*"; ID-GLOB matches a difference's id (fnmatch), such as
config.User, tree:/etc/x:mode, tree:/etc/x:only-brig, build:brig; CLASS is brig-bug,
on-purpose or peer-quirk. A difference that matches is reported as KNOWN with its class and
reason, and does not fail the case; one that matches nothing fails it. An entry that matched
nothing is reported as STALE (a fixed bug, or a peer that changed), which does not fail.
Exit status: 0 when every difference is known, 1 otherwise, 2 on a usage or archive error.
"""

import argparse
import fnmatch
import hashlib
import io
import json
import os
import stat
import sys
import tarfile

CONFIG_FIELDS = ["Env", "Cmd", "Entrypoint", "User", "WorkingDir", "ExposedPorts", "Volumes", "Labels",
                 "StopSignal", "Healthcheck", "Shell", "OnBuild"]
DROPPED_LABELS = {"io.buildah.version"}
HEALTH_DEFAULTS = {"Interval": 0, "Timeout": 0, "StartPeriod": 0, "StartInterval": 0, "Retries": 0}
CLASSES = {"brig-bug", "on-purpose", "peer-quirk"}
SHOW_CONTENT = 600  # a small text file whose content differs is shown


class Inode:
    __slots__ = ("type", "mode", "uid", "gid", "size", "sha", "link", "mtime", "dev", "xattrs", "implicit", "data")

    def __init__(self, **kw):
        self.implicit = False
        self.link = ""
        self.sha = ""
        self.size = 0
        self.dev = ""
        self.xattrs = {}
        self.data = None
        for k, v in kw.items():
            setattr(self, k, v)


def norm(name):
    """A tar member's name as an absolute path ('/' for the root)."""
    name = name.lstrip("/")
    while name.startswith("./"):
        name = name[2:]
    name = name.rstrip("/")
    if name in ("", "."):
        return "/"
    parts = []
    for p in name.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if parts:
                parts.pop()
            continue
        parts.append(p)
    return "/" + "/".join(parts)


def parent(path):
    return path.rsplit("/", 1)[0] or "/"


def under(path, top):
    return top == "/" or path == top or path.startswith(top + "/")


class Tree:
    def __init__(self):
        self.entries = {}  # path -> Inode

    def remove(self, top):
        for p in [p for p in self.entries if under(p, top)]:
            del self.entries[p]

    def ensure_parents(self, path, added):
        missing = []
        p = parent(path)
        while p != "/" and p not in self.entries:
            missing.append(p)
            p = parent(p)
        for p in missing:
            self.entries[p] = Inode(type="dir", mode=0o755, uid=0, gid=0, mtime=None, implicit=True)
            added.add(p)

    def apply_layer(self, tf):
        added = set()
        opaque = []
        for m in tf:
            path = norm(m.name)
            base = path.rsplit("/", 1)[1] if path != "/" else ""
            if base == ".wh..wh..opq":
                opaque.append(parent(path))
                continue
            if base.startswith(".wh."):
                d = parent(path)
                self.remove((d if d != "/" else "") + "/" + base[4:])
                continue
            if path == "/":
                continue
            old = self.entries.get(path)
            if m.islnk():
                target = norm(m.linkname)
                ino = self.entries.get(target)
                if ino is None:
                    raise ValueError(f"hard link {path} -> {target}: no such target in the tree")
                if old is not None and old.type == "dir":
                    self.remove(path)
                self.ensure_parents(path, added)
                self.entries[path] = ino
                added.add(path)
                continue
            ino = Inode(mode=stat.S_IMODE(m.mode), uid=m.uid, gid=m.gid, mtime=int(m.mtime))
            if m.isdir():
                ino.type = "dir"
            elif m.isreg():
                ino.type = "file"
                ino.size = m.size
                data = tf.extractfile(m).read()
                ino.sha = hashlib.sha256(data).hexdigest()
                if len(data) <= SHOW_CONTENT and b"\0" not in data:
                    ino.data = data.decode("utf-8", "replace")
            elif m.issym():
                ino.type = "symlink"
                ino.link = m.linkname
            elif m.ischr() or m.isblk():
                ino.type = "char" if m.ischr() else "block"
                ino.dev = f"{m.devmajor}:{m.devminor}"
            elif m.isfifo():
                ino.type = "fifo"
            else:
                raise ValueError(f"{path}: unsupported tar member type {m.type!r}")
            ino.xattrs = {k[len("SCHILY.xattr."):]: v for k, v in (m.pax_headers or {}).items()
                          if k.startswith("SCHILY.xattr.")}
            if old is not None and (old.type == "dir") != (ino.type == "dir"):
                self.remove(path)
            elif old is not None and old.type != "dir":
                del self.entries[path]
            self.ensure_parents(path, added)
            self.entries[path] = ino
            added.add(path)
        # An opaque directory hides what the lower layers had in it, not what this layer adds.
        # (A lower directory that this layer still adds into is made again, as an engine's
        # MkdirAll would, when the layer has no entry of its own for it.)
        for d in opaque:
            for p in sorted(p for p in self.entries if p != d and under(p, d) and p not in added):
                if any(under(q, p) for q in added):
                    self.entries[p] = Inode(type="dir", mode=0o755, uid=0, gid=0, mtime=None, implicit=True)
                else:
                    del self.entries[p]
        return self


def open_tar(data):
    return tarfile.open(fileobj=io.BytesIO(data), mode="r:*")


def read_archive(path):
    """(tree, config) of an image archive, or (tree, None) of a plain rootfs tar."""
    with open(path, "rb") as f:
        raw = f.read()
    outer = open_tar(raw)
    members = {norm(m.name): m for m in outer.getmembers()}

    def blob(name):
        m = members.get(norm(name))
        if m is None:
            raise ValueError(f"{path}: no {name} in the archive")
        return outer.extractfile(m).read()

    layers, config = None, None
    if "/manifest.json" in members:
        man = json.loads(blob("manifest.json"))[0]
        config = json.loads(blob(man["Config"]))
        layers = man["Layers"]
    elif "/index.json" in members and "/oci-layout" in members:
        def by_digest(d):
            return blob("blobs/" + d.replace(":", "/"))
        desc = json.loads(blob("index.json"))["manifests"][0]
        doc = json.loads(by_digest(desc["digest"]))
        while "manifests" in doc:  # a nested index
            doc = json.loads(by_digest(doc["manifests"][0]["digest"]))
        config = json.loads(by_digest(doc["config"]["digest"]))
        layers = ["blobs/" + l["digest"].replace(":", "/") for l in doc["layers"]]
    tree = Tree()
    if layers is None:
        tree.apply_layer(open_tar(raw))
    else:
        for l in layers:
            tree.apply_layer(open_tar(blob(l)))
    return tree, config


# ---- config ---------------------------------------------------------------------------------

def empty(v):
    return v is None or v == [] or v == {} or v == ""


def norm_config(cfg):
    c = (cfg or {}).get("config") or {}
    out = {}
    for k in CONFIG_FIELDS:
        v = c.get(k)
        if k == "Labels" and v:
            v = {lk: lv for lk, lv in v.items() if lk not in DROPPED_LABELS}
        if k == "Healthcheck" and v:
            v = dict(HEALTH_DEFAULTS, **v)
        out[k] = None if empty(v) else v
    out["author"] = (cfg or {}).get("author") or None
    out["os"] = (cfg or {}).get("os")
    out["architecture"] = (cfg or {}).get("architecture")
    return out


def inspect_config(path):
    with open(path) as f:
        doc = json.load(f)
    if isinstance(doc, list):
        doc = doc[0]
    return norm_config({"config": doc.get("Config"), "author": doc.get("Author"), "os": doc.get("Os"),
                        "architecture": doc.get("Architecture")})


def diff_config(a, b, an, bn):
    out = []
    for k in a:
        if a[k] != b[k]:
            out.append((f"config.{k}", f"{an} {json.dumps(a[k])}, {bn} {json.dumps(b[k])}"))
    return out


# ---- tree -----------------------------------------------------------------------------------

def hardlink_groups(tree):
    groups = {}
    for p, ino in tree.entries.items():
        if ino.type != "dir":
            groups.setdefault(id(ino), []).append(p)
    out = {}
    for paths in groups.values():
        if len(paths) > 1:
            for p in paths:
                out[p] = sorted(q for q in paths if q != p)
    return out


def fmt_mode(m):
    return f"{m:04o}"


def describe(ino):
    s = f"{ino.type} {fmt_mode(ino.mode)} {ino.uid}:{ino.gid}"
    if ino.type == "file":
        s += f" size {ino.size}"
    if ino.type == "symlink":
        s += f" -> {ino.link}"
    return s


def diff_trees(a, b, an, bn, mtimes):
    out = []
    pa, pb = set(a.entries), set(b.entries)
    for only, side, tree in ((pa - pb, an, a), (pb - pa, bn, b)):
        tops = sorted(p for p in only if parent(p) not in only or parent(p) == p)
        for p in tops:
            below = sum(1 for q in only if q != p and under(q, p))
            more = f" (and {below} below it)" if below else ""
            out.append((f"tree:{p}:only-{side}", f"only in {side}: {describe(tree.entries[p])}{more}"))
    la, lb = hardlink_groups(a), hardlink_groups(b)
    for p in sorted(pa & pb):
        x, y = a.entries[p], b.entries[p]
        if x.type != y.type:
            out.append((f"tree:{p}:type", f"{an} {describe(x)}, {bn} {describe(y)}"))
            continue
        checks = [("mode", fmt_mode(x.mode), fmt_mode(y.mode)), ("uid", x.uid, y.uid), ("gid", x.gid, y.gid)]
        if x.type == "file":
            checks += [("size", x.size, y.size)]
            if x.size == y.size:
                checks += [("sha256", x.sha[:16], y.sha[:16])]
            checks += [("hardlinks", la.get(p, []), lb.get(p, []))]
        if x.type == "symlink":
            checks += [("link", x.link, y.link)]
        if x.type in ("char", "block"):
            checks += [("dev", x.dev, y.dev)]
        checks += [("xattrs", x.xattrs, y.xattrs)]
        if x.type != "dir" and (x.mtime in mtimes or y.mtime in mtimes):
            checks += [("mtime", x.mtime, y.mtime)]
        for what, u, v in checks:
            if u != v:
                out.append((f"tree:{p}:{what}", f"{an} {u}, {bn} {v}"))
        if x.type == "file" and x.sha != y.sha and x.data is not None and y.data is not None:
            out.append((f"tree:{p}:content", f"{an} {x.data!r}, {bn} {y.data!r}"))
    return out


def listing(tree):
    lines = []
    links = hardlink_groups(tree)
    for p in sorted(tree.entries):
        ino = tree.entries[p]
        s = f"{p}\t{describe(ino)}\tmtime={ino.mtime}"
        if ino.sha:
            s += f"\tsha256={ino.sha[:16]}"
        if p in links:
            s += f"\tlinks={','.join(links[p])}"
        if ino.implicit:
            s += "\t(implied)"
        lines.append(s)
    return "\n".join(lines) + "\n"


# ---- known differences ----------------------------------------------------------------------

def read_known(path):
    known = []
    if not path or not os.path.exists(path):
        return known
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 3)
            if len(parts) < 4 or parts[2] not in CLASSES:
                raise ValueError(f"{path}:{n}: want 'PEER ID-GLOB CLASS REASON', CLASS one of {sorted(CLASSES)}")
            known.append({"peer": parts[0], "id": parts[1], "cls": parts[2], "reason": parts[3], "used": False})
    return known


def match_known(known, peer, did):
    for k in known:
        if (k["peer"] in ("*", peer)) and fnmatch.fnmatchcase(did, k["id"]):
            k["used"] = True
            return k
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", required=True)
    ap.add_argument("--brig")
    ap.add_argument("--brig-out")
    ap.add_argument("--brig-inspect")
    ap.add_argument("--brig-failed")
    ap.add_argument("--peer", action="append", default=[])
    ap.add_argument("--peer-failed", action="append", default=[])
    ap.add_argument("--known")
    ap.add_argument("--mtimes", default="")
    ap.add_argument("--dump")
    args = ap.parse_args()
    mtimes = {int(t) for t in args.mtimes.split(",") if t}
    try:
        known = read_known(args.known)
    except ValueError as e:
        print(f"ERROR  {args.case}: {e}")
        return 2

    results = []  # (peer, verdict, [lines])

    def judge(peer, diffs):
        lines, bad = [], False
        for did, msg in diffs:
            k = match_known(known, peer, did)
            if k:
                lines.append(f"known {k['cls']}: {did}: {msg}  [{k['reason']}]")
            else:
                bad = True
                lines.append(f"DIFF {did}: {msg}")
        verdict = "FAIL" if bad else ("KNOWN" if diffs else "PASS")
        results.append((peer, verdict, lines))

    def load(label, path):
        try:
            return read_archive(path)
        except (OSError, ValueError, tarfile.TarError, KeyError, json.JSONDecodeError) as e:
            print(f"ERROR  {args.case}: cannot read {label}'s archive {path}: {e}")
            sys.exit(2)

    peers = []
    for p in args.peer:
        name, _, path = p.partition("=")
        peers.append((name, path))
    if args.brig_failed is not None:
        for name, _ in peers:
            judge(name, [("build:brig", f"brig failed to build it, {name} did not: {args.brig_failed}")])
        if not peers:
            results.append(("brig", "SKIP", [f"brig failed to build it too: {args.brig_failed}"]))
    else:
        brig_tree, brig_cfg = load("brig", args.brig)
        bc = norm_config(brig_cfg)
        if args.dump:
            os.makedirs(args.dump, exist_ok=True)
            with open(os.path.join(args.dump, "brig.tree"), "w") as f:
                f.write(listing(brig_tree))
            with open(os.path.join(args.dump, "brig.config.json"), "w") as f:
                json.dump(bc, f, indent=1, sort_keys=True)
        self_diffs = []
        if args.brig_out:
            out_tree, _ = load("brig -o", args.brig_out)
            self_diffs += [(f"{d}", m) for d, m in diff_trees(out_tree, brig_tree, "output", "image", mtimes)]
            if args.dump:
                with open(os.path.join(args.dump, "brig-out.tree"), "w") as f:
                    f.write(listing(out_tree))
        if args.brig_inspect:
            self_diffs += diff_config(inspect_config(args.brig_inspect), bc, "inspect", "saved")
        if args.brig_out or args.brig_inspect:
            judge("self", self_diffs)
        for name, path in peers:
            tree, cfg = load(name, path)
            pc = norm_config(cfg)
            if args.dump:
                with open(os.path.join(args.dump, f"{name}.tree"), "w") as f:
                    f.write(listing(tree))
                with open(os.path.join(args.dump, f"{name}.config.json"), "w") as f:
                    json.dump(pc, f, indent=1, sort_keys=True)
            judge(name, diff_config(bc, pc, "brig", name) + diff_trees(brig_tree, tree, "brig", name, mtimes))
    for p in args.peer_failed:
        name, _, reason = p.partition("=")
        k = match_known(known, name, "build:" + name)
        if k:
            results.append((name, "KNOWN", [f"known {k['cls']}: build:{name}: {name} cannot build it  [{k['reason']}]"]))
        else:
            results.append((name, "SKIP", [f"{name} failed to build it: {reason}"]))

    failed = False
    for peer, verdict, lines in results:
        print(f"{verdict:<6} {args.case:<22} {peer}")
        for line in lines:
            print(f"         {line}")
        failed |= verdict == "FAIL"
    ran = {peer for peer, _, _ in results}
    for k in known:
        if not k["used"] and (k["peer"] == "*" or k["peer"] in ran):
            print(f"STALE  {args.case:<22} {k['peer']}: known '{k['id']}' ({k['cls']}) no longer differs: {k['reason']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
