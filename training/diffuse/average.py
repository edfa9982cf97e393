"""A weighted mean of two models' weights, read back from their exported graphs: a third model that
costs no GPU time.

A continuation starts from the bundled graph's weights, so the two lie in one basin and their mean
is a model of its own (bench/README.md §31, §34). Version 8 is the mean of v7 and `chain6`, a
continuation that mended v7's file-top import lines and lost a few of its other lines; the mean
kept both strengths.

    python3 -m diffuse.average A_FOLDER B_FOLDER OUT.pt [--weight=0.5] [--also=C_FOLDER --also=...]
    python3 -m diffuse.export --ckpt=OUT.pt --tokenizer=A_FOLDER/tokenizer.json --out=... --fused=true --shared_past=true
    python3 -m diffuse.quantize ... --variant=int8

With `--also`, the uniform mean of A, B and every further folder (a soup, bench/README.md §50):
each weighs 1 / n, so --weight does not apply. The checkpoint keeps B's training record (the run B
came from) and names what it was averaged with, so the exported meta.json says both. It prints
how far B lies from A (relative to A's norm), and with `--also` each further member's distance and
the mean's.
"""
import json
import sys
from dataclasses import dataclass, field

import torch

from .onnx_weights import checkpoint_of_folder
from .options import parse_options


@dataclass
class AverageOptions:
    a: str                   # a model folder (meta.json, model.onnx)
    b: str                   # another of the same shape; the checkpoint keeps its training record
    out: str                 # the checkpoint to write (train.py's format: diffuse.export reads it)
    weight: float = 0.5      # B's share of every weight
    also: list = field(default_factory=list)   # further folders (repeatable): the uniform mean of all


def averaged(a, b, weight, a_name="a"):
    """Checkpoint b with every weight (1 - weight) * a's + weight * b's. Raises ValueError when the
    two are of different shapes (naming the config field) or the weight is outside [0, 1]."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight {weight} is outside [0, 1]")
    differing = sorted(k for k in a["model_config"].keys() | b["model_config"].keys()
                       if a["model_config"].get(k) != b["model_config"].get(k))
    if differing:
        raise ValueError(f"the two models differ in {', '.join(differing)}: only models of one shape average")
    model = {k: (1 - weight) * a["model"][k] + weight * v for k, v in b["model"].items()}
    record = {**b["train_config"], "averaged_with": a_name, "weight_of_this_run": weight}
    return {**b, "model": model, "train_config": record}


def main(argv):
    args = parse_options(AverageOptions, argv, "diffuse.average", positional=("a", "b", "out"))
    if args.also and args.weight != AverageOptions.weight:
        raise SystemExit("diffuse.average: --weight with --also: the mean of three or more is uniform")
    a, b = (checkpoint_of_folder(src) for src in (args.a, args.b))
    also = [(src, checkpoint_of_folder(src)) for src in args.also]     # a folder named twice counts twice
    others = [args.a, *args.also]
    try:
        # B last, so its record stays; the running mean of the others before it keeps the mean uniform
        mean = a
        for i, (_, ck) in enumerate(also, start=2):
            mean = averaged(mean, ck, 1 / i)
        weight = 1 / (len(others) + 1) if args.also else args.weight
        ck = averaged(mean, b, weight, a_name=", ".join(others))
    except ValueError as e:
        raise SystemExit(f"diffuse.average: {', '.join(others)} and {args.b}: {e}") from None
    torch.save(ck, args.out)
    a_flat = _flat(a)

    def from_a(other):   # how far a checkpoint's weights lie from A's, relative to A's norm
        return round(float((_flat(other) - a_flat).norm() / a_flat.norm()), 4)

    report = {"wrote": args.out, "weight": weight, "relative_distance": from_a(b)}
    if also:    # a soup: each further member's distance from A, and the mean's
        report.update(also_from_a={src: from_a(m) for src, m in also}, mean_from_a=from_a(ck))
    print(json.dumps(report))


def _flat(ck):
    return torch.cat([v.flatten().float() for v in ck["model"].values()])


if __name__ == "__main__":
    main(sys.argv[1:])
