"""Geometry of the unit sphere S^d in R^{d+1} (SEEDS.md §5.1, §5.4), the state space of RDLM.

    tangent(x, v)   v - <x, v> x                                the projection onto T_x S^d
    exp_map(x, v)   cos|v| x + (sin|v| / |v|) v                 v tangent at x
    log_map(x, y)   (θ / sin θ) (y - cos θ x),  cos θ = <x, y>  the tangent vector at x pointing to y, |.| = θ
    dist(x, y)      θ = arccos <x, y>

Float pitfalls (SEEDS §7.4): sin|v|/|v| and θ/sin θ are 0/0 at 0, so below SMALL they take their
Taylor series (1 - |v|²/6, 1 + θ²/6, exact to float64 rounding there); cos θ is clipped into
[-1 + CLIP, 1 - CLIP] before arccos, which also keeps θ/sin θ finite at the antipode (as the
reference's `log`/`weighted_sum` do). exp_map renormalises its result, so rounding never walks a
point off the sphere over a thousand steps. Every function works on the last axis and broadcasts.
"""
import torch

SMALL = 1e-4
CLIP = 1e-6


def inner(x, y):
    return (x * y).sum(-1, keepdim=True)


def tangent(x, v):
    return v - inner(x, v) * x


def sinc(n):
    """sin(n) / n, Taylor below SMALL."""
    safe = torch.where(n < SMALL, torch.ones_like(n), n)
    return torch.where(n < SMALL, 1 - n * n / 6, torch.sin(safe) / safe)


def theta_over_sin(cos):
    """θ / sin θ for cos θ (clipped), Taylor below SMALL."""
    cos = cos.clamp(-1 + CLIP, 1 - CLIP)
    theta = torch.arccos(cos)
    return torch.where(theta < SMALL, 1 + theta * theta / 6, theta / torch.sin(theta))


def exp_map(x, v):
    n = v.norm(dim=-1, keepdim=True)
    y = torch.cos(n) * x + sinc(n) * v
    return y / y.norm(dim=-1, keepdim=True)


def log_map(x, y):
    cos = inner(x, y)
    return theta_over_sin(cos) * (y - cos.clamp(-1 + CLIP, 1 - CLIP) * x)


def dist(x, y):
    return torch.arccos(inner(x, y).clamp(-1, 1)).squeeze(-1)


def vertex_pull(x, probs):
    """Σ_j p_j log_x(e_j) for probabilities over the first probs.shape[-1] vertices (the mask
    vertex, if x has one more coordinate, gets p = 0): the posterior mean of the log map, which the
    generative drift is γ(t) times (SEEDS §5.4 `weighted_sum`). Already tangent at x up to rounding;
    callers project it once more."""
    k = probs.shape[-1]
    cos = x[..., :k].clamp(-1 + CLIP, 1 - CLIP)            # <x, e_j> = x_j
    w = probs * theta_over_sin(cos)
    pull = torch.cat([w, torch.zeros_like(x[..., k:])], dim=-1)
    return pull - (w * cos).sum(-1, keepdim=True) * x
