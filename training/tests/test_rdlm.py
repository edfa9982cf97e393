import math

import pytest
import torch

from diffuse import rdlm, sphere
from diffuse.families import Family
from diffuse.model import Denoiser, ModelConfig
from diffuse.tokenizer import MASK_ID

G = torch.Generator().manual_seed(0)


def random_points(n, c, g=G):
    x = torch.randn(n, c, dtype=torch.float64, generator=g)
    return x / x.norm(dim=-1, keepdim=True)


def test_exp_log_round_trip_tangency_and_distance():
    x, y = random_points(500, 5), random_points(500, 5)
    v = sphere.log_map(x, y)
    assert torch.allclose(sphere.inner(x, v), torch.zeros(500, 1, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(v.norm(dim=-1), sphere.dist(x, y), atol=1e-9)
    assert torch.allclose(sphere.exp_map(x, v), y, atol=1e-9)
    # near points (the Taylor branches) and a point to itself
    near = sphere.exp_map(x, 1e-6 * sphere.tangent(x, random_points(500, 5)))
    assert torch.allclose(sphere.exp_map(x, sphere.log_map(x, near)), near, atol=1e-14)
    assert torch.allclose(sphere.log_map(x, x), torch.zeros_like(x), atol=1e-6)
    assert torch.allclose(sphere.exp_map(x, torch.zeros_like(x)), x)


def test_vertex_pull_is_the_log_map_at_a_certain_vertex_and_tangent():
    x = random_points(200, 4).abs()
    probs = torch.softmax(torch.randn(200, 3, dtype=torch.float64, generator=G), -1)
    pull = sphere.vertex_pull(x, probs)
    assert torch.allclose(sphere.inner(x, pull), torch.zeros(200, 1, dtype=torch.float64), atol=1e-9)
    one = torch.zeros(200, 3, dtype=torch.float64)
    one[:, 1] = 1
    e1 = torch.zeros(200, 4, dtype=torch.float64)
    e1[:, 1] = 1
    assert torch.allclose(sphere.vertex_pull(x, one), sphere.log_map(x, e1), atol=1e-6)


@pytest.mark.parametrize("vocab,base,digits", [(8192, 2, 13), (8192, 3, 9), (1024, 2, 10), (30522, 3, 10), (7, 7, 1)])
def test_digit_layout_round_trips(vocab, base, digits):
    layout = rdlm.SphereLayout.for_vocab(vocab, base)
    assert layout.digits == digits and base ** digits >= vocab > base ** (digits - 1) or digits == 1
    ids = torch.cat([torch.arange(min(vocab, 4000)), torch.tensor([vocab - 1])])
    d = layout.encode(ids)
    assert d.shape == (ids.numel(), digits) and int(d.max()) < base
    assert torch.equal(layout.decode(d), ids)
    v = layout.vertices(ids)
    assert v.shape == (ids.numel(), digits, base + 1) and torch.equal(v.argmax(-1), d) and (v[..., -1] == 0).all()


def test_time_density_inverse_cdf_and_weights():
    s = rdlm.BridgeSchedule()
    u = torch.linspace(0, 1, 100001, dtype=torch.float64)[:-1]
    t = s.time_from_quantile(u)
    assert (t[1:] >= t[:-1]).all() and float(t[0]) == 0 and float(t[-1]) < 1
    inside = ((t >= s.weight_lo) & (t < s.weight_hi)).double().mean()
    assert abs(float(inside) - (s.weight_hi - s.weight_lo) / s.weight_total()) < 1e-3
    # E_{t ~ w/Z}[f(t) Z / w(t)] = ∫ f: the reweighted loss estimates the uniform-time integral
    # (a larger floor, so the grid of quantiles resolves the outer intervals too)
    s = rdlm.BridgeSchedule(weight_floor=0.2)
    t = s.time_from_quantile(u)
    f = torch.cos(3 * t)
    assert abs(float((f * s.importance_weight(t)).mean()) - math.sin(3 * (1 - rdlm.END_EPS)) / 3) < 2e-3


def test_gamma_is_beta_over_its_remaining_integral():
    s = rdlm.BridgeSchedule()
    for t in (0.0, 0.3, 0.9, 0.999):
        r = torch.linspace(t, 1, 200001, dtype=torch.float64)
        integral = torch.trapz(s.beta(r), r)
        gamma = float(s.gamma(torch.tensor(t, dtype=torch.float64)))
        assert abs(gamma - float(s.beta(torch.tensor(t)) / integral)) < 1e-4 * gamma


def test_solve_rho_inverts_the_mean_cosine():
    for dim in (2, 3, 8):
        rho = torch.tensor([0.0, 0.05, 0.3, 0.9], dtype=torch.float64)
        got = rdlm.solve_rho(rdlm.mean_cos_chi(rho, dim), dim)
        assert torch.allclose(got, rho, atol=1e-6), dim
    z = torch.randn(200000, 2, dtype=torch.float64, generator=G).norm(dim=-1)     # χ_2 by sampling
    exact = float(rdlm.mean_cos_chi(torch.tensor([0.7], dtype=torch.float64), 2))
    assert abs(float(torch.cos(0.7 * z).mean()) - exact) < 5e-3


def small_table(fam, steps=200, particles=4000, seed=3):
    return rdlm.bridge_table(fam.base + 1, fam.schedule, steps=steps, particles=particles, seed=seed)


@pytest.fixture(scope="module")
def obj():
    fam = Family.from_config({"objective": "rdlm", "sphere_base": 2})
    return fam, rdlm.RDLM(fam, 64, MASK_ID, table=small_table(fam))


@pytest.mark.parametrize("uniform", [False, True])
def test_interpolant_moments_match_the_simulated_bridge(obj, uniform):
    """The wrapped normal with the table's α_t, ρ_t has the simulated bridge's mean and spread."""
    fam = Family.from_config({"objective": "rdlm", "step_thr": 0.5})
    C = fam.base + 1
    o = rdlm.RDLM(fam, 64, MASK_ID, table=small_table(fam, 200, 8000))
    g = torch.Generator().manual_seed(11)
    record = []
    rdlm.simulate_bridge(C, fam.schedule, uniform, 200, 8000, g, record)
    for i in (20, 60, 100, 150, 190):
        t = i / 200
        if (t < fam.schedule.step_thr) != uniform:
            continue
        sim = record[i - 1]
        n = 8000
        x = o.interpolant(torch.zeros(n, 1, dtype=torch.long), torch.full((n,), t, dtype=torch.float64), g)[:, 0]
        start = rdlm.uniform_point(C) if uniform else rdlm.mask_vertex(C)
        s = rdlm.start_direction(start, torch.eye(C, dtype=torch.float64)[0])
        for f in (lambda a: a[:, 0], lambda a: a @ s, lambda a: a[:, 0] ** 2):
            assert abs(float(f(x).mean()) - float(f(sim).mean())) < 0.02, (uniform, t)
        assert torch.allclose(x.norm(dim=-1), torch.ones(n, dtype=torch.float64))


def test_bridge_table_is_cached(tmp_path):
    sched = rdlm.BridgeSchedule()
    a = rdlm.bridge_table(3, sched, str(tmp_path), steps=50, particles=500)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name.startswith("rdlm_bridge_")
    b = rdlm.bridge_table(3, sched, str(tmp_path), steps=50, particles=500)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert float(a["alpha"][0, 0]) == 0 and float(a["alpha"][0, -1]) == 1 and (a["rho"] >= 0).all()


def tiny_rdlm(vocab=64):
    fam = Family.from_config({"objective": "rdlm"})
    layout = rdlm.SphereLayout.for_vocab(vocab, fam.base)
    torch.manual_seed(0)
    return fam, Denoiser(ModelConfig(vocab_size=vocab, n_layer=2, n_head=2, n_embd=32, max_length=32, cond_kind="t",
                                     cond_dim=32, sphere_base=layout.base, sphere_digits=layout.digits,
                                     tie_embeddings=False))


def test_loss_finite_and_falling_and_context_clamped(obj):
    fam, model = tiny_rdlm()
    o = obj[1]
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(3)
    start = torch.randint(0, 61, (16, 1), generator=g)
    x0 = (start + torch.arange(16)) % 61 + 3
    region = torch.ones_like(x0, dtype=torch.bool)
    region[:4, :6] = False
    t, state = o.noised(x0, region, torch.Generator().manual_seed(1))
    assert torch.equal(state.view(16, 16, o.layout.digits, -1)[:4, :6], o.layout.vertices(x0[:4, :6]))

    def fixed():
        with torch.no_grad():
            fg = torch.Generator().manual_seed(9)
            return sum(float(o(model, x0, region, generator=fg)) for _ in range(8)) / 8
    before = fixed()
    for _ in range(40):
        loss = o(model, x0, region, generator=g)
        assert torch.isfinite(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = fixed()
    assert after < 0.8 * before, (before, after)
    bound = o.bounds(model.eval(), x0, torch.Generator().manual_seed(2))[0]
    assert math.isfinite(bound) and bound > 0


def test_family_contract():
    fam = Family.from_config({"objective": "rdlm"})
    assert (fam.graph, fam.cond_kind, fam.output_kind, fam.base) == ("sphere", "t", "x0_logits", 2)
    assert fam.meta()["schedule"] == {"type": "geometric_bridge", "beta_0": 1e-3, "beta_f": 0.2, "step_thr": 0.38,
                                      "end_eps": 1e-5}
    for bad in ({"objective": "rdlm", "graph": "absorb"}, {"objective": "cedd", "graph": "sphere"},
                {"objective": "rdlm", "sphere_base": 1}):
        with pytest.raises(ValueError):
            Family.from_config(bad)
