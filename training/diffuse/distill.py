"""Distillation: MDLM's loss with a teacher network's predictions among its targets.

A network cut from a bigger one (`--init_layers`, grow.py) heals on the corpus's tokens slowly:
each masked position teaches it one token. The bigger network it was cut from knows, at the same
position of the same corrupted canvas, how likely every token is (Hinton et al.'s soft targets),
so `--distill_from=<that network> --distill_weight=λ` trains on, per masked position,

    (1 - λ) · -log p_S(x0 | x_t)  +  λ · Σ_v p_T(v | x_t) · -log p_S(v | x_t)

under MDLM's weight 1/t, normalised as MDLM's loss is. λ = 0 is MDLM's NELBO; the second term is
KL(p_T ‖ p_S) plus the teacher's entropy, which does not depend on the student, so a student that
predicts what its teacher does gets no gradient from it (d/dlogits = p_S - p_T).

The teacher runs without gradient on the same corrupted batch: one forward pass more per step (a
twelve-block teacher makes a six-block student's step about two thirds dearer). It is not part of
the trained module: its weights are neither optimised, checkpointed nor wrapped by DDP.
"""
from dataclasses import replace

import torch

from .grow import block_count
from .mdlm import MDLM, at_masked, masked_logits
from .model import Denoiser


def check_distillation(cfg):
    """Errors, naming the flags, for a run that cannot distil as asked (before anything loads)."""
    if not cfg.distill_from:
        if cfg.distill_weight:
            raise ValueError("--distill_weight weighs the teacher of --distill_from: set it too")
        return
    if not 0 < cfg.distill_weight <= 1:
        raise ValueError(f"--distill_weight must be in (0, 1] (the teacher's share of the targets), got {cfg.distill_weight}")
    if cfg.objective != "mdlm" or cfg.hole_reveal != "random" or cfg.expand_share:
        raise ValueError("--distill_from teaches MDLM's random masking with the teacher's vocabulary: objective mdlm, "
                         f"hole_reveal random, no expand_share (got {cfg.objective!r}, {cfg.hole_reveal!r}, "
                         f"{cfg.expand_share})")


def teacher_network(path, student_cfg, device):
    """The frozen network in `path` (an exported model.onnx or a run's ckpt.pt), on `device`: the
    student's shape but for its depth, which the file says. A checkpoint's own shape must be the
    student's but for depth: its weights would load into other heads or another shift unnoticed."""
    if path.endswith(".pt"):
        ck = torch.load(path, map_location="cpu")
        state = ck["model"]
        shape = replace(student_cfg, n_layer=block_count(state), dropout=0.0)
        kept = ck.get("model_config")
        differs = [f"{k} {v} (the student's {getattr(shape, k)})" for k, v in (kept or {}).items()
                   if k not in ("n_layer", "dropout", "max_length") and getattr(shape, k, v) != v]
        if differs:
            raise ValueError(f"--distill_from={path}: not a teacher for this student: model_config's {', '.join(differs)}")
    else:
        from .onnx_weights import graph_blocks, state_dict_from_onnx
        shape = replace(student_cfg, n_layer=graph_blocks(path), dropout=0.0)
        state = None
    teacher = Denoiser(shape)
    try:
        teacher.load_state_dict(state if state is not None else state_dict_from_onnx(path, teacher))
    except (ValueError, RuntimeError) as error:
        raise ValueError(f"--distill_from={path}: not a teacher for this student "
                         f"(vocabulary {student_cfg.vocab_size}, width {student_cfg.n_embd}): {error}") from None
    teacher.eval().requires_grad_(False)
    return teacher.to(device)


class Distillation:
    """The distilled loss of an MDLM objective (module doc); `teacher` a frozen Denoiser."""

    def __init__(self, teacher, weight):
        self.teacher, self.weight = teacher, weight

    def loss(self, objective, model, x0, region, valid=None, drawn=None):
        """A scalar to minimise, for MDLM.draw()'s corruption `drawn` (drawn here if None): MDLM's loss
        with cross_entropy's targets, under its weight and normalisation."""
        if not isinstance(objective, MDLM):
            raise TypeError(f"distillation teaches MDLM, not {type(objective).__name__}")
        if objective.hole_reveal != "random":       # MDLM would mask the holes its own way
            raise ValueError(f"distillation teaches MDLM's random masking, not hole_reveal {objective.hole_reveal!r}")
        return objective(model, x0, region, valid, drawn=drawn, cross_entropy=self.cross_entropy)

    def cross_entropy(self, model, xt, x0, masked, mask_id, valid=None, index=None):
        """Per masked position (as mdlm.masked_nll, in its order) the cross-entropy of the student's
        prediction against its targets: (1 - λ) x0's token and λ the teacher's distribution. [N]"""
        log_p = masked_logits(model, xt, masked, mask_id, valid, index=index).log_softmax(-1)
        with torch.no_grad():
            taught = masked_logits(self.teacher, xt, masked, mask_id, valid, index=index).softmax(-1)
        nll = -log_p.gather(1, at_masked(x0, masked, index)[:, None]).squeeze(1)
        soft = -(taught * log_p).sum(-1)        # [MASK]'s column: probability 0 times a finite NEG
        return (1 - self.weight) * nll + self.weight * soft
