"""Forward processes shared by the seed families (SEEDS.md §1, §3.1, §4.1, §6.1, §8.3).

Every family noises tokens independently with a CTMC of rate sigma'(t) Q. Over the N real tokens
(every id but the mask) plus the mask M, the three graphs are one family, "roulette(p)":
from a real token, at rate 1, jump to M with chance p, else re-draw uniformly among the N real
tokens (possibly itself); M is absorbing. p = 1 is absorb, p = 0 is uniform (M never appears).
Its matrix exponential at total noise sigma, from x0, is

    P(M)      = m = 1 - e^{-p sigma}                          (-expm1: exact for small sigma)
    P(y)      = b = e^{-p sigma} (1 - e^{-(1-p) sigma}) / N   every real y != x0
    P(x0)     = c = e^{-p sigma} e^{-(1-p) sigma} + b

Schedules give the total noise sigma(t) (and the absorb keep chance alpha_t = e^{-sigma}):

    loglinear   sigma = -log(1 - (1-eps) t)                   1 - alpha = (1-eps) t
    geometric   sigma = smin^{1-t} smax^t                     (SEDD uniform)
    linear      alpha = (1-2eps)(1-t) + eps                   (MD4; sigma := -log alpha)
    md4_cosine  alpha = (1-2eps)(1-cos(pi/2 (1-t))) + eps
    poly        alpha = (1-2eps)(1-t^k) + eps
    genmd4      alpha_v = 1 - (1-eps) t^{w_v}, per token id v (lives in md4.py: w is learned)

The corruption chance 1 - alpha is computed directly (not as 1 - alpha) so small t keeps its
digits. Only the region is corrupted (the hole slots of infill rows; the context never is).
"""
from dataclasses import dataclass
import math

import torch

GRAPHS = ("absorb", "uniform", "roulette")
MD4_TYPES = ("linear", "md4_cosine", "poly", "genmd4")
# A schedule's eps (its own parameter, written to meta.json) is owned by Schedule: this is its default.
DEFAULT_EPS = {"loglinear": 1e-3, "linear": 1e-4, "md4_cosine": 1e-4, "poly": 1e-4, "genmd4": 1e-4}
# The discrete families' estimators draw t from [T_MIN, 1] (MDLM's, MD4's and SEDD's choice): near
# t = 0 the loss weight sigma'/expm1(sigma) ~ 1/t makes the estimator's variance blow up.
T_MIN = 1e-3


@dataclass(frozen=True)
class Schedule:
    type: str = "loglinear"
    eps: float = 0.0                  # 0 = the type's default (DEFAULT_EPS)
    exponent: float = 1.0             # poly only
    sigma_min: float = 1e-4           # geometric only
    sigma_max: float = 20.0

    def __post_init__(self):
        if self.type not in ("geometric",) + tuple(DEFAULT_EPS):
            raise ValueError(f"unknown schedule {self.type!r}")
        if self.eps == 0.0 and self.type in DEFAULT_EPS:
            object.__setattr__(self, "eps", DEFAULT_EPS[self.type])

    def meta(self):
        """The contract's schedule object (genmd4's token_exponents are added by the exporter)."""
        if self.type == "geometric":
            return {"type": "geometric", "sigma_min": self.sigma_min, "sigma_max": self.sigma_max}
        out = {"type": self.type, "eps": self.eps}
        if self.type == "poly":
            out["exponent"] = self.exponent
        return out

    def corrupt_chance(self, t):
        """1 - alpha_t = 1 - e^{-sigma(t)}, the absorb mask chance."""
        e = self.eps
        if self.type == "loglinear":
            return (1 - e) * t
        if self.type == "geometric":
            return -torch.expm1(-self.sigma(t))
        if self.type == "linear":
            return (1 - 2 * e) * t + e
        if self.type == "md4_cosine":
            return (1 - 2 * e) * torch.cos(math.pi / 2 * (1 - t)) + e
        if self.type == "poly":
            return (1 - 2 * e) * t ** self.exponent + e
        raise ValueError("genmd4's schedule is per token: see md4.GenMD4")

    def d_corrupt_chance(self, t):
        """d(1 - alpha_t)/dt = -alpha'(t) >= 0."""
        e = self.eps
        if self.type == "loglinear":
            return torch.full_like(t, 1 - e)
        if self.type == "geometric":
            return self.dsigma(t) * torch.exp(-self.sigma(t))
        if self.type == "linear":
            return torch.full_like(t, 1 - 2 * e)
        if self.type == "md4_cosine":
            return (1 - 2 * e) * (math.pi / 2) * torch.sin(math.pi / 2 * (1 - t))
        if self.type == "poly":
            return (1 - 2 * e) * self.exponent * t ** (self.exponent - 1)
        raise ValueError("genmd4's schedule is per token: see md4.GenMD4")

    def sigma(self, t):
        if self.type == "geometric":
            return self.sigma_min ** (1 - t) * self.sigma_max ** t
        return -torch.log1p(-self.corrupt_chance(t))

    def dsigma(self, t):
        if self.type == "geometric":
            return self.sigma(t) * math.log(self.sigma_max / self.sigma_min)
        return self.d_corrupt_chance(t) / (1 - self.corrupt_chance(t))


def graph_p(graph, p_m=None):
    """The roulette mask chance p that the graph is: absorb 1, uniform 0, roulette p_m."""
    if graph == "absorb":
        return 1.0
    if graph == "uniform":
        return 0.0
    if graph == "roulette":
        if p_m is None or not 0 < p_m < 1:
            raise ValueError("roulette needs p_m in (0, 1)")
        return float(p_m)
    raise ValueError(f"unknown graph {graph!r}")


def transition(p, sigma, n_real):
    """Closed-form exp(sigma Q) from a real x0: (m, b, c) = P(M), P(y != x0 real), P(x0)."""
    keep_real = torch.exp(-p * sigma)                 # not absorbed
    moved = -torch.expm1(-(1 - p) * sigma)            # re-drawn at least once
    m = -torch.expm1(-p * sigma)
    b = keep_real * moved / n_real
    c = keep_real * (1 - moved) + b
    return m, b, c


def random_real(shape, n_real, mask_id, device, generator=None):
    """Uniform over the N real ids (every id but mask_id)."""
    r = torch.randint(0, n_real, shape, device=device, generator=generator)
    return r + (r >= mask_id).long()


def corrupt(x0, region, m, b, n_real, mask_id, generator=None):
    """x_t ~ q(x_t | x0) inside region: M with chance m, a uniform real token with chance N b
    (which may be x0 itself, so P(x0) = c), else x0. m, b broadcast to x0 ([B, 1] or [B, L])."""
    u = torch.rand(x0.shape, device=x0.device, generator=generator)
    redraw = random_real(x0.shape, n_real, mask_id, x0.device, generator)
    xt = torch.where(u < m + n_real * b, redraw, x0)
    xt = torch.where(u < m, torch.full_like(x0, mask_id), xt)
    return torch.where(region, xt, x0)


def antithetic_t(batch_size, device, generator=None, lo=0.0):
    """Stratified times in [lo, 1]: t_i = lo + (1-lo) ((u + i/B) mod 1), one per row."""
    u = torch.rand(1, device=device, generator=generator)
    u = (u + torch.arange(batch_size, device=device) / batch_size) % 1.0
    return (1 - lo) * u + lo


@torch.no_grad()
def per_token_bound(batch_nats, windows, samples=4, batch_size=64, seed=0):
    """Average bound estimators over held-out windows [N, L]: batch_nats(x0, generator) -> a tuple
    of total nats of the batch (one per estimator). Returns [(nats/token, standard error over
    batches of windows)] in the same order.

    The estimate is every batch's nats over every batch's tokens, so a last, smaller batch (N not a
    multiple of batch_size) counts for its tokens: a mean of per-batch means gave it a full batch's
    weight. The error is the ratio estimator's over the batches of windows, each batch's nats first
    averaged over the `samples` passes (corruption draws) and its per-token value weighted by its
    share of the tokens: the passes see the same windows, so counting each pass as another batch
    shrank the error by up to √samples, as if the windows were that many more. With one batch of
    windows the passes are all there is to spread over (the draws' error alone)."""
    g = torch.Generator(device=windows.device).manual_seed(seed)
    nats, tokens = [], []
    for _ in range(samples):
        for i in range(0, windows.shape[0], batch_size):
            x0 = windows[i:i + batch_size]
            nats.append([float(v) for v in batch_nats(x0, g)])
            tokens.append(x0.numel())
    batches = len(tokens) // samples
    y = torch.tensor(nats, dtype=torch.float64)                          # [samples · batches, estimators]
    n = torch.tensor(tokens, dtype=torch.float64).unsqueeze(1)           # [samples · batches, 1]
    if batches > 1:
        y = y.view(samples, batches, -1).mean(0)                         # each batch of windows, over its passes
        n = n[:batches]
    mean = y.sum(0) / n.sum()
    k = n.shape[0]
    if k > 1:
        dev = (n / n.mean()) * (y / n - mean)
        se = (dev.pow(2).sum(0) / (k * (k - 1))).sqrt()
    else:
        se = torch.zeros(y.shape[1], dtype=torch.float64)
    return [(float(a), float(b)) for a, b in zip(mean, se)]
