import math

import pytest
import torch

from diffuse.model import HAS_SDPA, Denoiser, ModelConfig, Rotary


def make(causal=False):
    torch.manual_seed(0)
    return Denoiser(ModelConfig(vocab_size=50, n_layer=2, n_head=2, n_embd=32, causal=causal)).eval()


def test_positions_gather_matches_full_logits():
    m = make()
    ids = torch.randint(0, 50, (2, 12))
    pos = torch.tensor([[0, 3, 11], [5, 5, 1]])
    full = m(ids)
    part = m(ids, pos)
    assert part.shape == (2, 3, 50) and part.dtype == torch.float32
    assert torch.allclose(part, torch.stack([full[b, pos[b]] for b in range(2)]), atol=1e-6)


def test_bidirectional_vs_causal():
    ids = torch.randint(0, 50, (1, 10))
    ids2 = ids.clone()
    ids2[0, -1] = (ids[0, -1] + 1) % 50
    for causal in (False, True):
        m = make(causal)
        a, b = m(ids), m(ids2)
        changed = not torch.allclose(a[0, 0], b[0, 0], atol=1e-6)
        assert changed != causal


def reference_attention(attn, x, causal):
    """PyTorch's own multi-head attention with attn's weights, as an independent reference; the
    rotary embedding is the identity here (cos 1, sin 0), which nn.MultiheadAttention lacks."""
    D = x.shape[-1]
    mha = torch.nn.MultiheadAttention(D, attn.n_head, bias=False, batch_first=True)
    mha.in_proj_weight.data.copy_(attn.qkv.weight)
    mha.out_proj.weight.data.copy_(attn.proj.weight)
    L = x.shape[1]
    mask = torch.ones(L, L, dtype=torch.bool).triu(1) if causal else None   # True = not attended
    return mha(x, x, x, attn_mask=mask, need_weights=False)[0]


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("sdpa", [False, True])
def test_attention_matches_torch_multihead_attention(sdpa, causal):
    # Both paths, each against nn.MultiheadAttention: the plain path is the exported graph's, the
    # SDPA path the GPU machine's (absent on PyTorch 1.13, where only the plain path runs).
    if sdpa and not HAS_SDPA:
        pytest.skip("this PyTorch has no F.scaled_dot_product_attention")
    attn = make(causal).blocks[0].attn
    attn.use_sdpa = sdpa
    torch.nn.init.normal_(attn.qkv.weight, std=0.3)   # init's 0.02 leaves softmax all but uniform
    x = torch.randn(2, 9, 32)
    ones, zeros = torch.ones(1, 9, 1, 16), torch.zeros(1, 9, 1, 16)   # cos, sin [1, L, 1, hd]
    with torch.no_grad():
        y = attn(x, ones, zeros)[0]                  # (y, k, v): k and v are for the context cache
        assert torch.allclose(y, reference_attention(attn, x, causal), atol=1e-5)


def test_attention_rotates_each_head_by_its_position():
    # NeoX rotary written out by hand: in every head, dimension i and i + hd/2 of the query and the
    # key at position p turn by the angle p * base^(-2i/hd); the values are not rotated.
    torch.manual_seed(0)
    attn = make().blocks[0].attn
    torch.nn.init.normal_(attn.qkv.weight, std=0.3)
    B, L, D, H = 2, 7, 32, attn.n_head
    hd = D // H
    x = torch.randn(B, L, D)
    rot = Rotary(hd, 10000.0, max_length=L)
    q, k, v = (t.view(B, L, H, hd) for t in attn.qkv(x).split(D, dim=-1))

    def turned(t):
        out = t.clone()
        for p in range(L):
            for i in range(hd // 2):
                a = p * 10000.0 ** (-2 * i / hd)
                c, s = math.cos(a), math.sin(a)
                out[:, p, :, i] = t[:, p, :, i] * c - t[:, p, :, i + hd // 2] * s
                out[:, p, :, i + hd // 2] = t[:, p, :, i + hd // 2] * c + t[:, p, :, i] * s
        return out

    q, k = turned(q), turned(k)
    att = torch.softmax(torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(hd), dim=-1)
    expected = attn.proj(torch.einsum("bhqk,bkhd->bqhd", att, v).reshape(B, L, D))
    with torch.no_grad():
        y, keys, values = attn(x, *rot(L, "cpu"))
    assert torch.allclose(y, expected, atol=1e-5)
    assert torch.allclose(keys, k.transpose(1, 2), atol=1e-5), "the kept keys are the rotated ones, [B, H, L, hd]"
    assert torch.equal(values, v.transpose(1, 2))


def test_tied_embeddings_share_storage():
    # The head reads the embedding table itself, and the count has it once: an untied model of the
    # same shape has exactly one more vocabulary-by-width matrix.
    m = make()
    assert m.lm_head is None
    h = torch.randn(3, 32)
    assert torch.allclose(m.head(h), h @ m.wte.weight.T)
    untied = Denoiser(ModelConfig(vocab_size=50, n_layer=2, n_head=2, n_embd=32, tie_embeddings=False))
    assert untied.num_parameters() - m.num_parameters() == 50 * 32


def test_invalid_filler_is_invisible():
    # a short row padded with filler (valid=False) gives the same logits as the short row alone
    m = make()
    ids = torch.randint(3, 50, (1, 7))
    padded = torch.cat([ids, torch.randint(3, 50, (1, 5))], dim=1)
    valid = torch.tensor([[True] * 7 + [False] * 5])
    for sdpa in (True, False):
        for blk in m.blocks:
            blk.attn.use_sdpa = sdpa and hasattr(torch.nn.functional, "scaled_dot_product_attention")
        a = m.head(m.hidden(ids))
        b = m.head(m.hidden(padded, valid))[:, :7]
        assert torch.allclose(a, b, atol=1e-5)


def test_forward_cached_with_no_past_is_forward_and_a_cached_call_on_an_unchanged_canvas_is_exact():
    from diffuse.export import empty_past
    torch.manual_seed(3)
    model = Denoiser(ModelConfig(vocab_size=50, n_layer=2, n_head=2, n_embd=32, max_length=32)).eval()
    ids = torch.randint(3, 50, (2, 12))
    pos = torch.tensor([[1, 4, 6], [0, 5, 11]])
    with torch.no_grad():
        full = model(ids, pos)
        logits, keys, values = model.forward_cached(ids, torch.arange(12).expand(2, 12), pos, *empty_past(model.cfg, 2))
        assert torch.allclose(logits, full, atol=1e-6)
        assert keys.shape == values.shape == (2, 2, 2, 12, 16)          # [n_layer, B, H, L, hd]
        hole, context = torch.arange(4, 8), torch.tensor([0, 1, 2, 3, 8, 9, 10, 11])
        within = torch.tensor([[0, 2], [1, 3]])
        cached, _, _ = model.forward_cached(ids[:, hole], hole.expand(2, -1), within,
                                            keys[:, :, :, context], values[:, :, :, context])
        assert torch.allclose(cached, model(ids, hole[within]), atol=1e-5)


def test_rotary_tables_equal_the_angles_computed_at_any_positions():
    rot = Rotary(16, 10000.0, max_length=8)
    for L in (1, 5, 8, 13):   # 13: longer than the tables, computed instead
        cos, sin = rot(L, "cpu")
        ref_cos, ref_sin = rot.at(torch.arange(L)[None])
        assert cos.shape == (1, L, 1, 16)
        assert torch.equal(cos, ref_cos) and torch.equal(sin, ref_sin)
    assert "cos_table" not in rot.state_dict(), "the tables are derived, not saved in checkpoints"


def test_logit_shift_predicts_each_position_from_the_one_before():
    torch.manual_seed(0)
    plain = make()
    shifted = Denoiser(ModelConfig(vocab_size=50, n_layer=2, n_head=2, n_embd=32, logit_shift=True)).eval()
    shifted.load_state_dict(plain.state_dict())
    ids = torch.randint(0, 50, (2, 12))
    a, b = plain(ids), shifted(ids)
    assert torch.allclose(b[:, 1:], a[:, :-1], atol=1e-6)
    assert torch.allclose(b[:, 0], a[:, 0], atol=1e-6), "position 0 has no row before it: its own"
    pos = torch.tensor([[0, 3, 11], [5, 5, 1]])
    assert torch.allclose(shifted(ids, pos), torch.stack([b[i, pos[i]] for i in range(2)]), atol=1e-6)
    with pytest.raises(ValueError, match="context-cache"):
        shifted.forward_cached(ids, torch.arange(12)[None].expand(2, -1), pos,
                               torch.zeros(2, 2, 2, 0, 16), torch.zeros(2, 2, 2, 0, 16))
