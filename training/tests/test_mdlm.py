import math

import torch

from diffuse import mdlm
from diffuse.model import Denoiser, ModelConfig
from diffuse.tokenizer import MASK_ID


def tiny(vocab=64, causal=False):
    torch.manual_seed(0)
    return Denoiser(ModelConfig(vocab_size=vocab, n_layer=2, n_head=2, n_embd=32, max_length=32, causal=causal))


def test_antithetic_times_cover_unit_interval():
    t = mdlm.sample_t(1000, "cpu", torch.Generator().manual_seed(0))
    assert t.min() >= mdlm.EPS and t.max() <= 1.0
    # stratified: exactly one sample in each 1/B bin of u
    u = (t - mdlm.EPS) / (1 - mdlm.EPS)
    assert sorted((u * 1000).floor().long().tolist()) == list(range(1000))


def test_loss_weight_is_one_over_t():
    t = torch.linspace(mdlm.EPS, 1.0, 101, dtype=torch.float64)
    assert torch.allclose(mdlm.loss_weight(t), 1.0 / t, rtol=1e-9)


def test_masking_rate_matches_schedule():
    g = torch.Generator().manual_seed(1)
    x0 = torch.randint(3, 50, (64, 512), generator=g)
    region = torch.ones_like(x0, dtype=torch.bool)
    for tv in (0.05, 0.3, 0.7, 1.0):
        t = torch.full((64,), tv)
        xt, masked = mdlm.forward_mask(x0, region, t, MASK_ID, g)
        rate = masked.float().mean().item()
        assert abs(rate - (1 - mdlm.EPS) * tv) < 0.01, (tv, rate)
        assert torch.equal(xt == MASK_ID, masked)
        assert torch.equal(xt[~masked], x0[~masked])


def test_masking_respects_region():
    x0 = torch.randint(3, 50, (8, 40))
    region = torch.zeros_like(x0, dtype=torch.bool)
    region[:, 10:20] = True
    xt, masked = mdlm.forward_mask(x0, region, torch.ones(8), MASK_ID)
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
    for step in range(80):
        loss, _, _ = mdlm.diffusion_loss(model, x0, region, MASK_ID, generator=g)
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
    nll, se = mdlm.nelbo_per_token(model, x0, MASK_ID, samples=8)
    assert abs(nll - (1 - mdlm.EPS) * math.log(32)) < 5 * se + 0.02
