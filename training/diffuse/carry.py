"""Corpus parts packed into the device calls that carry them to the GPU machine.

A call to the lent GPU machine carries the tracked tree plus at most `limit_mib` MiB in all, so the
corpus parts (`.corpus/`, git-ignored, ~150-200 MiB) travel over several chained calls while the
machine stays warm, each costing device time. This packs them into as few calls as fit, largest
first, each into the emptiest call, and links each call's files into its own git-ignored folder
`.xfer1`, `.xfer2`, ... (hard links: no copies), the `extra` folder (the datasketch wheel) going
with the last call, which builds the corpus. On the machine each call copies its folder's files to
one place (`cp .xferN/* /tmp/corpus/`).

    cd training && python3 -m diffuse.carry --src=../.corpus --skip=pypi-66.tar.xz

The tracked tree is measured with git, less `leave_out` (the bundled model.onnx, which goes to the
machine in a call of its own and is moved out of the tree while the parts travel).
"""
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from .options import parse_options

MIB = 1 << 20


@dataclass
class CarryOptions:
    src: str = "../.corpus"          # the parts: every file in this folder
    out: str = ".."                  # where the .xferN folders go (the repository root)
    skip: list = field(default_factory=list)   # file names to leave here (repeatable)
    extra: str = "../.whl"           # a folder that travels with the last call ("" for none)
    limit_mib: float = 64.0          # one call's carry, tracked tree included
    margin_mib: float = 1.0          # kept free in every call
    tree_bytes: int = 0              # the tracked tree as carried (0: measured with git)
    leave_out: str = "models/diffuse-small/model.onnx"   # a tracked file out of the tree meanwhile


def tracked_bytes(repo, leave_out=""):
    """Bytes of the files git tracks in `repo`, less `leave_out` (a path relative to it)."""
    names = subprocess.run(["git", "-C", repo, "ls-files", "-z"], check=True, capture_output=True).stdout
    total = 0
    for name in names.decode().split("\0"):
        path = os.path.join(repo, name)
        if name and name != leave_out and os.path.isfile(path):
            total += os.path.getsize(path)
    return total


def pack_calls(sizes, capacity, extra=0):
    """`sizes` ({name: bytes}) in as few calls of `capacity` bytes as hold them, the last call also
    holding `extra` bytes: a list of calls, each a list of names. Largest first into the call with
    the most room left (balanced calls); one more call whenever a part fits none."""
    too_big = [n for n, s in sizes.items() if s > capacity]
    if too_big or extra > capacity:
        what = ", ".join(f"{n} ({sizes[n] / MIB:.1f} MiB)" for n in too_big) or f"the extra folder ({extra / MIB:.1f} MiB)"
        raise ValueError(f"{what} does not fit one call's {capacity / MIB:.1f} MiB beside the tree")
    total = sum(sizes.values()) + extra
    count = max(1, -(-total // capacity))
    while True:
        calls, room = [[] for _ in range(count)], [capacity] * count
        room[-1] -= extra
        for name in sorted(sizes, key=lambda n: (-sizes[n], n)):
            best = max(range(count), key=lambda i: (room[i], -i))
            if room[best] < sizes[name]:
                break
            calls[best].append(name)
            room[best] -= sizes[name]
        else:
            return calls
        count += 1


def link_calls(calls, src, out, extra=""):
    """Hard links of each call's files in `out`/.xferN (earlier .xferN folders removed first); the
    extra folder's files go into the last. Returns the folders."""
    for old in os.listdir(out):
        if re.fullmatch(r"\.xfer\d+", old):
            shutil.rmtree(os.path.join(out, old))
    dirs = []
    for i, names in enumerate(calls, 1):
        d = os.path.join(out, f".xfer{i}")
        os.makedirs(d)
        for name in names:
            os.link(os.path.join(src, name), os.path.join(d, name))
        dirs.append(d)
    if extra:
        for name in sorted(os.listdir(extra)):
            os.link(os.path.join(extra, name), os.path.join(dirs[-1], name))
    return dirs


def main(argv):
    args = parse_options(CarryOptions, argv, "diffuse.carry")
    if not os.path.isdir(args.src):
        raise SystemExit(f"diffuse.carry: --src={args.src}: no such folder (the corpus parts)")
    skip = set(args.skip)
    sizes = {n: os.path.getsize(os.path.join(args.src, n)) for n in sorted(os.listdir(args.src))
             if n not in skip and os.path.isfile(os.path.join(args.src, n))}
    extra = sum(os.path.getsize(os.path.join(args.extra, n)) for n in os.listdir(args.extra)) if args.extra else 0
    tree = args.tree_bytes or tracked_bytes(args.out, args.leave_out)
    capacity = int((args.limit_mib - args.margin_mib) * MIB) - tree
    try:
        calls = pack_calls(sizes, capacity, extra)
    except ValueError as e:
        raise SystemExit(f"diffuse.carry: {e}") from None
    dirs = link_calls(calls, args.src, args.out, args.extra)
    print(json.dumps({"tree_mib": round(tree / MIB, 1), "calls": [
        {"carry": os.path.basename(d), "files": names, "mib": round(sum(sizes[n] for n in names) / MIB, 1)}
        for d, names in zip(dirs, calls)]}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
