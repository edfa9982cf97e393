"""Training step time of one family's objective, with the GPU to itself and no data pipeline.

The family comparison trains eight models side by side, where data loading sets the pace; this
times what the objective itself costs (forward, loss, backward, optimizer step) on random token
windows of the configured shape, eager mode, bf16 autocast as in training:

    python3 -m diffuse.step_time --objective=cedd --graph=roulette [train.py's model flags]
        [--steps=30 --warmup=5] -> one JSON line: ms per step (median), tokens/s
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
from .train import TrainConfig, _LossModule, family_of, make_optimizer, model_config

VOCAB = 8192


def step_times(cfg, steps, warmup, device):
    model = Denoiser(model_config(cfg, VOCAB)).to(device)
    loss_module = _LossModule(model, cfg.objective, MASK_ID, family_of(cfg)).to(device)
    opt = make_optimizer(loss_module, cfg)
    g = torch.Generator(device=device).manual_seed(cfg.seed)
    # real tokens only (ids above the three specials), every position may be corrupted
    x0 = torch.randint(3, VOCAB, (cfg.batch_size, cfg.max_length), device=device, generator=g)
    region = torch.ones_like(x0, dtype=torch.bool)
    cuda = device.startswith("cuda")
    times = []
    for i in range(warmup + steps):
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext():
            loss = loss_module(x0, region, None)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if cuda:
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return times


@dataclass
class StepTimeConfig(TrainConfig):
    steps: int = 30                  # timed steps
    warmup: int = 5                  # untimed steps first (compilation, allocator)


def main(argv):
    cfg = parse_options(StepTimeConfig, argv, "diffuse.step_time")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    times = step_times(cfg, cfg.steps, cfg.warmup, device)
    ms = statistics.median(times) * 1e3
    family = family_of(cfg)
    print(json.dumps({"objective": cfg.objective, "graph": family.graph if family else None,
                      "layers": cfg.n_layer, "embd": cfg.n_embd, "batch": cfg.batch_size, "length": cfg.max_length,
                      "ms_per_step": round(ms, 2), "tokens_per_s": round(cfg.batch_size * cfg.max_length / ms * 1e3),
                      "device": torch.cuda.get_device_name() if device == "cuda" else "cpu"}))


if __name__ == "__main__":
    main(sys.argv[1:])
