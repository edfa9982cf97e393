import math

import torch

from diffuse import mdlm
from diffuse.families import Family
from diffuse.graphs import T_MIN, per_token_bound
from diffuse.model import Denoiser, ModelConfig
from diffuse.tokenizer import MASK_ID

EPS = 1e-3   # the loglinear schedule's eps (graphs.DEFAULT_EPS), as meta.json writes it


def objective(vocab=64):
    """The MDLM objective module as training builds it (families.py)."""
    return Family.from_config({"objective": "mdlm"}).objective_module(vocab, MASK_ID)


def tiny(vocab=64, causal=False):
    torch.manual_seed(0)
    return Denoiser(ModelConfig(vocab_size=vocab, n_layer=2, n_head=2, n_embd=32, max_length=32, causal=causal))


def test_the_default_family_is_mdlm_on_its_schedule():
    obj = objective()
    assert isinstance(obj, mdlm.MDLM) and obj.schedule.meta() == {"type": "loglinear", "eps": EPS}


def test_antithetic_times_cover_unit_interval():
    t = objective().sample_t(1000, "cpu", torch.Generator().manual_seed(0))
    assert t.min() >= T_MIN and t.max() <= 1.0
    # stratified: exactly one sample in each 1/B bin of u
    u = (t - T_MIN) / (1 - T_MIN)
    assert sorted((u * 1000).floor().long().tolist()) == list(range(1000))


def test_loss_weight_is_one_over_t():
    t = torch.linspace(T_MIN, 1.0, 101, dtype=torch.float64)
    assert torch.allclose(objective().loss_weight(t), 1.0 / t, rtol=1e-9)


def test_masking_rate_matches_schedule():
    g = torch.Generator().manual_seed(1)
    x0 = torch.randint(3, 50, (64, 512), generator=g)
    region = torch.ones_like(x0, dtype=torch.bool)
    for tv in (0.05, 0.3, 0.7, 1.0):
        t = torch.full((64,), tv)
        xt, masked = objective().forward_mask(x0, region, t, g)
        rate = masked.float().mean().item()
        assert abs(rate - (1 - EPS) * tv) < 0.01, (tv, rate)
        assert torch.equal(xt == MASK_ID, masked)
        assert torch.equal(xt[~masked], x0[~masked])


def test_masking_respects_region():
    x0 = torch.randint(3, 50, (8, 40))
    region = torch.zeros_like(x0, dtype=torch.bool)
    region[:, 10:20] = True
    xt, masked = objective().forward_mask(x0, region, torch.ones(8))
    assert not masked[:, :10].any() and not masked[:, 20:].any()
    assert torch.equal(xt[:, :10], x0[:, :10])


def test_subs_invariants():
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(2, 10, 16, generator=g)
    xt = torch.randint(3, 16, (2, 10), generator=g)
    xt[:, ::3] = MASK_ID
    logp = mdlm.subs_log_probs(logits, xt, MASK_ID)
    p = logp.exp()
    assert torch.allclose(p.sum(-1), torch.ones(2, 10), atol=1e-5)
    assert (p[..., MASK_ID] < 1e-30).all()                       # zero masking probability
    keep = xt != MASK_ID                                          # carry-over unmasking
    assert torch.allclose(p[keep].gather(-1, xt[keep][:, None]).squeeze(-1), torch.ones(int(keep.sum())))


def test_loss_finite_and_falling_on_toy_batch():
    model = tiny()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(3)
    start = torch.randint(0, 61, (16, 1), generator=g)
    x0 = (start + torch.arange(24)) % 61 + 3          # learnable: each token follows from its neighbours
    region = torch.ones_like(x0, dtype=torch.bool)
    losses = []
    obj = objective()
    for step in range(80):
        loss = obj(model, x0, region, generator=g)
        assert torch.isfinite(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    assert last < 0.7 * first, (first, last)


def test_nelbo_of_uniform_model_is_log_vocab():
    # zero weights -> uniform over the V-1 non-mask tokens; the NELBO estimator's mean is then
    # log(V-1) per token (E[1/t * 1{masked}] = (1-eps)).
    model = tiny(vocab=33)
    for p in model.parameters():
        torch.nn.init.zeros_(p)
    x0 = torch.randint(3, 33, (64, 16), generator=torch.Generator().manual_seed(4))
    obj = objective(vocab=33)
    nll, se = per_token_bound(lambda x, g: obj.bounds(model, x, g), x0, samples=8)[0]
    assert abs(nll - (1 - EPS) * math.log(32)) < 5 * se + 0.02
