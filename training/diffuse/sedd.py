"""SEDD objective (SEEDS.md §4): denoising score entropy on the absorb (log-linear) and uniform
(geometric) graphs, and the score-entropy likelihood bounds J1 / J2 that CEDD shares (§6.4).

The network outputs log concrete scores log s_y ~ log p_t(x^{q <- y}) / p_t(x) (absorb: with the
scale_by_sigma shift inside the model, model.py). Per corrupted position, with the graph's forward
rate into x_t from y, rate(y -> x_t) = p at x_t = M and (1-p)/N at a real x_t (graphs.py), and the
true conditional ratio r_y = q_t(y | x0) / q_t(x_t | x0) (from m, b, c):

    DWDSE = sigma'(t) sum_{real y != x_t} rate(y -> x_t) [ s_y - r_y log s_y + K(r_y) ],  K(a) = a log a - a

(each term >= 0; absorb: only masked positions have a rate in, so only they are computed).

    J1 = E_t [ sum DWDSE ] + KL(q_1(. | x0) || prior)             (the prior term: uniform only; absorb
                                                                  and roulette ignore it, as MDLM does)
    J2 = E_t [ sum DWDSE without the r log r part ] + H-free constant (Haxholli et al.; §6.4):
         the "-r" part has the closed-form expectation sigma' e^{-p sigma} (1 - (1-p)/N) per position,
         and the uniform graph adds log N (the prior's cross-entropy). J1 - J2 is the entropy of
         q_1(. | x0), so J2 is tighter (absorb/log-linear: by H_b(eps)).

Time: t = (1 - T_MIN) u + T_MIN, antithetic (graphs.T_MIN, as MDLM's estimator). All of it in fp32 or
better, outside autocast: exp of scores, expm1 for small sigma (SEEDS §4.9).
"""
import math

import torch
import torch.nn as nn

from .graphs import T_MIN, antithetic_t, corrupt, graph_p, transition


def kterm(r):
    """K(r) = r log r - r, with K(0) = 0."""
    return torch.xlogy(r, r) - r


def corrupt_batch(family, x0, region, n_real, mask_id, generator=None):
    """One antithetic t per row and x_t ~ q_t(. | x0) on the region.
    -> dict(t, sigma, dsigma [B]; m, b, c [B]; xt [B, L]; sel [B, L] = positions with a rate in; p)."""
    p = graph_p(family.graph, family.p_m)
    t = antithetic_t(x0.shape[0], x0.device, generator, lo=T_MIN)
    sigma, dsigma = family.schedule.sigma(t), family.schedule.dsigma(t)
    m, b, c = transition(p, sigma, n_real)
    xt = corrupt(x0, region, m[:, None], b[:, None], n_real, mask_id, generator)
    sel = region & (xt == mask_id) if family.graph == "absorb" else region
    return {"t": t, "sigma": sigma, "dsigma": dsigma, "m": m, "b": b, "c": c, "xt": xt, "sel": sel, "p": p}


def per_position(batch, sel):
    """Row values [B] of the batch dict spread to the selected positions [N]."""
    return {k: batch[k][:, None].expand_as(sel)[sel] for k in ("sigma", "dsigma", "m", "b", "c")}


def dwdse(log_s, xt, x0, p, m, b, c, n_real, mask_id, with_k=True):
    """Score entropy at positions [N] (not yet times sigma'): log_s [N, V], the rest [N].
    with_k=False drops the K(r) term (J2's integrand; J2 adds K's "-r" part in closed form)."""
    ls = log_s.float() if log_s.dtype != torch.float64 else log_s
    at_mask = xt == mask_id
    excl = torch.zeros_like(ls, dtype=torch.bool).scatter_(-1, xt[:, None], True)
    excl[:, mask_id] = True                                                # sum over real y != x_t
    s_sum = torch.where(excl, torch.full_like(ls, -math.inf), ls).exp().sum(-1)
    log_sum = torch.where(excl, torch.zeros_like(ls), ls).sum(-1)
    ls0 = ls.gather(-1, x0[:, None]).squeeze(-1)
    moved = (xt != x0).to(ls.dtype)                                       # x0 is among the y's
    qx = torch.where(at_mask, m, torch.where(xt == x0, c, b))
    r_b, r_c = b / qx, c / qx
    # r_b = 0 (absorb) must not meet log s = -inf
    rlog = torch.where(r_b > 0, r_b * (log_sum - moved * ls0), torch.zeros_like(ls0)) + moved * r_c * ls0
    k = 0.0
    if with_k:
        n_b = (n_real - 1) - (moved * (~at_mask).to(ls.dtype))           # real y: not x_t, not x0
        k = n_b * kterm(r_b) + moved * kterm(r_c)
    rate = torch.where(at_mask, torch.full_like(m, p), torch.full_like(m, (1 - p) / n_real))
    return rate * (s_sum - rlog + k)


def bound_nats(family, log_scores, x0, n_real, mask_id, generator=None):
    """J1 and J2 totals (nats) of full windows x0 [B, L]; log_scores(batch, pos) -> [N, V] log
    concrete scores at the selected positions."""
    region = torch.ones_like(x0, dtype=torch.bool)
    batch = corrupt_batch(family, x0, region, n_real, mask_id, generator)
    sel = batch["sel"]
    pos = per_position(batch, sel)
    ls = log_scores(batch, pos)
    args = (batch["xt"][sel], x0[sel], batch["p"], pos["m"], pos["b"], pos["c"], n_real, mask_id)
    j1 = (pos["dsigma"] * dwdse(ls, *args)).double().sum()
    j2 = (pos["dsigma"] * dwdse(ls, *args, with_k=False)).double().sum()
    p, n = batch["p"], n_real
    # J2's closed-form "-r" expectation over every region position: sigma' e^{-p sigma} (1 - (1-p)/N)
    j2 = j2 - (batch["dsigma"] * torch.exp(-p * batch["sigma"]) * (1 - (1 - p) / n)).double().sum() * x0.shape[1]
    if family.graph == "uniform":
        one = torch.ones((), dtype=torch.float64, device=x0.device)
        _, b1, c1 = transition(0.0, family.schedule.sigma(one), n)
        kl = c1 * torch.log(c1 * n) + (n - 1) * b1 * torch.log(b1 * n)
        j1 = j1 + kl * x0.numel()
        j2 = j2 + math.log(n) * x0.numel()
    return float(j1), float(j2)


class SEDD(nn.Module):
    BOUNDS = ("j1", "j2")              # the first is the headline: SEDD's own DWDSE bound

    def __init__(self, family, vocab_size, mask_id):
        super().__init__()
        self.family, self.n_real, self.mask_id = family, vocab_size - 1, mask_id

    def forward(self, model, x0, region, valid=None, generator=None):
        batch = corrupt_batch(self.family, x0, region, self.n_real, self.mask_id, generator)
        sel = batch["sel"]
        pos = per_position(batch, sel)
        h = model.hidden(batch["xt"], valid, batch["sigma"])
        ls = model.head(h[sel], pos["sigma"])
        per = dwdse(ls, batch["xt"][sel], x0[sel], batch["p"], pos["m"], pos["b"], pos["c"],
                    self.n_real, self.mask_id)
        return (pos["dsigma"] * per).sum() / region.sum().clamp(min=1)

    def bounds(self, model, x0, generator=None):
        """(J1, J2) total nats of full windows x0 [B, L]."""
        def log_scores(batch, pos):
            return model.head(model.hidden(batch["xt"], cond=batch["sigma"])[batch["sel"]], pos["sigma"])
        return bound_nats(self.family, log_scores, x0, self.n_real, self.mask_id, generator)
