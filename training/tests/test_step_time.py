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


def test_step_time_times_the_key_mask_of_short_rows(capsys):
    tiny = ["--n_layer=1", "--n_embd=32", "--n_head=2", "--batch_size=4", "--max_length=32", "--steps=2", "--warmup=1"]
    step_time.main(tiny + ["--infill_share=0.5", "--short_row_share=0.5"])
    assert json.loads(capsys.readouterr().out)["short_row_share"] == 0.5
    assert step_time.valid_rows(8, 32, 0.0, "cpu", None) is None, "no share, no mask: SDPA's unmasked kernel"
    g = torch.Generator().manual_seed(0)
    valid = step_time.valid_rows(400, 32, 0.5, "cpu", g)
    lengths = valid.sum(dim=1)
    assert (valid == (torch.arange(32)[None] < lengths[:, None])).all(), "each row is a prefix, filler after it"
    short = lengths < 32
    assert 150 < short.sum() < 250 and lengths[short].min() >= 20
