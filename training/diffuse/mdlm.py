"""MDLM objective (SEEDS.md §2): absorbing-state masking, SUBS parameterization, and the
Rao-Blackwellized continuous-time NELBO under the log-linear schedule.

  schedule   sigma(t) = -log(1 - (1-eps) t)      =>  mask chance 1 - alpha_t = (1-eps) t
  weight     sigma'(t) / expm1(sigma(t)) = 1/t   (exactly, for log-linear)
  loss       E_t [ sum over masked positions of -log p(x0 | x_t) / t ] / (number of tokens)
  time       antithetic: t_i = (1-T_MIN) * ((u + i/B) mod 1) + T_MIN

Carry-over unmasking makes unmasked positions contribute exactly 0, so the loss only needs the
logits of the masked positions: we gather them before the (fp32) head.
For infill rows the same estimator runs over the hole slots only (the conditional NELBO of the
hole given the context), normalised by the number of hole slots.

`MDLM` is the objective module, as md4.MD4, sedd.SEDD, cedd.CEDD and rdlm.RDLM are (families.py
builds it); the SUBS helpers below are shared with MD4 and CEDD.

hole_reveal="confident" (a training recipe, not the NELBO): the engine's sampler reveals a hole's
most confident slots first, so it decodes from states whose easy slots are filled and hard ones
masked, where the forward process masks a random subset. With it, an editor-hole row keeps the
forward process' count of masked slots but masks the ones the model itself is least confident
about with the whole hole masked (one no-grad forward of the batch more), ranked as the sampler
ranks them: a slot whose likeliest token is padding DECODER_PAD_PENALTY below content. Plain rows,
and the held-out bound, keep the random subset.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .graphs import T_MIN, antithetic_t
from .tokenizer import PAD_ID

NEG = -1e6
# the engine's default padPenalty (src/infill/defaults.ts PAD_PENALTY; a test holds the two equal)
DECODER_PAD_PENALTY = 0.6


class MDLM(nn.Module):
    BOUNDS = ("nelbo",)

    HOLE_REVEALS = ("random", "confident")

    def __init__(self, schedule, vocab_size, mask_id, hole_reveal="random"):
        super().__init__()
        if schedule.type != "loglinear":
            raise ValueError(f"MDLM trains on the loglinear schedule (got {schedule.type!r})")
        if hole_reveal not in self.HOLE_REVEALS:
            raise ValueError(f"hole_reveal must be one of {self.HOLE_REVEALS} (got {hole_reveal!r})")
        self.schedule, self.mask_id, self.hole_reveal = schedule, mask_id, hole_reveal

    def sample_t(self, batch_size, device, generator=None):
        """Diffusion times t in [T_MIN, 1], one per row, antithetic: [B] float32."""
        return antithetic_t(batch_size, device, generator, lo=T_MIN)

    def loss_weight(self, t):
        """sigma'(t) / expm1(sigma(t)) of the loglinear schedule, computed the long way (equals 1/t),
        in the operation order the released checkpoints were trained with."""
        e = self.schedule.eps
        sigma = -torch.log1p(-(1 - e) * t)
        dsigma = (1 - e) / (1 - (1 - e) * t)
        return dsigma / torch.expm1(sigma)

    def mask_of(self, x0, region, t, generator=None):
        """Which positions q(x_t | x0) masks: each region position with chance (1-eps) t. -> [B, L] bool"""
        r = torch.rand(x0.shape, device=x0.device, generator=generator)
        return (r < self.schedule.corrupt_chance(t)[:, None]) & region

    def forward_mask(self, x0, region, t, generator=None):
        """q(x_t | x0) -> (x_t, masked [B, L] bool), masked as mask_of draws it."""
        masked = self.mask_of(x0, region, t, generator)
        return absorbed(x0, masked, self.mask_id), masked

    def draw(self, x0, region, generator=None):
        """One batch's corruption: (t [B], masked [B, L] bool, the masked positions as flat indices
        [N] int64). The loader draws it on the host (HostDrawnStream), so that the step gathers the
        masked rows by those indices without asking the GPU how many there are."""
        t = self.sample_t(x0.shape[0], x0.device, generator)
        masked = self.mask_of(x0, region, t, generator)
        return t, masked, flat_positions(masked)

    def weighted_nll(self, model, x0, region, drawn, valid=None, confident_holes=False, cross_entropy=None):
        """Per masked position -log p(x0 | x_t), its loss weight [N], and the x_t used, for draw()'s
        corruption; with confident_holes, the hole rows' masked slots are the least confident ones
        (module doc). cross_entropy, called as masked_nll is, computes the first in its place against
        other targets (distill.py: a teacher's predictions among them)."""
        t, masked, index = drawn
        if confident_holes:
            masked = least_confident_holes(model, x0, region, masked, self.mask_id, valid)
            index = flat_positions(masked)
        xt = absorbed(x0, masked, self.mask_id)
        nll = (cross_entropy or masked_nll)(model, xt, x0, masked, self.mask_id, valid, index=index)
        return nll, at_masked(self.loss_weight(t)[:, None].expand_as(masked), masked, index), xt

    def forward(self, model, x0, region, valid=None, generator=None, drawn=None, cross_entropy=None):
        """Per-token NELBO estimate (a scalar to minimise). region [B, L] bool: positions that may be
        masked (all tokens for plain rows, the hole slots for infill rows); valid: see Denoiser.hidden;
        drawn: this batch's draw() (on x0's device), else it is drawn here; cross_entropy: as
        weighted_nll's, under the same weight and normalisation."""
        drawn = self.draw(x0, region, generator) if drawn is None else drawn
        nll, w, _ = self.weighted_nll(model, x0, region, drawn, valid, self.hole_reveal == "confident",
                                      cross_entropy)
        return (nll * w).sum() / region.sum().clamp(min=1)

    def bounds(self, model, x0, generator=None):
        """Held-out NELBO of full windows x0 [B, L]: (total nats,), summed in float64."""
        region = torch.ones_like(x0, dtype=torch.bool)
        nll, w, _ = self.weighted_nll(model, x0, region, self.draw(x0, region, generator))
        return (float((nll.double() * w.double()).sum()),)


def subs_log_probs(logits, xt, mask_id):
    """SUBS: zero mass on [MASK]; unmasked positions carry their token over.
    logits [B, L, V] -> log-probs [B, L, V] (float32)."""
    logits = logits.float().clone()
    logits[..., mask_id] = NEG
    logp = F.log_softmax(logits, dim=-1)
    keep = xt != mask_id                                                   # [B, L]
    onehot = torch.full_like(logp, NEG).scatter_(-1, xt.unsqueeze(-1), 0.0)
    return torch.where(keep.unsqueeze(-1), onehot, logp)


def without_mask(logits, mask_id):
    """logits [N, V] with the [MASK] column at NEG: SUBS gives the absorbing state no mass."""
    # the index made on the device: a list copied to the GPU would wait for every kernel queued
    return logits.index_fill(1, torch.full((1,), mask_id, device=logits.device), NEG)


def absorbed(x0, positions, mask_id):
    """x0 with [MASK] at `positions` [B, L] bool: the absorbing state there."""
    return torch.where(positions, torch.full_like(x0, mask_id), x0)


@torch.no_grad()
def least_confident_holes(model, x0, region, masked, mask_id, valid=None):
    """masked [B, L] with each editor-hole row's masked slots moved, their count kept, to the region
    slots the model is least confident about when the whole region is masked: the slots the
    engine's confidence-first sampler leaves for last (its score: the highest probability, [MASK]
    excluded, less DECODER_PAD_PENALTY where that token is padding). Rows whose region is the whole
    canvas (plain rows) keep their random subset. Every row runs (one static shape for the compiled
    network); only the hole rows' predictions are read."""
    hole_rows = ~region.all(dim=1, keepdim=True)
    holes = hole_rows & region
    if not holes.any():
        return masked
    h = model.hidden(absorbed(x0, region, mask_id), valid)
    logits = without_mask(model.head(h[holes]), mask_id)
    best, token = logits.max(dim=1)
    score = torch.full(x0.shape, float("inf"), device=x0.device)         # never picked outside holes
    probability = torch.exp(best - torch.logsumexp(logits, dim=1))
    score[holes] = (probability - DECODER_PAD_PENALTY * (token == PAD_ID)).float()
    rank = score.argsort(dim=1).argsort(dim=1)                           # 0 = least confident
    moved = rank < masked.sum(dim=1, keepdim=True)
    return torch.where(hole_rows, moved & holes, masked)


def flat_positions(masked):
    """masked [B, L] bool -> its True positions as flat indices [N] int64, in row-major order."""
    return masked.flatten().nonzero().squeeze(1)


def at_masked(values, masked, index=None):
    """values [B, L, ...] at the masked positions, in row-major order: [N, ...]. With index (the
    flat positions of masked, made on the host) no boolean index runs, so the GPU is not asked how
    many positions there are: a boolean index waits for every kernel queued before it."""
    if index is None:
        return values[masked]
    return values.flatten(0, 1).index_select(0, index)


def masked_logits(model, xt, masked, mask_id, valid=None, cond=None, index=None):
    """The SUBS logits of p(x0 | x_t) at the masked positions only: [N, V] float32, in row-major
    order (index: as at_masked), the [MASK] column at NEG."""
    h = model.hidden(xt, valid, cond)                            # [B, L, D]
    return without_mask(model.head(at_masked(h, masked, index)), mask_id)


def masked_nll(model, xt, x0, masked, mask_id, valid=None, cond=None, index=None):
    """-log p(x0 | x_t) at the masked positions only: [N] float32, in row-major order (index: as
    at_masked)."""
    logits = masked_logits(model, xt, masked, mask_id, valid, cond, index)
    return F.cross_entropy(logits, at_masked(x0, masked, index), reduction="none")


class HostDrawnStream(torch.utils.data.IterableDataset):
    """A batch stream whose batches carry their MDLM corruption drawn on the host (MDLM.draw) by
    the loader's workers: the training step then never waits for the GPU mid-step. `merges`
    (expand.ExpandMerges), where given, then merges masked slots of hole rows into expand slots,
    which changes the batch's targets x0 and its masked positions."""

    def __init__(self, stream, objective, merges=None):
        super().__init__()
        self.stream, self.objective, self.merges = stream, objective, merges

    def __iter__(self):
        for x0, region, valid, is_fim in self.stream:
            t, masked, index = self.objective.draw(x0, region)
            if self.merges is not None:
                x0, masked = self.merges(x0, region, masked, is_fim, t)
                index = flat_positions(masked)
            yield x0, region, valid, is_fim, (t, masked, index)
