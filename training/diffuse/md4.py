"""MD4 and GenMD4 objectives (SEEDS.md §3): absorbing masks, network conditioned on cond = 1000 t.

MD4, continuous time, keep chance alpha(t) from graphs.Schedule (linear, md4_cosine, polyK):

    loss   E_t [ sum over masked positions of (-alpha'(t) / (1 - alpha(t))) (-log p(x0 | x_t)) ] / tokens
    time   antithetic over the batch, t in [T_MIN, 1]

which is MDLM's NELBO with another schedule. The held-out bound adds the reconstruction term of a
uniform decoder for what is still masked at T_MIN: (1 - alpha(T_MIN)) log N per token (MD4 ignores
the prior term, KL(q(x_1 | x0) || all-mask), as negligible: alpha(1) = eps).

GenMD4: per-token keep chance alpha_t(v) = 1 - (1-eps) t^{w_v}, w = softplus(param) learned (init 1).
With u_v = alpha_t'(v) / (1 - alpha_t(v)) = -w_v / t the continuous-time bound per masked position is
(the CTMC path KL: sum of model rates - true rate + true rate log(true / model))

    sum_v u_v [ (log p_{x0} + 1) 1[v = x0] - p_v ]  =  ( sum_v w_v p_v - w_{x0} (1 + log p_{x0}) ) / t

(>= w_{x0}(p_{x0} - 1 - log p_{x0}) / t >= 0; at w = 1 it is -log p_{x0} / t, MD4-linear's term).
The masking pattern itself depends on w, so w's gradient also has a score-function part: two draws
of x_t per row (same t), each baselined by the other (REINFORCE leave-one-out), as in the release.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .graphs import T_MIN, antithetic_t, corrupt
from .mdlm import masked_nll, without_mask


def cond_of(t):
    return 1000.0 * t


class MD4(nn.Module):
    BOUNDS = ("nelbo",)

    def __init__(self, schedule, vocab_size, mask_id):
        super().__init__()
        self.schedule, self.n_real, self.mask_id = schedule, vocab_size - 1, mask_id

    def nats(self, model, x0, region, valid=None, generator=None):
        """Sum over the batch of the weighted masked CE (one draw of t per row)."""
        t = antithetic_t(x0.shape[0], x0.device, generator, lo=T_MIN)
        chance = self.schedule.corrupt_chance(t)
        xt = corrupt(x0, region, chance[:, None], 0.0, self.n_real, self.mask_id, generator)
        masked = xt == self.mask_id
        nll = masked_nll(model, xt, x0, masked, self.mask_id, valid, cond_of(t))
        w = (self.schedule.d_corrupt_chance(t) / chance)[:, None].expand_as(masked)[masked]
        return (nll * w).sum()

    def forward(self, model, x0, region, valid=None, generator=None):
        return self.nats(model, x0, region, valid, generator) / region.sum().clamp(min=1)

    def bounds(self, model, x0, generator=None):
        """Held-out bound of full windows x0 [B, L]: (total nats,), diffusion + reconstruction."""
        region = torch.ones_like(x0, dtype=torch.bool)
        t_min = torch.tensor(T_MIN, dtype=torch.float64)
        recon = float(self.schedule.corrupt_chance(t_min)) * math.log(self.n_real) * x0.numel()
        return (float(self.nats(model, x0, region, generator=generator)) + recon,)


def genmd4_position_loss(logits, x0, w, t):
    """GenMD4's integrand at masked positions: logits [N, V] (mask dropped here), x0 [N], w [V],
    t [N] -> [N] float32 (see the module docstring)."""
    logp = F.log_softmax(logits.float(), dim=-1)
    lp0 = logp.gather(-1, x0[:, None]).squeeze(-1)
    return ((logp.exp() * w).sum(-1) - w[x0] * (1 + lp0)) / t


def token_exponents(state):
    """w = softplus(param) from a GenMD4 state dict."""
    return F.softplus(state["w_param"].float())


class GenMD4(nn.Module):
    BOUNDS = ("nelbo",)

    def __init__(self, schedule, vocab_size, mask_id):
        super().__init__()
        self.eps, self.n_real, self.mask_id = schedule.eps, vocab_size - 1, mask_id
        self.w_param = nn.Parameter(torch.full((vocab_size,), math.log(math.e - 1)))   # softplus = 1

    def chance(self, x0, t):
        """Per-position mask chance (1-eps) t^{w_{x0}}: [B, L]."""
        w = F.softplus(self.w_param.float())[x0]
        return (1 - self.eps) * t[:, None] ** w

    def row_nats(self, model, x0, region, t, valid=None, generator=None):
        """Per-row bound [B] for one draw of x_t, and log q(x_t | x0) [B] (differentiable in w)."""
        chance = self.chance(x0, t)
        xt = corrupt(x0, region, chance.detach(), 0.0, self.n_real, self.mask_id, generator)
        masked = xt == self.mask_id
        h = model.hidden(xt, valid, cond_of(t))
        logits = without_mask(model.head(h[masked]), self.mask_id)
        tt = t[:, None].expand_as(masked)[masked]
        per_pos = genmd4_position_loss(logits, x0[masked], F.softplus(self.w_param.float()), tt)
        rows = torch.zeros(x0.shape, device=x0.device, dtype=per_pos.dtype).masked_scatter(masked, per_pos)
        logq = torch.where(masked, torch.log(chance), torch.log1p(-chance)) * region
        return rows.sum(1), logq.sum(1)

    def forward(self, model, x0, region, valid=None, generator=None):
        B = x0.shape[0]
        t = antithetic_t(B, x0.device, generator, lo=T_MIN)
        two = lambda a: torch.cat([a, a]) if a is not None else None      # noqa: E731
        f, logq = self.row_nats(model, two(x0), two(region), two(t), two(valid), generator)
        f1, f2 = f[:B], f[B:]
        # REINFORCE with the other draw as baseline; enters the gradient, not the value
        surrogate = 0.5 * ((f1 - f2).detach() * logq[:B] + (f2 - f1).detach() * logq[B:]).sum()
        return (0.5 * (f1 + f2).sum() + surrogate - surrogate.detach()) / region.sum().clamp(min=1)

    def bounds(self, model, x0, generator=None):
        region = torch.ones_like(x0, dtype=torch.bool)
        t = antithetic_t(x0.shape[0], x0.device, generator, lo=T_MIN)
        f, _ = self.row_nats(model, x0, region, t, generator=generator)
        recon = self.chance(x0, torch.full_like(t, T_MIN)).sum() * math.log(self.n_real)
        return (float(f.sum()) + float(recon),)
