import json

import pytest

from diffuse import bounds

BOUND = {"bound": "nelbo", "bound_nats_per_token": 2.5, "bound_stderr": 0.05, "bound_ppl": 12.18, "tokens_seen": 100}
AR = {"ar_nats_per_token": 2.0, "ar_ppl": 7.39, "ar_tokens_seen": 90, "val_tokens": 512}


def write(root, name, result):
    (root / name).mkdir()
    (root / name / "bound.json").write_text(json.dumps(result))


def test_diffusion_bounds_and_ar_losses_share_one_table(tmp_path, capsys):
    write(tmp_path, "mdlm", BOUND)
    write(tmp_path, "ar", AR)
    bounds.main([str(tmp_path), "mdlm", "ar"])
    table = json.loads((tmp_path / "bounds.json").read_text())
    assert table == {"mdlm": {"bound": "nelbo", "nats_per_token": 2.5, "stderr": 0.05, "ppl": 12.18, "tokens_seen": 100},
                     "ar": {"bound": "ar_loss", "nats_per_token": 2.0, "stderr": None, "ppl": 7.39, "tokens_seen": 90}}
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("mdlm") and "2.5000 +- 0.0500" in lines[0] and "ar_loss 2.0000 nats" in lines[1]


def test_a_result_of_another_kind_is_named_with_its_missing_field(tmp_path):
    write(tmp_path, "odd", {"nelbo_nats_per_token": 2.5})
    with pytest.raises(SystemExit, match=r"odd/bound.json: field 'bound' is missing"):
        bounds.main([str(tmp_path), "odd"])
