mkdir -p dir
# The tars: members with their own owners, modes and mtime (T_TAR), a symlink, a hard link.
"${PYTHON:-python3}" - <<'PY'
import io, os, tarfile
t = int(os.environ["T_TAR"])
def add(tf, name, kind="file", data=b"", mode=0o644, uid=0, gid=0, link=""):
    ti = tarfile.TarInfo(name)
    ti.mtime, ti.mode, ti.uid, ti.gid = t, mode, uid, gid
    if kind == "dir": ti.type = tarfile.DIRTYPE
    elif kind == "sym": ti.type, ti.linkname = tarfile.SYMTYPE, link
    elif kind == "hard": ti.type, ti.linkname = tarfile.LNKTYPE, link
    else: ti.size = len(data)
    tf.addfile(ti, io.BytesIO(data) if kind == "file" else None)
def plain(tf):
    add(tf, "d/", "dir", mode=0o750, uid=1, gid=2)
    add(tf, "d/f", data=b"member f\n", mode=0o640, uid=1, gid=2)
    add(tf, "d/exec", data=b"#!/bin/sh\n", mode=0o4755)
    add(tf, "d/link", "sym", link="f")
    add(tf, "d/hard", "hard", link="d/f", mode=0o640, uid=1, gid=2)  # as tar(1) writes it
    add(tf, "top.txt", data=b"top\n", mode=0o600, uid=1000, gid=1000)
with tarfile.open("plain.tar", "w", format=tarfile.PAX_FORMAT) as tf: plain(tf)
with tarfile.open("comp.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as tf: plain(tf)
with tarfile.open("overlay.tar", "w", format=tarfile.PAX_FORMAT) as tf:
    add(tf, "etc/", "dir", mode=0o755)
    add(tf, "etc/added-by-tar.conf", data=b"added\n")
    add(tf, "tmp/", "dir", mode=0o1777)
    add(tf, "tmp/from-tar", data=b"t\n", mode=0o666, uid=7, gid=7)
# A hard link whose own header has another mode and owner than its target's.
with tarfile.open("linkmeta.tar", "w", format=tarfile.PAX_FORMAT) as tf:
    add(tf, "f", data=b"f\n", mode=0o640, uid=1, gid=2)
    add(tf, "hard", "hard", link="f", mode=0o604, uid=3, gid=4)
with tarfile.open("dir/inner.tar", "w", format=tarfile.PAX_FORMAT) as tf:
    add(tf, "inner.txt", data=b"inner\n")
PY
