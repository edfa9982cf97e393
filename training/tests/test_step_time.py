import json

import pytest
import torch

from diffuse import step_time


def test_step_time_reports_one_json_line_per_objective(capsys):
    tiny = ["--n_layer=1", "--n_embd=32", "--n_head=2", "--batch_size=2", "--max_length=16", "--steps=2", "--warmup=1"]
    for objective in (["--objective=cedd", "--graph=roulette", "--p_m=0.9"], ["--objective=genmd4"]):
        step_time.main(objective + tiny)
        row = json.loads(capsys.readouterr().out)
        assert row["objective"] == objective[0].split("=")[1]
        assert row["ms_per_step"] > 0 and row["tokens_per_s"] == pytest.approx(2 * 16 / row["ms_per_step"] * 1e3, rel=1e-2)


def test_step_time_times_hole_rows_and_the_confident_reveal(capsys):
    tiny = ["--n_layer=1", "--n_embd=32", "--n_head=2", "--batch_size=4", "--max_length=32", "--steps=2", "--warmup=1"]
    step_time.main(tiny + ["--infill_share=0.5", "--hole_reveal=confident"])
    row = json.loads(capsys.readouterr().out)
    assert row["objective"] == "mdlm" and row["infill_share"] == 0.5 and row["hole_reveal"] == "confident"
    region = step_time.hole_region(4, 32, 0.5, "cpu")
    assert region[2:].all() and region[:2].sum(dim=1).tolist() == [step_time.HOLE_SLOTS] * 2
    assert region[:2, 8:24].all()


def test_step_time_times_the_key_mask_of_short_rows(capsys, monkeypatch):
    # the mask reaches the loss (and so the model), and no corrupted position lies in filler
    seen = []
    timed = step_time._LossModule.forward

    def spy(self, x0, region, valid, drawn=None):
        seen.append((region, valid))
        return timed(self, x0, region, valid, drawn)

    monkeypatch.setattr(step_time._LossModule, "forward", spy)
    tiny = ["--n_layer=1", "--n_embd=32", "--n_head=2", "--batch_size=8", "--max_length=32", "--steps=2", "--warmup=1"]
    step_time.main(tiny + ["--infill_share=0.5", "--short_row_share=0.5", "--seed=3"])
    assert json.loads(capsys.readouterr().out)["short_row_share"] == 0.5
    region, valid = seen[0]
    assert valid is not None and (~valid).any(), "some rows end early"
    assert not (region & ~valid).any(), "filler is never corrupted"
    assert step_time.valid_rows(8, 32, 0.0, "cpu", None) is None, "no share, no mask: SDPA's unmasked kernel"
    valid = step_time.valid_rows(400, 32, 0.25, "cpu", torch.Generator().manual_seed(0))
    lengths = valid.sum(dim=1)
    assert (valid == (torch.arange(32)[None] < lengths[:, None])).all(), "each row is a prefix, filler after it"
    short = lengths < 32
    assert 60 < short.sum() < 140 and lengths[short].min() >= 20, "a quarter of the rows, each ending at 5/8 L or later"
