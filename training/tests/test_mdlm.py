import math
import os
import re

import pytest
import torch

from diffuse import mdlm
from diffuse.families import Family
from diffuse.graphs import T_MIN, per_token_bound
from diffuse.model import Denoiser, ModelConfig
from diffuse.tokenizer import MASK_ID
from helpers import DOCS

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


def test_held_out_bound_weighs_each_batch_by_its_tokens():
    """A last, smaller batch counts for its tokens, not as much as a full batch: 100 windows at
    batch 64 are batches of 64 and 36; windows 64..99 cost 1 nat a token, the others 0."""
    w = torch.zeros(100, 4, dtype=torch.long)
    w[64:] = 1
    cost = lambda x, g: (float((x == 1).sum()), float((x == 1).sum()) * 2)   # two estimators
    (a, se_a), (b, se_b) = per_token_bound(cost, w, samples=2, batch_size=64)
    assert a == pytest.approx(0.36) and b == pytest.approx(0.72)            # the old mean of means: 0.5
    assert se_a > 0 and se_b == pytest.approx(2 * se_a)


def test_held_out_bound_of_full_batches_is_the_mean_of_batch_means_and_its_error():
    """Where every batch is full (the windows a multiple of the batch, as every reported bound was)
    the token-weighted estimate and its standard error are the unweighted ones, over the batches of
    windows, each averaged over its passes."""
    g = torch.Generator().manual_seed(7)
    w = torch.randint(3, 9, (96, 8), generator=g)
    cost = lambda x, gen: (float(x.double().sum() + torch.rand(1, generator=gen, dtype=torch.float64) * 50),)
    (v, se), = per_token_bound(cost, w, samples=3, batch_size=32, seed=1)
    gen = torch.Generator().manual_seed(1)
    means = torch.tensor([[cost(w[i:i + 32], gen)[0] / w[i:i + 32].numel() for i in range(0, 96, 32)] for _ in range(3)],
                         dtype=torch.float64).mean(0)
    assert v == pytest.approx(float(means.mean()), rel=1e-12)
    assert se == pytest.approx(float(means.std() / len(means) ** 0.5), rel=1e-9)


def test_held_out_bound_error_does_not_shrink_with_passes_over_the_same_windows():
    """More corruption draws over the same windows cannot make the windows more: a cost that is the
    windows' alone keeps its error whatever the passes (counting each pass as a batch divided it by
    √samples)."""
    w = torch.randint(3, 9, (128, 8), generator=torch.Generator().manual_seed(3))
    cost = lambda x, gen: (float(x.double().sum()),)
    (_, one), = per_token_bound(cost, w, samples=1, batch_size=16)
    (_, eight), = per_token_bound(cost, w, samples=8, batch_size=16)
    assert one > 0 and eight == pytest.approx(one, rel=1e-12)


def test_ar_held_out_nll_counts_every_window_token_the_first_at_its_unigram_frequency():
    """A uniform AR model (zero weights) costs log V for each predicted token; each window's first
    token, which it never predicts, costs its frequency in the windows: here token 5 opens half the
    windows and is a quarter of all tokens."""
    from diffuse.ar import nll_per_token
    model = tiny(vocab=33, causal=True)
    for p in model.parameters():
        torch.nn.init.zeros_(p)
    w = torch.full((4, 8), 7, dtype=torch.long)
    w[:2, 0] = 5
    w[2:, 0] = 6
    w[:2, 1:4] = 5
    unigram = torch.bincount(w.reshape(-1), minlength=33).double() / w.numel()
    first = -float(torch.log(unigram[w[:, 0]]).sum())
    expected = (first + 4 * 7 * math.log(33)) / w.numel()
    assert nll_per_token(model, w) == pytest.approx(expected, rel=1e-5)


def hole_batch(vocab=64):
    """Row 0 an editor-hole row (slots 10..19), row 1 a plain row (every position), a draw of each."""
    x0 = torch.randint(3, vocab, (2, 32), generator=torch.Generator().manual_seed(5))
    region = torch.zeros_like(x0, dtype=torch.bool)
    region[0, 10:20] = True
    region[1] = True
    _, masked = objective(vocab).forward_mask(x0, region, torch.tensor([0.5, 0.5]), torch.Generator().manual_seed(6))
    return x0, region, masked


def test_confident_holes_mask_the_least_confident_slots_and_keep_the_count():
    model = tiny().eval()
    x0, region, masked = hole_batch()
    moved = mdlm.least_confident_holes(model, x0, region, masked, MASK_ID)
    assert torch.equal(moved[1], masked[1])                     # the plain row keeps its random subset
    k = int(masked[0].sum())
    assert 0 < k < 10 and int(moved[0].sum()) == k and not moved[0, ~region[0]].any()
    with torch.no_grad():                                       # the ranking, computed apart
        logits = model(torch.where(region, torch.full_like(x0, MASK_ID), x0))[0, 10:20]
        logits[:, MASK_ID] = float("-inf")
        probs = logits.softmax(-1)
        score = probs.max(-1).values - mdlm.DECODER_PAD_PENALTY * (probs.argmax(-1) == mdlm.PAD_ID)
    least = set((10 + score.argsort()[:k]).tolist())
    assert set(moved[0].nonzero().flatten().tolist()) == least


class _PadFirstStub(torch.nn.Module):
    """A network whose hole predictions are known: padding at 0.9 on positions 16..19, a content
    token at 0.5 elsewhere (what an over-allocated line hole looks like to the bundled model)."""

    def hidden(self, ids, valid=None):
        return torch.arange(ids.shape[1], dtype=torch.float32).expand(ids.shape)[..., None]

    def head(self, h):
        position = h[:, 0].long()
        pad = position >= 16
        logits = torch.full((len(h), 64), -30.0)
        logits[pad, mdlm.PAD_ID] = math.log(0.9)
        logits[pad, 7] = math.log(0.1)
        logits[~pad, 7] = math.log(0.5)
        logits[~pad, 8] = math.log(0.5)
        return logits


def test_confident_holes_rank_padding_below_content_as_the_sampler_does():
    x0, region, _ = hole_batch()
    masked = torch.zeros_like(region)
    masked[0, 10:14] = True                                    # four of the ten slots masked
    moved = mdlm.least_confident_holes(_PadFirstStub(), x0, region, masked, MASK_ID)
    # the sampler scores the pads 0.9 - 0.6 = 0.3 < 0.5: revealed last, so they are the masked ones
    assert moved[0].nonzero().flatten().tolist() == [16, 17, 18, 19]


def test_confident_holes_train_and_leave_the_bound_alone():
    model = tiny()
    x0, region, _ = hole_batch()
    confident = Family.from_config({"objective": "mdlm"}).objective_module(64, MASK_ID, hole_reveal="confident")
    loss = confident(model, x0, region, generator=torch.Generator().manual_seed(7))
    assert torch.isfinite(loss)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    windows = x0[1:].repeat(4, 1)
    assert confident.bounds(model, windows, torch.Generator().manual_seed(8)) == \
        objective().bounds(model, windows, torch.Generator().manual_seed(8))


def test_a_corruption_drawn_by_the_loader_gives_the_loss_of_one_drawn_in_the_step():
    """MDLM.draw, as the loader's workers run it (HostDrawnStream), draws what forward() draws with
    the same generator."""
    x0, region, _ = hole_batch()
    obj, model = objective(), tiny()
    in_step = obj(model, x0, region, generator=torch.Generator().manual_seed(3))
    by_loader = obj(model, x0, region, drawn=obj.draw(x0, region, torch.Generator().manual_seed(3)))
    torch.testing.assert_close(by_loader, in_step, rtol=0, atol=0)


def test_gathering_by_flat_positions_gives_the_nll_and_gradients_of_the_boolean_gather():
    """MDLM gathers the masked rows by draw()'s flat positions (no count asked of the GPU); MD4 and
    CEDD by the boolean mask: the same values and gradients, hole rows and plain rows alike."""
    x0, region, _ = hole_batch()
    _, masked, index = objective().draw(x0, region, torch.Generator().manual_seed(3))
    xt = mdlm.absorbed(x0, masked, MASK_ID)
    nlls, grads = [], []
    for by in (None, index):
        model = tiny()
        nll = mdlm.masked_nll(model, xt, x0, masked, MASK_ID, index=by)
        nll.sum().backward()
        nlls.append(nll)
        grads.append([p.grad for p in model.parameters()])
    torch.testing.assert_close(nlls[1], nlls[0], rtol=0, atol=0)
    for by_positions, by_mask in zip(*grads):
        torch.testing.assert_close(by_positions, by_mask)


def test_the_host_drawn_stream_gives_each_batch_its_draw():
    x0, region, valid = hole_batch()
    fim = torch.zeros(2, dtype=torch.bool)
    (batch,) = list(mdlm.HostDrawnStream([(x0, region, valid, fim)], objective()))
    assert all(torch.equal(a, b) for a, b in zip(batch[:4], (x0, region, valid, fim)))
    t, masked, index = batch[4]
    assert t.shape == (2,) and masked.any() and not (masked & ~region).any()
    assert torch.equal(index, masked.flatten().nonzero().flatten())


def test_hole_reveal_is_checked():
    with pytest.raises(ValueError, match="hole_reveal"):
        Family.from_config({"objective": "mdlm"}).objective_module(64, MASK_ID, hole_reveal="greedy")
    with pytest.raises(ValueError, match="hole_reveal='confident' is MDLM's alone"):
        Family.from_config({"objective": "md4"}).objective_module(64, MASK_ID, hole_reveal="confident")


def test_decoder_pad_penalty_is_the_engines_default():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "src", "infill", "defaults.ts")
    declared = re.search(r"export const PAD_PENALTY = ([0-9.]+);", open(path).read())
    assert declared and float(declared.group(1)) == mdlm.DECODER_PAD_PENALTY


def test_training_runs_with_confident_holes(tmp_path):
    T = pytest.importorskip("diffuse.tokenizer")
    pytest.importorskip("tokenizers")
    from diffuse.train import TrainConfig, train
    tokenizer = str(tmp_path / "tok.json")
    T.train_tokenizer(DOCS * 3, vocab_size=300).save(tokenizer)
    cfg = TrainConfig(tokenizer=tokenizer, out_dir=str(tmp_path / "run"), n_layer=1, n_head=2, n_embd=16,
                      max_length=32, batch_size=4, max_steps=3, warmup_steps=1, compile=False, device="cpu",
                      infill_share=0.5, hole_reveal="confident")
    assert train(cfg, docs=DOCS * 3, log=lambda line: None)["step"] == 3
