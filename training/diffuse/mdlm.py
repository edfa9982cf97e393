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
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .graphs import T_MIN, antithetic_t

NEG = -1e6


class MDLM(nn.Module):
    BOUNDS = ("nelbo",)

    def __init__(self, schedule, vocab_size, mask_id):
        super().__init__()
        if schedule.type != "loglinear":
            raise ValueError(f"MDLM trains on the loglinear schedule (got {schedule.type!r})")
        self.schedule, self.mask_id = schedule, mask_id

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

    def forward_mask(self, x0, region, t, generator=None):
        """q(x_t | x0): each region position is masked with chance (1-eps) t. -> (x_t, masked [B, L] bool)"""
        r = torch.rand(x0.shape, device=x0.device, generator=generator)
        masked = (r < self.schedule.corrupt_chance(t)[:, None]) & region
        return torch.where(masked, torch.full_like(x0, self.mask_id), x0), masked

    def weighted_nll(self, model, x0, region, t, valid=None, generator=None):
        """Per masked position -log p(x0 | x_t), its loss weight [N], and the x_t used."""
        xt, masked = self.forward_mask(x0, region, t, generator)
        nll = masked_nll(model, xt, x0, masked, self.mask_id, valid)
        return nll, self.loss_weight(t)[:, None].expand_as(masked)[masked], xt

    def forward(self, model, x0, region, valid=None, generator=None):
        """Per-token NELBO estimate (a scalar to minimise). region [B, L] bool: positions that may be
        masked (all tokens for plain rows, the hole slots for infill rows); valid: see Denoiser.hidden."""
        t = self.sample_t(x0.shape[0], x0.device, generator)
        nll, w, _ = self.weighted_nll(model, x0, region, t, valid, generator)
        return (nll * w).sum() / region.sum().clamp(min=1)

    def bounds(self, model, x0, generator=None):
        """Held-out NELBO of full windows x0 [B, L]: (total nats,), summed in float64."""
        region = torch.ones_like(x0, dtype=torch.bool)
        nll, w, _ = self.weighted_nll(model, x0, region, self.sample_t(x0.shape[0], x0.device, generator),
                                      generator=generator)
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


def masked_nll(model, xt, x0, masked, mask_id, valid=None, cond=None):
    """-log p(x0 | x_t) at the masked positions only: [N] float32, in row-major order."""
    h = model.hidden(xt, valid, cond)          # [B, L, D]
    logits = model.head(h[masked])             # [N, V] fp32
    logits = logits.index_fill(1, torch.tensor([mask_id], device=logits.device), NEG)   # SUBS
    return F.cross_entropy(logits, x0[masked], reduction="none")
