"""RDLM objective (SEEDS.md §5; Jo & Hwang 2025): continuous diffusion on the hypersphere.

State (§5.1). Dimension splitting: a token id is written as D base-k digits (most significant
first), and each digit is a point of S^k in R^{k+1}: digit j is the vertex e_j, and the last
coordinate is the mask vertex e_M. A canvas of L tokens is a state [L, D, k+1] (sphere.py has the
geometry). Time runs from the prior (t = 0) to the data (t = 1).

Generative SDE, a logarithm bridge to the data point e (§5.1):

    dX = γ(t) log_X(e) dt + √β(t) dW,   β(t) = β0^{1-t} βf^t,
    γ(t) = β(t) / ∫_t^1 β = ln r / (r^{1-t} - 1),  r = βf/β0

γ diverges at t = 1 (the bridge pins X to e), so sampling stops at 1 - END_EPS (§7.4).

Mixture path (§5.1, `mix_type: step`): a row whose time t is below step_thr starts from the uniform
point u = (1, ..., 1)/√(k+1), otherwise from the mask vertex e_M; sampling starts from u when
step_thr > 0 (from e_M when it is 0).

Simulation-free interpolant (§5.2): X_t ≈ exp_μ(ρ_t P_μ z), z ~ N(0, I), a wrapped normal around
μ_t = α_t e + √(1 - α_t²) s, s the unit direction of the start orthogonal to e. α_t and ρ_t are
moment-matched to the SDE: `bridge_table` simulates the bridge (a geodesic random walk from the
start to e_0, in the ambient R^{k+1}, exact for our small spheres where the reference projects to
4 coordinates), takes m_e = E<X, e> and m_s = E<X, s> per grid time, and solves

    α_t = m_e / √(m_e² + m_s²),     E cos(ρ_t χ_k) = √(m_e² + m_s²)

(the wrapped normal's mean is E cos|v| · μ, |v| = ρ χ_k; the reference writes E cos with ₁F₁; here
it is a quadrature over the χ_k density). The table is computed once and cached as JSON in the
run's folder (`cache_dir`), keyed by everything it depends on.

Loss (§5.2): cross-entropy of the network's digit logits against the clean digits at the region's
positions (the hole slots of infill rows, every slot of plain rows), with t drawn by importance
sampling from a step density (1 on [lo, hi], `floor` elsewhere) and the loss reweighted by Z / w(t),
so it estimates the CE integrated uniformly over t. The network sees the state without its mask
coordinates and is conditioned on t (cond_kind "t"; model.py).

Bound (§5.5): the Girsanov KL between the bridge and the model's path measures,

    ∫ ½ |γ(t) (P_X Σ_j p_j log_X(e_j) - log_X(e))|² / β(t) dt       per digit, summed,

the generative drift being γ(t) times the posterior mean of the log map (§5.4). The reference
evaluates it on simulated bridges (500 GRW steps per sample); here on the simulation-free
interpolant, which is what the network was trained on, at a fraction of the cost.
"""
from dataclasses import dataclass
import hashlib
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import sphere
from .graphs import antithetic_t

END_EPS = 1e-5


@dataclass(frozen=True)
class SphereLayout:
    """Token ids as `digits` base-`base` digits, each on S^base with a mask coordinate (last)."""
    base: int
    digits: int

    @classmethod
    def for_vocab(cls, vocab_size, base):
        if base < 2:
            raise ValueError("the digit base must be >= 2")
        digits = 1
        while base ** digits < vocab_size:
            digits += 1
        return cls(base, digits)

    @property
    def coords(self):
        return self.base + 1

    def encode(self, ids):
        """ids [...] -> digits [..., D], most significant first."""
        powers = self.base ** torch.arange(self.digits - 1, -1, -1, device=ids.device)
        return (ids.unsqueeze(-1) // powers) % self.base

    def decode(self, digits):
        powers = self.base ** torch.arange(self.digits - 1, -1, -1, device=digits.device)
        return (digits * powers).sum(-1)

    def vertices(self, ids, dtype=torch.float32):
        """ids [...] -> the clean state [..., D, k+1] (one-hot digits, mask coordinate 0)."""
        return F.one_hot(self.encode(ids), self.coords).to(dtype)


@dataclass(frozen=True)
class BridgeSchedule:
    """β(t), γ(t), the mixture threshold and the importance density of the time (SEEDS §5.1, §5.2);
    defaults: the reference's LM1B configuration (the one that splits dimensions)."""
    beta_0: float = 1e-3
    beta_f: float = 0.2
    step_thr: float = 0.38
    weight_lo: float = 0.3
    weight_hi: float = 0.75
    weight_floor: float = 1e-4
    type: str = "geometric_bridge"

    def __post_init__(self):
        if not 0 < self.beta_0 < self.beta_f:
            raise ValueError("the bridge needs 0 < beta_0 < beta_f")
        if not 0 <= self.step_thr < 1:
            raise ValueError("step_thr must be in [0, 1)")
        if not 0 <= self.weight_lo < self.weight_hi <= 1 - END_EPS or not 0 < self.weight_floor <= 1:
            raise ValueError("the time density needs 0 <= lo < hi < 1 and a floor in (0, 1]")

    def meta(self):
        """What the sampler needs (docs/model-contract.md): the SDE and where it starts and stops."""
        return {"type": self.type, "beta_0": self.beta_0, "beta_f": self.beta_f, "step_thr": self.step_thr,
                "end_eps": END_EPS}

    def beta(self, t):
        return self.beta_0 ** (1 - t) * self.beta_f ** t

    def gamma(self, t):
        """ln r / (r^{1-t} - 1), with expm1 so that 1 - t near 0 keeps its digits."""
        lr = math.log(self.beta_f / self.beta_0)
        return lr / torch.expm1((1 - t) * lr)

    def _pieces(self):
        """The time density's three intervals on [0, 1 - END_EPS] as (start, end, weight)."""
        return [(0.0, self.weight_lo, self.weight_floor), (self.weight_lo, self.weight_hi, 1.0),
                (self.weight_hi, 1 - END_EPS, self.weight_floor)]

    def weight_total(self):
        return sum((b - a) * w for a, b, w in self._pieces())

    def density(self, t):
        inside = (t >= self.weight_lo) & (t < self.weight_hi)
        return torch.where(inside, torch.ones_like(t), torch.full_like(t, self.weight_floor))

    def time_from_quantile(self, u):
        """Inverse CDF of the step density: u in [0, 1) -> t in [0, 1 - END_EPS)."""
        mass = u * self.weight_total()
        t = torch.zeros_like(u)
        below = torch.zeros_like(u)
        for a, b, w in self._pieces():
            width = (b - a) * w
            here = (mass >= below) & (mass < below + width)
            t = torch.where(here, a + (mass - below) / w, t)
            below = below + width
        return t.clamp(max=1 - END_EPS)

    def importance_weight(self, t):
        return self.weight_total() / self.density(t)


def uniform_point(coords, dtype=torch.float64):
    return torch.full((coords,), coords ** -0.5, dtype=dtype)


def mask_vertex(coords, dtype=torch.float64):
    x = torch.zeros(coords, dtype=dtype)
    x[-1] = 1.0
    return x


def start_direction(start, end):
    """The unit direction of start orthogonal to end (both on the sphere)."""
    s = start - sphere.inner(start, end) * end
    return s / s.norm(dim=-1, keepdim=True)


def simulate_bridge(coords, schedule, uniform, steps, particles, generator=None, record=None):
    """Geodesic random walk of the bridge from the start (uniform point or mask vertex) to e_0 in
    float64; returns (ts [steps+1], m_e, m_s) with m_e = E<X_t, e_0>, m_s = E<X_t, s>. `record`
    (a list) also receives every state, for tests."""
    start = uniform_point(coords) if uniform else mask_vertex(coords)
    end = torch.zeros(coords, dtype=torch.float64)
    end[0] = 1.0
    s = start_direction(start, end)
    x = start.expand(particles, coords).clone()
    ts = torch.linspace(0, 1, steps + 1, dtype=torch.float64)
    dt = 1.0 / steps
    m_e, m_s = [float(start[0])], [float(start @ s)]
    for i in range(steps):
        t = ts[i]
        z = torch.randn(particles, coords, dtype=torch.float64, generator=generator)
        v = math.sqrt(dt) * schedule.beta(t).sqrt() * sphere.tangent(x, z) \
            + schedule.gamma(t) * dt * sphere.log_map(x, end)
        x = sphere.exp_map(x, v)
        m_e.append(float(x[:, 0].mean()))
        m_s.append(float((x @ s).mean()))
        if record is not None:
            record.append(x)
    return ts, torch.tensor(m_e, dtype=torch.float64), torch.tensor(m_s, dtype=torch.float64)


def mean_cos_chi(rho, dim, grid=4001):
    """E cos(ρ R), R ~ χ_dim (the norm of a dim-dimensional standard normal), by quadrature."""
    r = torch.linspace(0, 12, grid, dtype=torch.float64)
    f = r ** (dim - 1) * torch.exp(-r * r / 2)
    f = f / torch.trapz(f, r)
    return torch.trapz(torch.cos(rho[:, None] * r[None]) * f[None], r, dim=-1)


def solve_rho(mean_cos, dim):
    """ρ with E cos(ρ χ_dim) = mean_cos: linear interpolation in a table of the curve on
    [0, its first minimum], where it falls (means below the minimum, which the bridge never
    reaches, clamp there)."""
    rhos = torch.linspace(0, 6, 3001, dtype=torch.float64)
    curve = mean_cos_chi(rhos, dim)
    low = int(torch.argmin(curve)) + 1
    rhos, curve = rhos[:low].flip(0), curve[:low].flip(0)              # ascending curve
    target = mean_cos.clamp(float(curve[0]), 1.0)
    i = torch.searchsorted(curve, target).clamp(1, low - 1)
    c0, c1 = curve[i - 1], curve[i]
    return rhos[i - 1] + (target - c0) / (c1 - c0) * (rhos[i] - rhos[i - 1])


def moment_match(m_e, m_s, dim):
    """(α_t, ρ_t) of the wrapped normal with the simulated means (module docstring)."""
    norm = torch.sqrt(m_e * m_e + m_s * m_s)
    alpha = (m_e / norm).clamp(0, 1)
    rho = solve_rho(norm.clamp(max=1.0), dim)
    alpha[-1], rho[-1] = 1.0, 0.0                      # t = 1: the data point itself
    rho[0] = 0.0                                       # t = 0: the start point itself
    return alpha, rho


SIM_STEPS, SIM_PARTICLES = 1000, 8192


def bridge_table(coords, schedule, cache_dir=None, steps=SIM_STEPS, particles=SIM_PARTICLES, seed=0):
    """{"t", "alpha": [mask path, uniform path], "rho": [...]} on the grid t_i = i / steps, computed
    (≈ 20 s on one CPU core) or read from cache_dir/rdlm_bridge_<key>.json."""
    key = {"coords": coords, "beta_0": schedule.beta_0, "beta_f": schedule.beta_f, "steps": steps,
           "particles": particles, "seed": seed, "version": 1}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    path = os.path.join(cache_dir, f"rdlm_bridge_{digest}.json") if cache_dir else None
    if path and os.path.exists(path):
        with open(path) as f:
            return {k: torch.tensor(v, dtype=torch.float64) for k, v in json.load(f)["table"].items()}
    g = torch.Generator().manual_seed(seed)
    alphas, rhos = [], []
    for uniform in (False, True):
        ts, m_e, m_s = simulate_bridge(coords, schedule, uniform, steps, particles, g)
        a, r = moment_match(m_e, m_s, coords - 1)
        alphas.append(a)
        rhos.append(r)
    table = {"t": ts, "alpha": torch.stack(alphas), "rho": torch.stack(rhos)}
    if path:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"key": key, "table": {k: v.tolist() for k, v in table.items()}}, f)
        os.replace(tmp, path)
    return table


class RDLM(nn.Module):
    BOUNDS = ("girsanov",)

    def __init__(self, family, vocab_size, mask_id, cache_dir=None, table=None):
        """table: a bridge_table of this layout and schedule (tests); computed or cached otherwise."""
        super().__init__()
        self.layout = SphereLayout.for_vocab(vocab_size, family.base)
        self.schedule = family.schedule
        table = table or bridge_table(self.layout.coords, self.schedule, cache_dir)
        self.steps = table["t"].numel() - 1
        self.register_buffer("alpha", table["alpha"].float(), persistent=False)   # [2, steps + 1]
        self.register_buffer("rho", table["rho"].float(), persistent=False)

    def _at(self, table, t, uniform):
        """Linear interpolation of a path's table at t [N]."""
        pos = t.clamp(0, 1) * self.steps
        i = pos.floor().long().clamp(max=self.steps - 1)
        frac = pos - i
        row = table[uniform.long(), :]                                   # [N, steps + 1]
        lo, hi = row.gather(1, i[:, None]).squeeze(1), row.gather(1, (i + 1)[:, None]).squeeze(1)
        return lo + frac * (hi - lo)

    def interpolant(self, digits, t, generator=None):
        """X_t at positions: digits [N, D], t [N] -> [N, D, k+1] (each row its own path by t)."""
        C = self.layout.coords
        end = F.one_hot(digits, C).to(t.dtype)                           # [N, D, C]
        uniform = t < self.schedule.step_thr
        start = torch.where(uniform[:, None], uniform_point(C, t.dtype).to(t.device)[None],
                            mask_vertex(C, t.dtype).to(t.device)[None])  # [N, C]
        s = start_direction(start[:, None].expand_as(end), end)
        alpha = self._at(self.alpha, t, uniform)[:, None, None]
        rho = self._at(self.rho, t, uniform)[:, None, None]
        mu = alpha * end + torch.sqrt((1 - alpha * alpha).clamp(min=0)) * s
        z = torch.randn(end.shape, device=t.device, dtype=t.dtype, generator=generator)
        return sphere.exp_map(mu, rho * sphere.tangent(mu, z))

    def noised(self, x0, region, generator=None):
        """One importance-sampled t per row and the state [B, L, D*(k+1)] (context at its vertices)."""
        B, L = x0.shape
        t = self.schedule.time_from_quantile(antithetic_t(B, x0.device, generator))
        state = self.layout.vertices(x0)
        t_pos = t[:, None].expand(B, L)[region]
        state[region] = self.interpolant(self.layout.encode(x0[region]), t_pos, generator)
        return t, state.view(B, L, -1)

    def digit_logits(self, model, state, t, sel, valid=None):
        h = model.hidden(state, valid, t)
        return model.head(h[sel]).view(-1, self.layout.digits, self.layout.base)   # [N, D, k]

    def forward(self, model, x0, region, valid=None, generator=None):
        t, state = self.noised(x0, region, generator)
        logits = self.digit_logits(model, state, t, region, valid)
        digits = self.layout.encode(x0[region])
        ce = F.cross_entropy(logits.reshape(-1, self.layout.base), digits.reshape(-1), reduction="none")
        w = self.schedule.importance_weight(t)[:, None].expand_as(region)[region]
        return (ce.view(digits.shape).sum(-1) * w).sum() / region.sum().clamp(min=1)

    def bounds(self, model, x0, generator=None):
        """(Girsanov KL total nats,) of full windows x0 [B, L], t uniform (antithetic) on [0, 1 - END_EPS]."""
        B, L = x0.shape
        region = torch.ones_like(x0, dtype=torch.bool)
        t = (1 - END_EPS) * antithetic_t(B, x0.device, generator)
        state = self.layout.vertices(x0)
        state[region] = self.interpolant(self.layout.encode(x0[region]), t[:, None].expand(B, L)[region], generator)
        probs = F.softmax(self.digit_logits(model, state.view(B, L, -1), t, region).double(), dim=-1)
        x = state.view(-1, self.layout.digits, self.layout.coords).double()
        end = self.layout.vertices(x0.reshape(-1), torch.float64)
        diff = sphere.tangent(x, sphere.vertex_pull(x, probs)) - sphere.log_map(x, end)
        tt = t.double()[:, None].expand(B, L).reshape(-1, 1)
        per = 0.5 * (self.schedule.gamma(tt) ** 2 / self.schedule.beta(tt)) * diff.pow(2).sum(-1)
        return (float(per.sum()),)
