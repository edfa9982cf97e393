"""expand.py: masked slots of hole rows merged into expand slots (DreamOn's length supervision)."""
import pytest
import torch

from diffuse import mdlm
from diffuse.expand import ExpandMerges, merge_masked_pairs, shape_as_engine_row, show_padding_after_cut
from diffuse.families import Family
from diffuse.tokenizer import MASK_ID, PAD_ID

EXPAND = 99


def row(tokens, masked, hole):
    """One row: ids, its hole [a, b) as region, and its masked positions."""
    x0 = torch.tensor(tokens)
    region = torch.zeros(len(tokens), dtype=torch.bool)
    region[hole[0]:hole[1]] = True
    return x0, region, torch.tensor(masked, dtype=torch.bool)


def test_a_merge_keeps_the_hole_in_place_and_closes_it_with_padding_masked_as_told():
    #               context  | hole: 20 21 22 23 PAD         | context
    x0, region, masked = row([5, 6, 20, 21, 22, 23, PAD_ID, 7, 8],
                             [0, 0, 1, 1, 0, 1, 1, 0, 0], (2, 7))
    torch.manual_seed(0)
    assert merge_masked_pairs(x0, region, masked, torch.tensor([True]), EXPAND, PAD_ID) == 1
    # the only pair of adjacent masked content slots is (20, 21)
    assert x0.tolist() == [5, 6, EXPAND, 22, 23, PAD_ID, PAD_ID, 7, 8]
    assert masked.tolist() == [False, False, True, False, True, True, True, False, False]
    assert merge_masked_pairs(x0, region, masked, torch.ones(3, dtype=torch.bool), EXPAND, PAD_ID) == 0, "no masked pair is left"


def test_merges_chain_never_touch_padding_or_context_and_keep_the_tokens_order():
    for seed in range(20):
        torch.manual_seed(seed)
        tokens = [5, 6] + list(range(20, 30)) + [PAD_ID, PAD_ID, 7, 8]
        x0, region, masked = row(tokens, [0, 0] + [1] * 12 + [0, 0], (2, 14))
        made = merge_masked_pairs(x0, region, masked, torch.zeros(9, dtype=torch.bool), EXPAND, PAD_ID)
        assert made == 9, "ten masked tokens merge nine times into one slot"
        assert x0.tolist() == [5, 6, EXPAND] + [PAD_ID] * 11 + [7, 8]
        assert masked.tolist() == [False, False, True, True, True] + [False] * 11, "the old padding stays masked, the new is shown"


def test_the_merging_step_takes_its_share_of_hole_rows_and_leaves_its_inputs_alone():
    torch.manual_seed(0)
    B = 400
    x0 = torch.arange(20, 36).repeat(B, 1)
    region = torch.zeros_like(x0, dtype=torch.bool)
    region[:, 4:12] = True
    masked = region.clone()
    is_fim = torch.arange(B) % 2 == 0
    out, out_masked = ExpandMerges(0.5, EXPAND, PAD_ID)(x0, region, masked, is_fim, torch.full((B,), 0.5))
    merged = (out == EXPAND).any(1)
    assert not merged[~is_fim].any(), "plain rows (the bound's) are never merged"
    assert 60 < int(merged[is_fim].sum()) < 140, "about half the hole rows"
    assert torch.equal(x0, torch.arange(20, 36).repeat(B, 1)) and torch.equal(masked, region)
    assert torch.equal(out[:, :4], x0[:, :4]) and torch.equal(out[:, 12:], x0[:, 12:])
    assert ((out == EXPAND) <= out_masked).all(), "an expand slot is always masked"
    with pytest.raises(ValueError, match="expand_share must be in"):
        ExpandMerges(0.0, EXPAND, PAD_ID)


def test_padding_shows_a_merge_no_more_often_than_a_row_without_one():
    """The engine shows a short row's slack as fixed padding whether or not the row is too short, so
    a visible pad at a hole's end must not mean "merged": merged rows' end padding is shown as
    often as other rows' (a first version always showed it)."""
    torch.manual_seed(1)
    B = 4000
    x0 = torch.tensor([5, 6] + list(range(20, 28)) + [PAD_ID] * 4 + [7, 8]).repeat(B, 1)
    region = torch.zeros_like(x0, dtype=torch.bool)
    region[:, 2:14] = True
    t = torch.full((B,), 0.6)            # one masking rate: a model could read the rate, not the merge, from the rest
    masked = (torch.rand(x0.shape) < t[:, None]) & region
    out, out_masked = ExpandMerges(0.5, EXPAND, PAD_ID)(x0, region, masked, torch.ones(B, dtype=torch.bool), t)
    end_shown = ~out_masked[:, 13]                          # the hole's last slot: always padding here
    merged = (out == EXPAND).any(1)
    shown_merged, shown_plain = float(end_shown[merged].float().mean()), float(end_shown[~merged].float().mean())
    assert merged.sum() > 500 and (~merged).sum() > 500
    assert abs(shown_merged - shown_plain) < 0.05, (shown_merged, shown_plain)
    # a row with fixed padding shows all of it, as the engine's short rows do
    assert (~out_masked[:, 2:14] | (out[:, 2:14] != PAD_ID)).all(1).float().mean() > 0.4


def test_a_cut_shows_the_padding_after_it_and_keeps_the_masking_before_it():
    cuts = set()
    for seed in range(40):
        torch.manual_seed(seed)
        #                    context | hole: 20 21 22 PAD PAD PAD PAD | context
        x0, region, masked = row([5, 20, 21, 22, PAD_ID, PAD_ID, PAD_ID, PAD_ID, 7],
                                 [0, 1, 0, 1, 1, 0, 1, 1, 0], (1, 8))
        before = masked.clone()
        cut = show_padding_after_cut(x0, region, masked, PAD_ID)
        cuts.add(cut)
        assert 4 <= cut <= 8, "between the content's end and the hole's end"
        assert masked[:cut].tolist() == before[:cut].tolist() and not masked[cut:8].any()
        assert masked[8:].tolist() == before[8:].tolist(), "context untouched"
    assert cuts == {4, 5, 6, 7, 8}, "every cut, from all the padding shown to none"


def test_with_the_cut_a_row_that_shows_padding_may_have_masked_padding_before_it():
    """What --expand_padding=cut is for: rows like the engine's over-long short rows, masked slots
    (some padding) followed by shown padding, so the model learns to pad them as well as to grow."""
    torch.manual_seed(2)
    B = 2000
    x0 = torch.tensor([5, 6] + list(range(20, 26)) + [PAD_ID] * 6 + [7, 8]).repeat(B, 1)
    region = torch.zeros_like(x0, dtype=torch.bool)
    region[:, 2:14] = True
    t = torch.ones(B)                                      # every hole slot masked: the engine's first step
    fim = torch.ones(B, dtype=torch.bool)

    def masked_pad_before_shown(padding_cut):
        out, out_masked = ExpandMerges(0.5, EXPAND, PAD_ID, padding="cut" if padding_cut else "all")(x0, region, region.clone(), fim, t)
        assert not (~out_masked & region & (out != PAD_ID)).any(), "content and expand slots stay masked"
        shown_end = ~out_masked[:, 13]
        masked_pad = (out_masked & (out == PAD_ID) & region).any(1)
        return float((shown_end & masked_pad).float().mean())

    assert masked_pad_before_shown(False) == 0.0, "without the cut, a row that shows padding shows all of it"
    assert masked_pad_before_shown(True) > 0.2


def test_an_engine_row_is_merged_where_short_and_holds_masked_padding_where_long():
    sizes = set()
    for seed in range(60):
        torch.manual_seed(seed)
        #                    context | hole: 20..25 then 4 PAD                       | context
        x0, region, masked = row([5] + list(range(20, 26)) + [PAD_ID] * 4 + [7],
                                 [0] + [1] * 10 + [0], (1, 11))
        size = shape_as_engine_row(x0, region, masked, EXPAND, PAD_ID)
        sizes.add(size)
        assert 3 <= size <= 10, "from half the content to the whole hole"
        hole, shown = x0[1:11], ~masked[1:11]
        assert shown[size:].all() and not shown[:size].any(), "the row's slots masked, the padding after it shown"
        assert (hole[size:] == PAD_ID).all()
        expands = int((hole == EXPAND).sum())
        masked_pads = int(((hole == PAD_ID) & ~shown).sum())
        assert not (expands and masked_pads), "a row is either too short (merged) or too long (masked padding)"
        content = int((hole[:size] != PAD_ID).sum())
        assert (expands > 0) == (size < 6) and content == min(size, 6)
        assert x0[0] == 5 and x0[11] == 7 and not masked[0] and not masked[11]
    assert min(sizes) == 3 and max(sizes) == 10


def test_with_engine_rows_the_other_hole_rows_are_merged_as_before():
    torch.manual_seed(4)
    B = 2000
    x0 = torch.tensor([5] + list(range(20, 28)) + [PAD_ID] * 6 + [7]).repeat(B, 1)
    region = torch.zeros_like(x0, dtype=torch.bool)
    region[:, 1:15] = True
    out, out_masked = ExpandMerges(0.5, EXPAND, PAD_ID, padding="row")(x0, region, region.clone(), torch.ones(B, dtype=torch.bool), torch.ones(B))
    shown_end = ~out_masked[:, 14]
    merged = (out == EXPAND).any(1)
    masked_pad = (out_masked & (out == PAD_ID) & region).any(1)
    assert 0.4 < float(shown_end.float().mean()) < 0.6, "the engine rows: about half"
    assert (merged & shown_end).any() and (masked_pad & shown_end).any(), "engine rows both short and long"
    assert not (merged & masked_pad & shown_end).any()
    assert (merged & ~shown_end).float().mean() > 0.15, "and the others merged at the share"
    with pytest.raises(ValueError, match="expand padding must be one of all, cut, row, got 'some'"):
        ExpandMerges(0.5, EXPAND, PAD_ID, padding="some")


def test_the_host_drawn_stream_gathers_the_merged_targets():
    objective = Family.from_config({"objective": "mdlm"}).objective_module(100, MASK_ID)
    x0 = torch.arange(20, 36).repeat(8, 1)
    region = torch.zeros_like(x0, dtype=torch.bool)
    region[:, 4:12] = True
    fim = torch.ones(8, dtype=torch.bool)
    valid = torch.ones_like(region)
    torch.manual_seed(3)
    (batch,) = list(mdlm.HostDrawnStream([(x0, region, valid, fim)], objective, ExpandMerges(1.0, EXPAND, PAD_ID)))
    out, _, _, _, (t, masked, index) = batch
    assert torch.equal(index, mdlm.flat_positions(masked))
    assert (out == EXPAND).any(), "some row had two adjacent masked slots at these times"
    assert ((out == EXPAND) <= masked).all()


def test_a_training_run_with_expand_slots_grows_the_vocabulary_by_the_expand_token(tmp_path):
    T = pytest.importorskip("diffuse.tokenizer")
    pytest.importorskip("tokenizers")
    from diffuse.train import TrainConfig, train
    from helpers import DOCS
    tokenizer = str(tmp_path / "tok.json")
    T.train_tokenizer(DOCS * 3, vocab_size=300).save(tokenizer)
    vocab = T.load(tokenizer).get_vocab_size()
    cfg = TrainConfig(tokenizer=tokenizer, out_dir=str(tmp_path / "run"), n_layer=1, n_head=2, n_embd=16,
                      max_length=32, batch_size=4, max_steps=3, warmup_steps=1, compile=False, device="cpu",
                      infill_share=0.5, expand_share=0.5, expand_padding="cut")
    ck = train(cfg, docs=DOCS * 3, log=lambda line: None)
    assert ck["step"] == 3 and ck["model"]["wte.weight"].shape[0] == vocab + 1
    with pytest.raises(ValueError, match="--expand_padding must be one of all, cut, row, got 'some'"):
        train(TrainConfig(**{**cfg.__dict__, "expand_padding": "some"}), docs=DOCS, log=lambda line: None)
    with pytest.raises(ValueError, match="--expand_padding=cut shapes the rows of --expand_share: set it too"):
        train(TrainConfig(**{**cfg.__dict__, "expand_share": 0.0}), docs=DOCS, log=lambda line: None)
