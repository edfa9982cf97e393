import json

import pytest

from diffuse import step_time


def test_step_time_reports_one_json_line_per_objective(capsys):
    tiny = ["--n_layer=1", "--n_embd=32", "--n_head=2", "--batch_size=2", "--max_length=16", "--steps=2", "--warmup=1"]
    for objective in (["--objective=cedd", "--graph=roulette", "--p_m=0.9"], ["--objective=genmd4"]):
        step_time.main(objective + tiny)
        row = json.loads(capsys.readouterr().out)
        assert row["objective"] == objective[0].split("=")[1]
        assert row["ms_per_step"] > 0 and row["tokens_per_s"] == pytest.approx(2 * 16 / row["ms_per_step"] * 1e3, rel=1e-2)
