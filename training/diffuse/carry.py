"""Corpus parts packed into the device calls that carry them to the GPU machine.

A call to the lent GPU machine carries the checkout (tracked files and untracked ones git does not
ignore) and the folders named in it, `limit_mib` MiB in all, so the corpus parts (`.corpus/`, git-ignored, ~150-200 MiB) travel over several chained calls while the
machine stays warm, each costing device time. This packs them into as few calls as fit, largest
first, each into the emptiest call, and links each call's files into its own git-ignored folder
`.xfer1`, `.xfer2`, ... (hard links: no copies), the `extra` folder (the datasketch wheel) going
with the last call, which builds the corpus, or with `init`'s call where it fits there (every
`receive` keeps its files on the machine for the corpus stage; a run on the GPU image's Python
alone, with no parts, then needs that one call: session 55's corpus stage stopped without it). On the machine each call copies its folder's files to
one place (`cp .xferN/* /tmp/corpus/`).

    cd training && python3 -m diffuse.carry --src=../.corpus --skip=pypi-66.tar.xz [--init=../models/diffuse-small/model.onnx]

The checkout is measured with git, less `leave_out` (the bundled model.onnx, which is moved out of
the tree while the calls travel). `init`, a graph a run continues, goes first in a call of its own:
linked as `.xfer-init/init.onnx`, the name `pipeline.sh receive` copies to $WORK/init/model.onnx
(and its wheels to where the corpus stage installs them from).
Each call's entry in the printed plan names its folder and the `receive` command that keeps it.
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
    tree_bytes: int = 0              # the checkout as carried (0: measured with git)
    leave_out: str = "models/diffuse-small/model.onnx"   # a tracked file out of the tree meanwhile
    init: str = ""                   # a graph to continue (--init_from): a call of its own, first


def checkout_bytes(repo, leave_out=""):
    """Bytes of what a call carries of `repo` besides the folders it names: the files git tracks and
    the untracked ones it does not ignore, less `leave_out` (a path relative to `repo`). A file moved
    out of the tree and linked back travels as the link, so a link counts as its own few bytes."""
    names = subprocess.run(["git", "-C", repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           check=True, capture_output=True).stdout
    total = 0
    for name in names.decode().split("\0"):
        path = os.path.join(repo, name)
        if name and name != leave_out and os.path.lexists(path):
            total += os.lstat(path).st_size
    return total


def pack_calls(sizes, capacity, extra=0):
    """`sizes` ({name: bytes}) in calls of `capacity` bytes, the last call also holding `extra`
    bytes: a list of calls, each a list of names. From the fewest calls the bytes allow, one more
    until one of two greedy packings of the parts, largest first, fits: each into the call with the
    most room (balanced calls), else each into the first call it fits. Bin packing is NP-hard; these
    two miss the fewest calls only for part sizes that a corpus's ~20 parts of similar size do not
    have."""
    if capacity <= 0:
        raise ValueError(f"the checkout alone fills a call ({-capacity / MIB:.1f} MiB over, margin included)")
    too_big = [n for n, s in sizes.items() if s > capacity]
    if too_big or extra > capacity:
        what = ", ".join(f"{n} ({sizes[n] / MIB:.1f} MiB)" for n in too_big) or f"the extra folder ({extra / MIB:.1f} MiB)"
        raise ValueError(f"{what} does not fit one call's {capacity / MIB:.1f} MiB beside the checkout")
    order = sorted(sizes, key=lambda n: (-sizes[n], n))
    count = max(1, -(-(sum(sizes.values()) + extra) // capacity))
    while True:
        for choose in (_most_room, _first_fit):
            calls = _greedy(order, sizes, capacity, extra, count, choose)
            if calls is not None:
                return calls
        count += 1


def _most_room(room, size):
    return max(range(len(room)), key=lambda i: (room[i], -i))


def _first_fit(room, size):
    return next((i for i, r in enumerate(room) if r >= size), 0)


def _greedy(order, sizes, capacity, extra, count, choose):
    """The parts in `order` into `count` calls, each where `choose` puts it; None when one fits nowhere."""
    calls, room = [[] for _ in range(count)], [capacity] * count
    room[-1] -= extra
    for name in order:
        i = choose(room, sizes[name])
        if room[i] < sizes[name]:
            return None
        calls[i].append(name)
        room[i] -= sizes[name]
    return calls


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


INIT_FOLDER = ".xfer-init"   # not .xferN, which link_calls clears


def link_init(init, out, extra=""):
    """A hard link of the graph `init` as `out`/.xfer-init/init.onnx (an earlier one replaced), and
    of the extra folder's files beside it. Returns the folder and its file names."""
    folder = os.path.join(out, INIT_FOLDER)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    os.link(init, os.path.join(folder, "init.onnx"))
    names = ["init.onnx"]
    for name in sorted(os.listdir(extra)) if extra else []:
        os.link(os.path.join(extra, name), os.path.join(folder, name))
        names.append(name)
    return folder, names


def main(argv):
    args = parse_options(CarryOptions, argv, "diffuse.carry")
    if not os.path.isdir(args.src):
        raise SystemExit(f"diffuse.carry: --src={args.src}: no such folder (the corpus parts)")
    skip = set(args.skip)
    sizes = {n: os.path.getsize(os.path.join(args.src, n)) for n in sorted(os.listdir(args.src))
             if n not in skip and os.path.isfile(os.path.join(args.src, n))}
    if args.extra and not os.path.isdir(args.extra):
        raise SystemExit(f"diffuse.carry: --extra={args.extra}: no such folder (--extra= for none)")
    extra_files = sorted(os.listdir(args.extra)) if args.extra else []
    clash = sorted(set(extra_files) & set(sizes))
    if clash:
        raise SystemExit(f"diffuse.carry: {', '.join(clash)} is in both --src and --extra")
    extra = sum(os.path.getsize(os.path.join(args.extra, n)) for n in extra_files)
    tree = args.tree_bytes or checkout_bytes(args.out, args.leave_out)
    capacity = int((args.limit_mib - args.margin_mib) * MIB) - tree
    init_bytes = 0
    if args.init:
        if not os.path.isfile(args.init):
            raise SystemExit(f"diffuse.carry: --init={args.init}: no such file (the graph to continue)")
        init_bytes = os.path.getsize(args.init)
        if init_bytes > capacity:
            raise SystemExit(f"diffuse.carry: --init={args.init} ({init_bytes / MIB:.1f} MiB) does not fit one call's "
                             f"{capacity / MIB:.1f} MiB beside the checkout")
    extra_with_init = bool(args.init) and init_bytes + extra <= capacity
    try:
        # no parts and the extra gone with init: no call of parts at all
        calls = pack_calls(sizes, capacity, 0 if extra_with_init else extra) if sizes or not extra_with_init else []
    except ValueError as e:
        raise SystemExit(f"diffuse.carry: {e}") from None
    plan = []
    if args.init:
        folder, names = link_init(args.init, args.out, args.extra if extra_with_init else "")
        plan.append((folder, names, init_bytes + (extra if extra_with_init else 0)))
    dirs = link_calls(calls, args.src, args.out, "" if extra_with_init else args.extra)
    plan += [(d, names, sum(sizes[n] for n in names)) for d, names in zip(dirs, calls)]
    if dirs and not extra_with_init and extra_files:
        last, names, nbytes = plan[-1]
        plan[-1] = (last, names + extra_files, nbytes + extra)
    print(json.dumps({"tree_mib": round(tree / MIB, 1), "out_of_the_tree": args.leave_out, "calls": [
        {"carry": os.path.basename(d), "files": names, "mib": round(nbytes / MIB, 1),
         "receive": f"RECEIVE={os.path.basename(d)} bash pipeline.sh receive"}
        for d, names, nbytes in plan]}, indent=1))
    left_out = os.path.join(args.out, args.leave_out)
    if args.leave_out and os.path.exists(left_out) and not os.path.islink(left_out):
        # the plan counts it out: every call would carry it too, past the limit
        print(f"diffuse.carry: move {args.leave_out} out of the tree before the calls (rm it; git checkout it after)",
              file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
