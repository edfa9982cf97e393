"""MDLM objective (SEEDS.md §2): absorbing-state masking, SUBS parameterization, and the
Rao-Blackwellized continuous-time NELBO under the log-linear schedule.

  schedule   sigma(t) = -log(1 - (1-eps) t)      =>  mask chance 1 - alpha_t = (1-eps) t
  weight     sigma'(t) / expm1(sigma(t)) = 1/t   (exactly, for log-linear)
  loss       E_t [ sum over masked positions of -log p(x0 | x_t) / t ] / (number of tokens)
  time       antithetic: t_i = (1-eps) * ((u + i/B) mod 1) + eps

Carry-over unmasking makes unmasked positions contribute exactly 0, so the loss only needs the
logits of the masked positions: we gather them before the (fp32) head.
For infill rows the same estimator runs over the hole slots only (the conditional NELBO of the
hole given the context), normalised by the number of hole slots.
"""
import torch
import torch.nn.functional as F

from .graphs import antithetic_t, per_token_bound

EPS = 1e-3
NEG = -1e6


def sample_t(batch_size, device, generator=None, antithetic=True):
    """Diffusion times t in [eps, 1], one per row: [B] float32."""
    if antithetic:
        return antithetic_t(batch_size, device, generator, lo=EPS)
    return (1 - EPS) * torch.rand(batch_size, device=device, generator=generator) + EPS


def mask_chance(t):
    """1 - alpha_t = 1 - exp(-sigma(t)) for the log-linear schedule."""
    return (1 - EPS) * t


def loss_weight(t):
    """sigma'(t) / expm1(sigma(t)), computed the long way (equals 1/t)."""
    sigma = -torch.log1p(-(1 - EPS) * t)
    dsigma = (1 - EPS) / (1 - (1 - EPS) * t)
    return dsigma / torch.expm1(sigma)


def forward_mask(x0, region, t, mask_id, generator=None):
    """q(x_t | x0): each region position is masked with chance (1-eps) t. -> (x_t, masked [B, L] bool)"""
    r = torch.rand(x0.shape, device=x0.device, generator=generator)
    masked = (r < mask_chance(t)[:, None]) & region
    return torch.where(masked, torch.full_like(x0, mask_id), x0), masked


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


def diffusion_loss(model, x0, region, mask_id, t=None, generator=None, valid=None):
    """Per-token NELBO estimate (a scalar to minimise) and the (x_t, masked) it used.
    region [B, L] bool: positions that may be masked (all tokens for plain rows, the hole slots for
    infill rows); valid [B, L] bool or None: see Denoiser.hidden."""
    B = x0.shape[0]
    if t is None:
        t = sample_t(B, x0.device, generator)
    xt, masked = forward_mask(x0, region, t, mask_id, generator)
    nll = masked_nll(model, xt, x0, masked, mask_id, valid)
    w = loss_weight(t)[:, None].expand_as(masked)[masked]
    return (nll * w).sum() / region.sum().clamp(min=1), xt, masked


def nelbo_per_token(model, windows, mask_id, samples=4, batch_size=64, seed=0):
    """Held-out NELBO (nats/token) of full windows [N, L]: the training estimator with antithetic t
    over each batch, repeated `samples` times. Returns (mean, standard error over batches)."""
    def batch_nats(x0, g):
        region = torch.ones_like(x0, dtype=torch.bool)
        t = sample_t(x0.shape[0], x0.device, g)
        xt, masked = forward_mask(x0, region, t, mask_id, g)
        nll = masked_nll(model, xt, x0, masked, mask_id)
        w = loss_weight(t)[:, None].expand_as(masked)[masked]
        return ((nll.double() * w.double()).sum(),)
    return per_token_bound(batch_nats, windows, samples, batch_size, seed)[0]
