#!/usr/bin/python3
"""cri.py: a minimal client of the Kubernetes Container Runtime Interface (runtime.v1), the
gRPC API kubelet speaks to containerd. Just enough to run a pod the way kubelet does:
a sandbox with a runtime handler (a RuntimeClass), a container in it, exec, stop, remove.

No generated code: the few messages needed are encoded and decoded here by field number
(protobuf wire format), and sent with grpcio's generic calls (python3-grpcio).

  cri.py --sock PATH version
  cri.py --sock PATH runp --name N --handler H --cgroup-parent CG --log-dir DIR
         [--hostname H]                                                          -> pod id
  cri.py --sock PATH create --pod ID --pod-name N --name C --image IMG --log-path P
         [--memory BYTES] (plus runp's options: kubelet sends the sandbox config again)
         -- CMD...                                                                -> ctr id
  cri.py --sock PATH start|stop|rm|status ID       (status prints: STATE EXIT_CODE REASON)
  cri.py --sock PATH exec ID -- CMD...             (prints stdout/stderr, exits with its code)
  cri.py --sock PATH podinfo|stopp|rmp POD_ID
"""
import argparse
import sys

import grpc

# ---- protobuf wire format -------------------------------------------------------------------


def _varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def enc(fields):
    """fields: list of (number, value); value is int, str, bytes, or a nested list (message)."""
    out = bytearray()
    for num, val in fields:
        if val is None:
            continue
        if isinstance(val, bool):
            val = int(val)
        if isinstance(val, int):
            out += _varint(num << 3) + _varint(val)
            continue
        if isinstance(val, list):
            val = enc(val)
        elif isinstance(val, str):
            val = val.encode()
        out += _varint((num << 3) | 2) + _varint(len(val)) + val
    return bytes(out)


def dec(data):
    """Decode one message: {field number: [raw values]} (ints, or bytes for length-delimited)."""
    out, i = {}, 0

    def varint():
        nonlocal i
        shift = result = 0
        while True:
            b = data[i]
            i += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    while i < len(data):
        key = varint()
        num, wt = key >> 3, key & 7
        if wt == 0:
            val = varint()
        elif wt == 2:
            n = varint()
            val = data[i:i + n]
            i += n
        elif wt == 1:
            val = data[i:i + 8]
            i += 8
        elif wt == 5:
            val = data[i:i + 4]
            i += 4
        else:
            raise ValueError(f"wire type {wt}")
        out.setdefault(num, []).append(val)
    return out


def first(msg, num, default=None):
    return msg.get(num, [default])[0]


# ---- CRI messages (runtime.v1, by field number) ---------------------------------------------

NAMESPACE_NODE = 2  # NamespaceMode: POD=0 CONTAINER=1 NODE=2 TARGET=3
CONTAINER_STATES = {0: "CREATED", 1: "RUNNING", 2: "EXITED", 3: "UNKNOWN"}


def sandbox_config(a):
    metadata = [(1, a.name), (2, a.name + "-uid"), (3, "interop"), (4, 0)]
    # The pod uses the node's network (no CNI here); the test's network namespace is the node's.
    security = [(1, [(1, NAMESPACE_NODE)])]
    linux = [(1, a.cgroup_parent), (2, security)]
    # kubelet sends no hostname for a pod on the node's network (--hostname: to test errors).
    return [(1, metadata), (2, a.hostname or None), (3, a.log_dir), (8, linux)]


def call(channel, method, request):
    fn = channel.unary_unary("/runtime.v1.RuntimeService/" + method)
    return dec(fn(enc(request), timeout=60))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sock", required=True)
    ap.add_argument("cmd")
    ap.add_argument("id", nargs="?")
    ap.add_argument("--name")
    ap.add_argument("--handler", default="")
    ap.add_argument("--hostname", default="")
    ap.add_argument("--cgroup-parent", default="")
    ap.add_argument("--log-dir", default="")
    ap.add_argument("--pod")
    ap.add_argument("--pod-name")
    ap.add_argument("--image")
    ap.add_argument("--log-path", default="")
    ap.add_argument("--memory", type=int, default=0)
    argv = sys.argv[1:]
    rest = []
    if "--" in argv:
        k = argv.index("--")
        argv, rest = argv[:k], argv[k + 1:]
    a = ap.parse_args(argv)
    ch = grpc.insecure_channel("unix://" + a.sock)

    try:
        if a.cmd == "version":
            r = call(ch, "Version", [(1, "v1")])
            print(first(r, 2, b"").decode(), first(r, 3, b"").decode(), first(r, 4, b"").decode())
        elif a.cmd == "runp":
            r = call(ch, "RunPodSandbox", [(1, sandbox_config(a)), (2, a.handler)])
            print(first(r, 1).decode())
        elif a.cmd == "create":
            resources = [(4, a.memory)] if a.memory else None
            config = [(1, [(1, a.name), (2, 0)]), (2, [(1, a.image)])]
            config += [(3, c) for c in rest]
            config += [(11, a.log_path)]
            if resources:
                config += [(15, [(1, resources)])]
            sandbox = argparse.Namespace(**vars(a))
            sandbox.name = a.pod_name
            r = call(ch, "CreateContainer", [(1, a.pod), (2, config), (3, sandbox_config(sandbox))])
            print(first(r, 1).decode())
        elif a.cmd == "start":
            call(ch, "StartContainer", [(1, a.id)])
        elif a.cmd == "stop":
            call(ch, "StopContainer", [(1, a.id), (2, 2)])
        elif a.cmd == "rm":
            call(ch, "RemoveContainer", [(1, a.id)])
        elif a.cmd == "status":
            st = dec(first(call(ch, "ContainerStatus", [(1, a.id)]), 1, b""))
            print(CONTAINER_STATES.get(first(st, 3, 0), "?"), first(st, 7, 0),
                  first(st, 10, b"").decode(), first(st, 11, b"").decode())
        elif a.cmd == "exec":
            r = call(ch, "ExecSync", [(1, a.id)] + [(2, c) for c in rest] + [(3, 30)])
            sys.stdout.write(first(r, 1, b"").decode())
            sys.stderr.write(first(r, 2, b"").decode())
            sys.exit(first(r, 3, 0))
        elif a.cmd == "podinfo":
            r = call(ch, "PodSandboxStatus", [(1, a.id), (2, True)])
            for entry in r.get(2, []):
                e = dec(entry)
                print(first(e, 1, b"").decode() + "=" + first(e, 2, b"").decode())
        elif a.cmd == "stopp":
            call(ch, "StopPodSandbox", [(1, a.id)])
        elif a.cmd == "rmp":
            call(ch, "RemovePodSandbox", [(1, a.id)])
        else:
            sys.exit(f"cri.py: unknown command {a.cmd!r}")
    except grpc.RpcError as e:
        sys.exit(f"cri.py {a.cmd}: {e.code().name}: {e.details()}")


if __name__ == "__main__":
    main()
