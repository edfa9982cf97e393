"""An exponential moving average of the network's weights over a run (`train.py --ema_decay`).

Why: the one measured gain since v7 came from averaging weights (v8 is the mean of v7 and a link
from it, model card "Version 8"), and the diffusion LMs this project stands on (MDLM, SEDD) report
their numbers from an EMA of the weights, not the last iterate: the masked-token loss is noisy, so
the last steps scatter the weights around what the run has learned. The average is
torch.optim.swa_utils.AveragedModel's, kept in fp32 on the training device by rank 0 alone, and
written beside the run as a checkpoint of its own (`ema_dir`), which the export, the held-out
bound and the pipeline's arms read as any other (`ARMS='<arm>_ema=x'`).
"""
import torch
from torch.optim import swa_utils

# AveragedModel reads its update count on the host at every update, and moving that count to the
# GPU waits for the step queued before it: the training loop, which otherwise never waits for the
# GPU (mdlm.HostDrawnStream), would stall once a step. So the average moves every UPDATE_EVERY
# steps, by the decay a step raised to that power: the same average, one wait in ten steps.
UPDATE_EVERY = 10


def weight_average(model, decay):
    """An AveragedModel of `model` that, updated every UPDATE_EVERY steps (`update_parameters(model)`),
    averages as an EMA of `decay` a step would: each update moves it 1 - decay ** UPDATE_EVERY of
    the way to the model's weights; the first copies them (a continuation's average starts at its
    init). Call before the model is compiled: the average is a deep copy of it."""
    if not 0 < decay < 1:
        raise ValueError(f"--ema_decay must be in (0, 1) (0 turns it off), not {decay}")
    per_update = decay ** UPDATE_EVERY
    if hasattr(swa_utils, "get_ema_multi_avg_fn"):      # torch >= 2.1: one foreach lerp an update
        return swa_utils.AveragedModel(model, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(per_update))

    def lerp(average, current, _count):
        return torch.lerp(average, current, 1 - per_update)
    return swa_utils.AveragedModel(model, avg_fn=lerp)


def ema_dir(out_dir):
    """Where a run in `out_dir` writes its average as a checkpoint: a sibling folder, `<out_dir>_ema`,
    so that a pipeline arm `<name>` has its average as the arm `<name>_ema`."""
    return out_dir.rstrip("/") + "_ema"


def ema_checkpoint(average, ck):
    """The training checkpoint `ck` with the average's weights as its model and no optimizer state
    (the average is read, not trained on: a continuation starts from it by `--init_from`)."""
    kept = {k: v for k, v in ck.items() if k not in ("model", "optimizer", "ema")}
    return {**kept, "model": average.module.state_dict()}
