"""The training step with and without distillation (training/diffuse/distill.py), on the GPU.

Measures, per configuration, the ms per step, the peak GPU memory and the loss over a few steps of
one synthetic batch; then, over the canvas shapes the loader makes, how many compiled variants of
Denoiser.hidden the student and the teacher hold together (they count against one limit).

    python3 bench/distill_step.py    # on the GPU machine, from the repository root

It ran so for bench/README.md §65 (session 54, one H100, about 4.5 minutes).

The batch: B = 256 rows of L = 256 tokens over v8's vocabulary, half the rows holes of 96 slots, a
quarter with a key mask, and one MDLM corruption of it. The student has six blocks of v8's width;
the teacher twelve, with random weights sharpened so that many of its probabilities underflow to 0
(its cost does not depend on what it knows).

Output: the number of masked positions; a JSON row per configuration (weight: the teacher's share
λ, null for no teacher; compiled; bf16; the loss of the first and the last step; whether every loss
was finite; the last step's gradient norm; ms per step, timed after three warm-up steps; peak GiB),
eager fp32 and then compiled bf16 as train.py runs, and a last row alternating no key mask and the
key mask (its ms per forward and backward); dynamo's counters; then, for one distilled run of 40
steps over the loader's canvas shapes, the cache entries on Denoiser.hidden, the seconds of the last
three steps of each kind of canvas, whether dynamo's log names a recompile limit and its tail, and
the limit's value.
"""
import io
import json
import logging
import os
import random
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "training"))
from diffuse.distill import Distillation  # noqa: E402
from diffuse.families import Family  # noqa: E402
from diffuse.model import Denoiser, ModelConfig  # noqa: E402
from diffuse.tokenizer import MASK_ID  # noqa: E402
from diffuse.train import TrainConfig, _LossModule, allow_tf32, make_optimizer  # noqa: E402

VOCAB, ROWS, LENGTH, DEVICE = 8192, 256, 256, "cuda"
WARMUP_STEPS = 3                       # steps before the clock starts
LOADER_STEPS = 40                      # steps of the run over the loader's canvas shapes


def network(n_layer):
    return Denoiser(ModelConfig(vocab_size=VOCAB, n_layer=n_layer, n_head=8, n_embd=512, max_length=LENGTH)).to(DEVICE)


def student():
    """The six-block student, the same weights every time."""
    torch.manual_seed(0)
    return network(6)


def sharpened_teacher():
    """The twelve-block teacher, frozen, its embedding scaled up: sharp predictions."""
    torch.manual_seed(1)
    teacher = network(12)
    with torch.no_grad():
        teacher.wte.weight.mul_(8)
    return teacher.eval().requires_grad_(False)


def synthetic_batch(objective):
    """x0, region, valid [B, L] and their corruption (MDLM.draw), drawn on the host, on DEVICE."""
    generator = torch.Generator().manual_seed(0)
    x0 = torch.randint(3, VOCAB, (ROWS, LENGTH), generator=generator)
    region = torch.ones(ROWS, LENGTH, dtype=torch.bool)
    region[: ROWS // 2] = False
    region[: ROWS // 2, 50:146] = True               # holes of 96 slots in half the rows
    valid = torch.ones(ROWS, LENGTH, dtype=torch.bool)
    valid[: ROWS // 4, 200:] = False                 # a key mask on a quarter of them
    drawn = objective.draw(x0, region, generator)
    return x0.to(DEVICE), region.to(DEVICE), valid.to(DEVICE), tuple(d.to(DEVICE) for d in drawn)


def loss_module(model, family, teacher, weight):
    """train.py's loss module of `model`, distilled from `teacher` at `weight` unless it is None."""
    distillation = None if weight is None else Distillation(teacher, weight)
    return _LossModule(model, "mdlm", MASK_ID, family, None, "random", distillation).to(DEVICE)


def compile_both(model, teacher):
    """Compiles both networks' hidden as train.py does (dynamo's caches reset first)."""
    torch._dynamo.reset()
    model.hidden = torch.compile(model.hidden)
    teacher.hidden = torch.compile(Denoiser.hidden.__get__(teacher))


def measure(batch, family, teacher, weight, compiled, bf16, steps=8, key_masks=(None,)):
    """One configuration's row: `steps` steps on the batch, each a forward and backward per key
    mask in key_masks (ms per step is per forward and backward)."""
    x0, region, _, drawn = batch
    model = student()
    module = loss_module(model, family, teacher, weight)
    optimizer = make_optimizer(module, TrainConfig())
    if compiled:
        compile_both(model, teacher)
    else:
        teacher.hidden = Denoiser.hidden.__get__(teacher)     # undo an earlier row's compiling
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16)
    losses = []
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    for step in range(steps):
        if step == WARMUP_STEPS:
            torch.cuda.synchronize()
            start = time.time()
        for key_mask in key_masks:
            with autocast:
                loss = module(x0, region, key_mask, drawn)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0))
            optimizer.step()
            losses.append(round(float(loss), 5))
            assert all(p.grad is None for p in teacher.parameters())
    torch.cuda.synchronize()
    seconds_per_step = (time.time() - start) / (steps - WARMUP_STEPS) / len(key_masks)
    return dict(weight=weight, compiled=compiled, bf16=bf16, first=losses[0], last=losses[-1],
                finite=all(value == value and abs(value) < 1e9 for value in losses),
                grad_norm=round(grad_norm, 4), ms_per_step=round(seconds_per_step * 1000, 1),
                peak_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2))


def loader_shapes(batch, objective, family, teacher):
    """One distilled run (λ = 0.5, compiled, bf16) over canvases of 256 or shorter (multiples of
    16), with or without a key mask, as the loader makes them; its corruption drawn on the host."""
    x0, region, valid, _ = batch
    dynamo_log = io.StringIO()
    logging.getLogger("torch._dynamo").addHandler(logging.StreamHandler(dynamo_log))
    model = student()
    module = loss_module(model, family, teacher, 0.5)
    optimizer = make_optimizer(module, TrainConfig())
    compile_both(model, teacher)
    shapes = random.Random(0)
    step_seconds = {}                   # (full canvas, key mask) -> seconds of each step
    for _ in range(LOADER_STEPS):
        length = LENGTH if shapes.random() < 0.6 else shapes.randrange(64, LENGTH, 16)
        with_key_mask = shapes.random() < 0.3
        x0_cut, region_cut = x0[:, :length].contiguous(), region[:, :length].contiguous()
        key_mask = None
        if with_key_mask:
            key_mask = valid[:, :length].clone()
            key_mask[:8, length - 8:] = False
        drawn = tuple(d.to(DEVICE) for d in objective.draw(x0_cut.cpu(), region_cut.cpu()))
        torch.cuda.synchronize()
        start = time.time()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = module(x0_cut, region_cut, key_mask, drawn)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        torch.cuda.synchronize()
        step_seconds.setdefault((length == LENGTH, with_key_mask), []).append(round(time.time() - start, 3))
        assert torch.isfinite(loss)
    try:                                # a private API: absent from some versions of torch
        entries = torch._C._dynamo.eval_frame._debug_get_cache_entry_list(Denoiser.hidden.__code__)
        print("cache entries on Denoiser.hidden:", len(entries))
    except Exception as error:
        print("no cache entry list:", error)
    print("step seconds by (full canvas, key mask), last 3:", {str(k): v[-3:] for k, v in step_seconds.items()})
    log = dynamo_log.getvalue()
    print("recompile_limit" in log or "cache_size_limit" in log, log[-1500:])
    config = torch._dynamo.config
    print("recompile limit", getattr(config, "recompile_limit", None), getattr(config, "cache_size_limit", None))


def main():
    allow_tf32()
    family = Family.from_config({"objective": "mdlm"})
    objective = family.objective_module(VOCAB, MASK_ID)
    batch = synthetic_batch(objective)
    print("N masked", int(batch[3][1].sum()))
    teacher = sharpened_teacher()
    rows = [(None, False, False), (1.0, False, False),              # (weight, compiled, bf16)
            (0.0, True, True), (None, True, True), (1.0, True, True), (0.5, True, True)]
    for weight, compiled, bf16 in rows:
        print(json.dumps(measure(batch, family, teacher, weight, compiled, bf16)), flush=True)
    print(json.dumps(measure(batch, family, teacher, 1.0, True, True, steps=6, key_masks=(None, batch[2]))), flush=True)
    counters = torch._dynamo.utils.counters
    print("dynamo stats", dict(counters["stats"]),
          "recompiles/limits", {k: dict(v) for k, v in counters.items() if "recompil" in k or "limit" in k})
    loader_shapes(batch, objective, family, teacher)


if __name__ == "__main__":
    main()
