"""CEDD objective (SEEDS.md §6.2): an x0 denoiser trained with plain cross-entropy on the absorb,
uniform or roulette graph, conditioned on sigma (log-linear schedule; uniform may be geometric).

    loss   E_t [ sum over corrupted positions of -log p(x0 | x_t) ] / tokens     (unweighted "CEDD")

where "corrupted" = the masked positions (absorb) or every corruptible position (uniform, roulette:
real tokens move too, so the network is asked everywhere). The mask logit is dropped (the target is
never the mask). This loss is not itself a likelihood bound; the held-out bound is J2 (with J1 as a
check) of sedd.py, on concrete scores recovered analytically from the denoiser's p = softmax
(§6.3, mixing the conditional ratios q_t(y | x0') / q_t(x_t | x0') over x0' ~ p):

    x_t = M      s_y = (b + (c - b) p_y) / m
    x_t = x      s_y = 1 + p_y (c/b - 1) + p_x (b/c - 1)                 (y != x)

computed in float64 (c/b reaches N/sigma).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .mdlm import masked_nll, without_mask
from .sedd import bound_nats, corrupt_batch


def log_scores_from_x0(logits, xt, m, b, c, mask_id):
    """logits [N, V] of p(x0 | x_t), x_t [N], m/b/c [N] -> log concrete scores [N, V] (float64;
    the mask column and the x_t column are left to the caller to ignore)."""
    logits = without_mask(logits.double(), mask_id)
    logp = F.log_softmax(logits, dim=-1)
    m, b, c = m.double()[:, None], b.double()[:, None], c.double()[:, None]
    at_mask = (xt == mask_id)[:, None]
    # x_t = M: log((b + (c - b) p_y) / m), as a log-sum so that b = 0 (absorb) stays exact
    from_mask = torch.logaddexp(torch.log(b).expand_as(logp), torch.log(c - b) + logp) - torch.log(m)
    # x_t = x real (b > 0 there): 1 + p_y (c/b - 1) + p_x (b/c - 1)
    px = logp.gather(-1, torch.where(at_mask.squeeze(-1), torch.zeros_like(xt), xt)[:, None]).exp()
    from_real = torch.log1p(logp.exp() * (c / b - 1) + px * (b / c - 1))
    return torch.where(at_mask, from_mask, from_real)


class CEDD(nn.Module):
    BOUNDS = ("j2", "j1")              # the first is the headline: Haxholli et al.'s J2

    def __init__(self, family, vocab_size, mask_id):
        super().__init__()
        self.family, self.n_real, self.mask_id = family, vocab_size - 1, mask_id

    def forward(self, model, x0, region, valid=None, generator=None):
        batch = corrupt_batch(self.family, x0, region, self.n_real, self.mask_id, generator)
        nll = masked_nll(model, batch["xt"], x0, batch["sel"], self.mask_id, valid, batch["sigma"])
        return nll.sum() / region.sum().clamp(min=1)

    def bounds(self, model, x0, generator=None):
        """(J1, J2) total nats of full windows x0 [B, L]."""
        def log_scores(batch, pos):
            h = model.hidden(batch["xt"], cond=batch["sigma"])
            sel = batch["sel"]
            return log_scores_from_x0(model.head(h[sel]), batch["xt"][sel], pos["m"], pos["b"], pos["c"],
                                      self.mask_id)
        return bound_nats(self.family, log_scores, x0, self.n_real, self.mask_id, generator)[::-1]
