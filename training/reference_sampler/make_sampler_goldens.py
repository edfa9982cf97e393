"""Writes test/fixtures/sampler-golden.json: RNG test vectors and sampler cases run by this reference
sampler with the shared fake denoiser. The TS test (test/unit/samplerGolden.test.ts) replays every
case and must get the same tokens, revealStep, nfe and steps exactly, confidences within 1e-12.

    python3 training/reference_sampler/make_sampler_goldens.py [--out=PATH] [--check]

--check regenerates in memory and fails if the checked-in file differs (no write).
"""

import json
import os
import sys

from fake_denoiser import FAKE_SPEC, ContextCacheFake, fake_logits, fake_sphere_logits
from rng import Rng
from sampler import sample

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "test", "fixtures", "sampler-golden.json")
M = FAKE_SPEC["maskId"]
RNG_SEEDS = [0, 1, 42, 2**32 - 1, 2**32 + 7, -1, 123456789]


def canvas(*parts):
    """A row from context lists and hole sizes: canvas([5, 6], 4, [7]) = 5 6 M M M M 7."""
    row = []
    for part in parts:
        row += [M] * part if isinstance(part, int) else part
    return row


ONE_HOLE = canvas([2, 9, 14, 3, 7], 8, [11, 4, 19, 6])
LONG_HOLE = canvas([5, 8, 2], 12, [13, 10])
TWO_HOLES = canvas([3, 17], 5, [8, 8, 21], 4, [12])
HOLE_AT_END = canvas([4, 15, 9, 2, 16, 1, 20, 3], 7)
BIG_HOLE = canvas([6], 32, [7])


def case(name, rows, stop_after=None, spec=None, context_cache=False, **options):
    """context_cache: the denoiser is ContextCacheFake (the golden case says "contextCache": true)."""
    options.setdefault("seed", 7)
    return {"name": name, "rows": rows, "options": options, "stopAfter": stop_after, "spec": spec,
            "contextCache": context_cache}


COSINE_SPEC = dict(FAKE_SPEC, schedule={"type": "cosine", "eps": 1e-3})
PAD = 0.6


def family(name, graph, output_kind, cond_kind, schedule, **extra):
    return dict(FAKE_SPEC, family=name, graph=graph, outputKind=output_kind, condKind=cond_kind, schedule=schedule,
                **extra)


MD4_LINEAR = family("md4", "absorb", "x0_logits", "t_x1000", {"type": "linear", "eps": 1e-4})
MD4_COSINE = family("md4", "absorb", "x0_logits", "t_x1000", {"type": "md4_cosine", "eps": 1e-4})
MD4_POLY = family("md4", "absorb", "x0_logits", "t_x1000", {"type": "poly", "eps": 1e-4, "exponent": 2})
GENMD4 = family("md4", "absorb", "x0_logits", "t_x1000",
                {"type": "genmd4", "eps": 1e-4, "tokenExponents": [0.5 + 0.25 * (v % 5) for v in range(24)]})
SEDD_ABSORB = family("sedd", "absorb", "log_score", "sigma", {"type": "loglinear", "eps": 1e-3})
SEDD_UNIFORM = family("sedd", "uniform", "log_score", "sigma", {"type": "geometric", "sigmaMin": 1e-4, "sigmaMax": 20})
CEDD_ABSORB = family("cedd", "absorb", "x0_logits", "sigma", {"type": "loglinear", "eps": 1e-3})
CEDD_UNIFORM = family("cedd", "uniform", "x0_logits", "sigma", {"type": "loglinear", "eps": 1e-3})
CEDD_UNIFORM_GEOMETRIC = dict(CEDD_UNIFORM, schedule={"type": "geometric", "sigmaMin": 1e-4, "sigmaMax": 20})
CEDD_ROULETTE = family("cedd", "roulette", "x0_logits", "sigma", {"type": "loglinear", "eps": 1e-3}, pM=0.9)
UNIFORM_TIME_FREE = dict(CEDD_UNIFORM, condKind="none")
BRIDGE = {"type": "geometric_bridge", "beta0": 1e-3, "betaF": 0.2, "stepThr": 0.38, "endEps": 1e-5}
# 24 ids in 5 binary digits: the patterns of 24..31 and of the mask id spell no real token
RDLM_BINARY = family("rdlm", "sphere", "x0_logits", "t", BRIDGE, sphere={"base": 2, "digits": 5})
RDLM_MASK_START = dict(RDLM_BINARY, schedule=dict(BRIDGE, stepThr=0.0))
RDLM_TERNARY = dict(RDLM_BINARY, sphere={"base": 3, "digits": 3})

# Cases of the families contract (issue 6): every family, graph and output kind, both kernels.
FAMILY_CASES = [
    case("md4-linear-random", [LONG_HOLE], steps=8, strategy="random", spec=MD4_LINEAR),
    case("md4-linear-confidence", [ONE_HOLE], steps=4, strategy="confidence", spec=MD4_LINEAR),
    case("md4-linear-euler", [LONG_HOLE], steps=8, strategy="random", kernel="euler", spec=MD4_LINEAR),
    # the Euler kernel reads sigma and sigma' of the schedule: one case per schedule that has them
    case("md4-cosine-euler", [LONG_HOLE], steps=8, strategy="random", kernel="euler", spec=MD4_COSINE),
    case("md4-poly-euler", [LONG_HOLE], steps=8, strategy="random", kernel="euler", spec=MD4_POLY),
    case("mdlm-cosine-euler", [LONG_HOLE], steps=8, strategy="random", kernel="euler", spec=COSINE_SPEC),
    case("md4-cosine-random", [BIG_HOLE], steps=10, strategy="random", spec=MD4_COSINE),
    case("md4-poly-random-blocks", [BIG_HOLE], steps=12, strategy="random", blockSize=8, spec=MD4_POLY),
    case("genmd4-random", [LONG_HOLE], steps=8, strategy="random", spec=GENMD4),
    case("genmd4-random-greedy", [TWO_HOLES], steps=6, strategy="random", temperature=0, spec=GENMD4),
    case("genmd4-random-pad", [BIG_HOLE], steps=8, strategy="random", padPenalty=PAD, seed=2, spec=GENMD4),
    case("sedd-absorb-tweedie", [LONG_HOLE], steps=8, strategy="random", spec=SEDD_ABSORB),
    case("sedd-absorb-euler", [LONG_HOLE], steps=8, strategy="random", kernel="euler", spec=SEDD_ABSORB),
    case("sedd-absorb-euler-one-step", [ONE_HOLE], steps=1, strategy="random", kernel="euler", spec=SEDD_ABSORB),
    case("sedd-absorb-confidence", [ONE_HOLE], steps=4, strategy="margin", temperature=0.7, spec=SEDD_ABSORB),
    case("sedd-absorb-tweedie-pad-blocks", [BIG_HOLE], steps=8, strategy="random", blockSize=16, padPenalty=PAD,
         seed=4, spec=SEDD_ABSORB),
    case("sedd-uniform-tweedie", [LONG_HOLE], steps=8, strategy="random", spec=SEDD_UNIFORM),
    case("sedd-uniform-tweedie-greedy", [TWO_HOLES], steps=5, strategy="random", temperature=0, spec=SEDD_UNIFORM),
    case("sedd-uniform-euler", [LONG_HOLE], steps=10, strategy="random", kernel="euler",
         spec=SEDD_UNIFORM),
    case("cedd-absorb-random", [LONG_HOLE], steps=8, strategy="random", spec=CEDD_ABSORB),
    case("cedd-absorb-euler", [LONG_HOLE], steps=8, strategy="random", kernel="euler", temperature=0.7,
         spec=CEDD_ABSORB),
    case("cedd-uniform-random", [LONG_HOLE], steps=8, strategy="random", spec=CEDD_UNIFORM),
    case("cedd-uniform-random-greedy", [ONE_HOLE], steps=6, strategy="random", temperature=0, spec=CEDD_UNIFORM),
    case("cedd-uniform-euler", [LONG_HOLE], steps=8, strategy="random", kernel="euler", spec=CEDD_UNIFORM),
    case("cedd-uniform-geometric", [TWO_HOLES], steps=6, strategy="random", temperature=0.7,
         spec=CEDD_UNIFORM_GEOMETRIC),
    case("cedd-uniform-pad", [BIG_HOLE], steps=6, strategy="random", padPenalty=PAD, seed=1, spec=CEDD_UNIFORM),
    case("cedd-uniform-batch2", [TWO_HOLES, HOLE_AT_END], steps=5, strategy="random", spec=CEDD_UNIFORM),
    case("cedd-uniform-stop-after-2", [LONG_HOLE], stop_after=2, steps=8, strategy="random", spec=CEDD_UNIFORM),
    case("uniform-time-free-cached", [ONE_HOLE], steps=6, strategy="random", temperature=0, spec=UNIFORM_TIME_FREE),
    case("cedd-roulette-random", [LONG_HOLE], steps=8, strategy="random", spec=CEDD_ROULETTE),
    case("cedd-roulette-euler", [LONG_HOLE], steps=8, strategy="random", kernel="euler", spec=CEDD_ROULETTE),
    case("cedd-roulette-confidence", [ONE_HOLE], steps=5, strategy="confidence", spec=CEDD_ROULETTE),
    case("cedd-roulette-margin-threshold-cosine", [LONG_HOLE], steps=6, strategy="margin", threshold=0.3,
         schedule="cosine", temperature=0.7, spec=CEDD_ROULETTE),
    case("cedd-roulette-pad-confidence", [BIG_HOLE], steps=8, strategy="confidence", padPenalty=PAD, seed=3,
         spec=CEDD_ROULETTE),
    case("cedd-roulette-stop-after-3", [LONG_HOLE], stop_after=3, steps=8, strategy="random", spec=CEDD_ROULETTE),
    case("rdlm-binary-grw", [LONG_HOLE], steps=12, strategy="random", spec=RDLM_BINARY),
    case("rdlm-binary-one-step", [ONE_HOLE], steps=1, strategy="random", spec=RDLM_BINARY),
    case("rdlm-mask-start", [TWO_HOLES], steps=10, strategy="random", seed=3, spec=RDLM_MASK_START),
    case("rdlm-ternary-batch2", [TWO_HOLES, HOLE_AT_END], steps=8, strategy="random", spec=RDLM_TERNARY),
    case("rdlm-stop-after-3", [BIG_HOLE], stop_after=3, steps=20, strategy="random", spec=RDLM_BINARY),
]

CASES = [
    case("confidence-linear-greedy", [ONE_HOLE], steps=8, strategy="confidence", temperature=0),
    case("confidence-linear-t1", [ONE_HOLE], steps=4, strategy="confidence"),
    case("confidence-cosine-t0.7", [ONE_HOLE], steps=5, strategy="confidence", schedule="cosine", temperature=0.7),
    case("confidence-one-step", [ONE_HOLE], steps=1, strategy="confidence", seed=3),
    case("confidence-more-steps-than-tokens", [TWO_HOLES], steps=20, strategy="confidence", temperature=0.7),
    case("margin-linear-t1", [ONE_HOLE], steps=6, strategy="margin", seed=11),
    case("margin-cosine-greedy", [TWO_HOLES], steps=3, strategy="margin", schedule="cosine", temperature=0),
    case("entropy-linear-t0.7", [ONE_HOLE], steps=10, strategy="entropy", temperature=0.7),
    case("entropy-cosine-t1", [HOLE_AT_END], steps=4, strategy="entropy", schedule="cosine"),
    case("threshold-0.5-confidence-greedy", [ONE_HOLE], steps=8, strategy="confidence", threshold=0.5, temperature=0),
    case("threshold-0.9-margin-cosine", [LONG_HOLE], steps=4, strategy="margin", schedule="cosine", threshold=0.9,
         temperature=0.7),
    case("threshold-0.3-entropy-t1", [TWO_HOLES], steps=9, strategy="entropy", threshold=0.3),
    case("blocks-confidence", [LONG_HOLE], steps=6, strategy="confidence", blockSize=4),
    case("blocks-threshold-cosine", [BIG_HOLE], steps=8, strategy="entropy", blockSize=8, threshold=0.6,
         schedule="cosine"),
    case("blocks-fewer-steps-than-blocks", [LONG_HOLE], steps=2, strategy="confidence", blockSize=3),
    case("blocks-random", [BIG_HOLE], steps=12, strategy="random", blockSize=10),
    case("batch2-same-rows", [ONE_HOLE, ONE_HOLE], steps=4, strategy="confidence"),
    case("batch2-different-rows", [TWO_HOLES, HOLE_AT_END], steps=5, strategy="margin",
         temperature=0.7),
    case("random-t1-few-steps", [LONG_HOLE], steps=4, strategy="random"),
    case("random-t1-many-steps-cached", [ONE_HOLE], steps=50, strategy="random"),
    case("random-greedy", [TWO_HOLES], steps=10, strategy="random", temperature=0),
    case("random-batch2", [ONE_HOLE, LONG_HOLE], steps=16, strategy="random", temperature=0.7),
    case("random-one-step", [BIG_HOLE], steps=1, strategy="random", seed=2),
    # Seed 5374 is one where a mask survives the whole grid (chance 1e-5 per token), so the final
    # noise-removal argmax runs on fresh logits: nfe 2 for one step.
    case("random-noise-removal", [BIG_HOLE], steps=1, strategy="random", seed=5374),
    case("random-cosine-schedule", [LONG_HOLE], steps=8, strategy="random", spec=COSINE_SPEC),
    case("stop-after-2-confidence", [LONG_HOLE], stop_after=2, steps=12, strategy="confidence"),
    case("stop-after-3-random", [LONG_HOLE], stop_after=3, steps=30, strategy="random", seed=9),
    case("hole-at-end-greedy", [HOLE_AT_END], steps=7, strategy="confidence", temperature=0),
    # padPenalty on (pad rules, sampler.py / step/padRules.ts). The fake puts padding at hole ends and,
    # like any id, as the argmax of ~1/23 of positions, so pads get banned before revealed content
    # often; the seeds below are ones where a revealed pad pads the rest of its hole.
    case("pad-confidence-greedy", [BIG_HOLE], steps=16, strategy="confidence", temperature=0, padPenalty=PAD),
    case("pad-hole-at-end-greedy", [HOLE_AT_END], steps=7, strategy="confidence", temperature=0, padPenalty=PAD),
    case("pad-zero-penalty-greedy", [TWO_HOLES], steps=6, strategy="confidence", temperature=0, padPenalty=0),
    case("pad-confidence-t1-ends-hole", [BIG_HOLE], steps=8, strategy="confidence", padPenalty=PAD, seed=0),
    case("pad-margin-threshold-ends-hole", [BIG_HOLE], steps=8, strategy="margin", threshold=0.3, padPenalty=PAD,
         seed=3),
    case("pad-entropy-two-holes", [TWO_HOLES], steps=8, strategy="entropy", padPenalty=PAD, seed=11),
    case("pad-threshold-two-holes", [TWO_HOLES], steps=8, strategy="confidence", threshold=0.3, padPenalty=PAD,
         seed=0),
    case("pad-blocks-ends-later-blocks", [BIG_HOLE], steps=8, strategy="confidence", blockSize=8, threshold=0.5,
         padPenalty=PAD, seed=1),
    case("pad-random", [BIG_HOLE], steps=12, strategy="random", padPenalty=PAD, seed=4),
    case("pad-random-noise-removal", [BIG_HOLE], steps=1, strategy="random", padPenalty=PAD, seed=5374),
    case("pad-stop-after-2-ends-hole", [BIG_HOLE], stop_after=2, steps=12, strategy="confidence", padPenalty=PAD,
         seed=16),
    case("pad-batch2", [TWO_HOLES, HOLE_AT_END], steps=5, strategy="margin", temperature=0.7,
         padPenalty=PAD),
] + FAMILY_CASES

# Context caching (sample.ts): refreshes every cacheRefresh calls, cached calls of the hole positions
# of any row in between; the noise-removal call counts; a denoiser without the cache ignores it.
CACHE_CASES = [
    case("cache-every-3-confidence", [LONG_HOLE], steps=12, strategy="confidence", cacheRefresh=3, context_cache=True),
    case("cache-every-2-random-noise-removal", [BIG_HOLE], steps=6, strategy="random", cacheRefresh=2, context_cache=True),
    case("cache-every-4-batch2-pad", [TWO_HOLES, canvas([3, 17], 3, [0, 0, 8, 8, 21], 4, [12])], steps=8,
         strategy="confidence", temperature=0, padPenalty=PAD, cacheRefresh=4, context_cache=True),
    case("cache-every-3-md4-blocks", [BIG_HOLE], steps=12, strategy="confidence", blockSize=8, cacheRefresh=3,
         spec=MD4_LINEAR, context_cache=True),
    case("cache-every-2-cedd-uniform", [LONG_HOLE], steps=6, strategy="random", cacheRefresh=2, spec=CEDD_UNIFORM,
         context_cache=True),
    case("cache-ignored-without-the-cache", [LONG_HOLE], steps=12, strategy="confidence", cacheRefresh=3),
]
CASES += CACHE_CASES

# Growing holes (loop/holeGrowth.ts): a spec with an expand token, the last id. A hole grows into its
# room, the pads after it in the input canvas. The fake's expand logit is a hash like any other id's,
# so the canvases and seeds below are ones where it is revealed: the splits per case (counted by
# instrumenting CanvasState.split_slot) are in the comments; test_reference_sampler.py checks that the
# holes grew. "remask": two expands in one step where the room holds one.
EXPAND = dict(FAKE_SPEC, vocabSize=25, expandId=24)
MD4_EXPAND = dict(MD4_LINEAR, vocabSize=25, expandId=24)
# the extension's shipped decoding
SHIPPED = dict(steps=12, strategy="confidence", threshold=0.8, temperature=0, padPenalty=PAD, nonEmpty=True)
ROOM_5 = canvas([2, 10], 4, [0, 0, 0, 0, 0, 8, 4])
ROOM_4 = canvas([2, 9], 6, [0, 0, 0, 0, 11, 4])
EXPAND_CASES = [
    case("expand-shipped", [ROOM_5], spec=EXPAND, **SHIPPED),  # 3 splits
    case("expand-shipped-room-used-up", [canvas([2, 4], 5, [0, 0, 21, 4])], spec=EXPAND, **SHIPPED),  # 2
    # row 0: two holes with room 3 and 2; row 1: a hole without room (the expand never taken)
    case("expand-shipped-batch2-two-holes-no-room",
         [canvas([2, 5], 3, [0, 0, 0, 7, 8], 3, [0, 0, 6]), canvas([5, 1], 4, [13, 10] + [0] * 8)],
         spec=EXPAND, **SHIPPED),  # 3: 1 in the first hole, 2 in the second
    case("expand-confidence-t1-pad", [canvas([2, 2], 4, [0, 0, 0, 0, 0, 10, 4])], steps=8, strategy="confidence",
         padPenalty=PAD, seed=9, spec=EXPAND),  # 3
    case("expand-random-t1", [ROOM_4], steps=10, strategy="random", seed=14, spec=EXPAND),  # 2
    case("expand-random-pad-nonempty", [ROOM_4], steps=10, strategy="random", temperature=0.7, padPenalty=PAD,
         nonEmpty=True, seed=14, spec=EXPAND),  # 3
    case("expand-random-remask", [canvas([3, 3], 10, [0, 12, 5])], steps=2, strategy="random", seed=8,
         spec=EXPAND),  # 1 and a remask
    case("expand-threshold-remask", [canvas([3, 1], 10, [0, 12, 5])], steps=3, strategy="confidence", threshold=0.3,
         seed=9, spec=EXPAND),  # 1 and a remask
    case("expand-blocks-t0.7", [canvas([2, 1], 6, [0, 0, 0, 0, 21, 4])], steps=8, strategy="confidence", blockSize=3,
         temperature=0.7, seed=69, spec=EXPAND),  # 2, the first in block 1
    case("expand-blocks-shipped", [canvas([2, 2], 6, [0, 0, 0, 0, 7, 4])], blockSize=3, spec=EXPAND,
         **SHIPPED),  # 2, in block 1
    # a split at the stop step: the anytime finish makes a new call first
    case("expand-stop-after-split", [canvas([2, 6], 4, [0, 0, 0, 0, 0, 6, 4])], stop_after=4, steps=12,
         strategy="confidence", seed=64, spec=EXPAND),  # 2, at steps 2 and 4
    case("expand-md4-random-stop-after-split", [canvas([2, 16], 6, [0, 0, 0, 0, 17, 4])], stop_after=3, steps=10,
         strategy="random", seed=92, spec=MD4_EXPAND),  # 2 in step 3
    case("expand-md4-random", [canvas([2, 16], 6, [0, 0, 0, 0, 17, 4])], steps=10, strategy="random", seed=92,
         spec=MD4_EXPAND),
    # no growth: one step is the block's last; the kernel path never takes the expand token
    case("expand-one-step", [ROOM_5], spec=EXPAND, **dict(SHIPPED, steps=1)),
    case("expand-euler-kernel", [ROOM_4], steps=8, strategy="random", kernel="euler", spec=EXPAND),
    # context-cached calls run the room with the holes
    case("expand-cache-every-3-shipped", [canvas([2, 1], 4, [0, 0, 0, 5], 3, [0, 0, 0, 20, 4])], spec=EXPAND,
         context_cache=True, cacheRefresh=3, **dict(SHIPPED, steps=10)),  # 3
    case("expand-cache-every-3-batch2",
         [canvas([2, 2], 4, [0, 0, 0, 5], 3, [0, 0, 0, 14, 4]), canvas([7, 14], 6, [0, 0, 0, 0, 0, 2, 4, 9, 9, 9])],
         steps=10, strategy="confidence", cacheRefresh=3, seed=9, spec=EXPAND, context_cache=True),  # 2, one per row
]
CASES += EXPAND_CASES


def fake_denoise(spec, context_cache=False):
    if context_cache:
        return ContextCacheFake(spec)
    if spec["graph"] == "sphere":
        return lambda *request: fake_sphere_logits(spec, *request)
    return lambda tokens, batch, length, positions, queries, cond: fake_logits(
        spec, tokens, batch, length, positions, queries, cond)


def run_case(c, spec):
    rows = c["rows"]
    length = len(rows[0])
    assert all(len(row) == length for row in rows), f"{c['name']}: rows of different lengths"
    tokens = [t for row in rows for t in row]
    stop_after = c["stopAfter"]
    on_step = None if stop_after is None else (lambda step, _state: "stop" if step == stop_after else None)
    result = sample(fake_denoise(spec, c["contextCache"]), spec, tokens, len(rows), length, c["options"], on_step)
    return {
        "name": c["name"],
        **({"contextCache": True} if c["contextCache"] else {}),
        "spec": spec,
        "options": c["options"],
        "stopAfter": stop_after,
        "canvas": {"batch": len(rows), "length": length, "tokens": tokens},
        "expected": result,
    }


def rng_vectors():
    vectors = []
    for seed in RNG_SEEDS:
        words = Rng(seed)
        uniforms = Rng(seed)
        vectors.append({
            "seed": seed,
            "uint32": [words.next_uint32() for _ in range(8)],
            "uniform": [uniforms.next_uniform() for _ in range(8)],
        })
    return vectors


def build():
    return {
        "about": "Generated by training/reference_sampler/make_sampler_goldens.py; do not edit by hand.",
        "fakeSpec": FAKE_SPEC,
        "rng": rng_vectors(),
        "cases": [run_case(c, c["spec"] or FAKE_SPEC) for c in CASES],
    }


def main(argv):
    out = DEFAULT_OUT
    check = False
    for arg in argv:
        if arg.startswith("--out="):
            out = arg[len("--out="):]
        elif arg == "--check":
            check = True
        else:
            raise SystemExit(f"unknown argument {arg}")
    text = json.dumps(build(), indent=1) + "\n"
    if check:
        with open(out, encoding="utf-8") as f:
            if f.read() != text:
                raise SystemExit(f"{out} is stale: rerun make_sampler_goldens.py")
        return
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {len(CASES)} cases to {os.path.normpath(out)}")


if __name__ == "__main__":
    main(sys.argv[1:])
