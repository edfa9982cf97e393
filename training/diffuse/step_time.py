"""Training step time of one family's objective, with the GPU to itself and no data pipeline.

The family comparison trains eight models side by side, where data loading sets the pace; this
times what the objective itself costs (forward, loss, backward, optimizer step) on random token
windows of the configured shape, bf16 autocast as in training, eager unless --compile=true (then
the backbone is compiled as train.py compiles it):

    python3 -m diffuse.step_time --objective=cedd --graph=roulette [train.py's model flags]
        [--steps=30 --warmup=5 --compile=false --profile=0]
        -> one JSON line: ms per step (median), tokens/s, MFU (train.py's FLOPs and peak)

--profile=N adds the N CUDA kernels that take the most GPU time over the timed steps (share of
the total, ms per step): where the training step's time goes, for the MFU work.
--infill_share=F makes that share of the rows editor holes (HOLE_SLOTS slots mid-canvas), so that
MDLM's --hole_reveal=confident, which runs only on hole rows, is timed too.
--short_row_share=F makes that share of the rows end early (filler after 5/8 L .. L), so that the step
attends with the key mask training always passes (short documents' rows).
"""
import contextlib
from dataclasses import dataclass
import json
import statistics
import sys
import time

import torch

from .model import Denoiser
from .options import parse_options
from .tokenizer import MASK_ID
from .train import (TrainConfig, _LossModule, allow_tf32, family_of, make_optimizer, model_config,
                    training_flops_per_token)

VOCAB = 8192
HOLE_SLOTS = 16      # a line-sized hole, as the engine's longest line row


def step_times(cfg, model, steps, warmup, device, profiler=None):
    cuda = device.startswith("cuda")
    if cuda:
        allow_tf32()     # as train.py: the head's fp32 matmuls on the tensor cores
    model = model.to(device)
    if cfg.compile and cuda:
        model.hidden = torch.compile(model.hidden)
    loss_module = _LossModule(model, cfg.objective, MASK_ID, family_of(cfg), hole_reveal=cfg.hole_reveal).to(device)
    opt = make_optimizer(loss_module, cfg)
    g = torch.Generator(device=device).manual_seed(cfg.seed)
    # real tokens only (ids above the three specials), every position may be corrupted
    x0 = torch.randint(3, VOCAB, (cfg.batch_size, cfg.max_length), device=device, generator=g)
    region = hole_region(cfg.batch_size, cfg.max_length, cfg.infill_share, device)
    valid = valid_rows(cfg.batch_size, cfg.max_length, cfg.short_row_share, device, g)
    if valid is not None:
        region &= valid                  # filler is never corrupted, as in training's rows
    times = []
    for i in range(warmup + steps):
        if i == warmup and profiler is not None:
            profiler.start()
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext():
            loss = loss_module(x0, region, valid)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if cuda:
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    if profiler is not None:
        profiler.stop()
    return times


def hole_region(batch_size, length, infill_share, device):
    """[B, L] bool: every position of a plain row; HOLE_SLOTS mid-canvas in the first
    round(B * infill_share) rows, the editor-hole rows."""
    region = torch.ones(batch_size, length, dtype=torch.bool, device=device)
    holes = round(batch_size * infill_share)
    start = max(0, (length - HOLE_SLOTS) // 2)
    region[:holes] = False
    region[:holes, start:start + HOLE_SLOTS] = True
    return region


def valid_rows(batch_size, length, short_share, device, generator):
    """[B, L] bool or None (no mask): with short_share > 0, that share of the rows ends at a random
    point of [5L/8, L), the rest is filler no query attends to (train.py's `valid`)."""
    if short_share <= 0:
        return None
    ends = torch.full((batch_size,), length, device=device)
    short = torch.rand(batch_size, device=device, generator=generator) < short_share
    early = torch.randint(length * 5 // 8, length, (batch_size,), device=device, generator=generator)
    ends = torch.where(short, early, ends)
    return torch.arange(length, device=device)[None] < ends[:, None]


def top_kernels(profiler, n, steps):
    """The n CUDA kernels with the most GPU time: name, share of all kernel time, ms per step."""
    events = [e for e in profiler.key_averages() if e.device_type == torch.autograd.DeviceType.CUDA]
    total = sum(e.self_device_time_total for e in events) or 1
    events.sort(key=lambda e: e.self_device_time_total, reverse=True)
    return [{"kernel": e.key[:90], "share": round(e.self_device_time_total / total, 3),
             "ms_per_step": round(e.self_device_time_total / 1e3 / steps, 3)} for e in events[:n]]


@dataclass
class StepTimeConfig(TrainConfig):
    steps: int = 30                  # timed steps
    warmup: int = 5                  # untimed steps first (compilation, allocator)
    compile: bool = False            # eager by default (the families' comparison); true: as train.py
    infill_share: float = 0.0        # > 0: this share of rows are editor holes (hole_region)
    short_row_share: float = 0.0     # > 0: this share of rows end early: the key mask (valid_rows)
    profile: int = 0                 # > 0: also list this many top CUDA kernels


def main(argv):
    cfg = parse_options(StepTimeConfig, argv, "diffuse.step_time")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    profiler = None
    if cfg.profile and device == "cuda":
        profiler = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA])
    model = Denoiser(model_config(cfg, VOCAB))
    flops = training_flops_per_token(model.num_parameters(), cfg)
    times = step_times(cfg, model, cfg.steps, cfg.warmup, device, profiler)
    ms = statistics.median(times) * 1e3
    family = family_of(cfg)
    tokens_per_s = cfg.batch_size * cfg.max_length / ms * 1e3
    row = {"objective": cfg.objective, "graph": family.graph if family else None,
           "layers": cfg.n_layer, "embd": cfg.n_embd, "batch": cfg.batch_size, "length": cfg.max_length,
           "infill_share": cfg.infill_share, "short_row_share": cfg.short_row_share, "hole_reveal": cfg.hole_reveal,
           "compiled": cfg.compile and device == "cuda",
           "ms_per_step": round(ms, 2), "tokens_per_s": round(tokens_per_s),
           "mfu": round(tokens_per_s * flops / (cfg.peak_tflops * 1e12), 3),
           "device": torch.cuda.get_device_name() if device == "cuda" else "cpu"}
    if profiler is not None:
        row["top_kernels"] = top_kernels(profiler, cfg.profile, cfg.steps)
    print(json.dumps(row))


if __name__ == "__main__":
    main(sys.argv[1:])
