"""train.py --ema_decay: the moving average of the weights (ema.py), its checkpoint and its resume."""
import os

import pytest
import torch

from diffuse.ema import UPDATE_EVERY, ema_dir, weight_average
from diffuse.model import Denoiser, ModelConfig
from helpers import DOCS

SHAPE = dict(vocab_size=40, n_layer=1, n_head=2, n_embd=16, max_length=16)


def test_the_average_starts_at_the_weights_and_moves_a_share_of_the_way_to_each_new_one():
    torch.manual_seed(0)
    model = Denoiser(ModelConfig(**SHAPE))
    average = weight_average(model, 0.75 ** (1 / UPDATE_EVERY))    # 0.75 an update
    first = {k: v.clone() for k, v in model.state_dict().items()}
    average.update_parameters(model)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    average.update_parameters(model)
    for name, value in average.module.state_dict().items():
        torch.testing.assert_close(value, first[name] + 0.25, msg=name)


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.1, 1.5])
def test_a_decay_outside_0_1_is_refused_by_its_flag(decay):
    with pytest.raises(ValueError, match="--ema_decay"):
        weight_average(Denoiser(ModelConfig(**SHAPE)), decay)


def _config(tmp_path, **kw):
    T = pytest.importorskip("diffuse.tokenizer")
    pytest.importorskip("tokenizers")
    from diffuse.train import TrainConfig
    tokenizer = str(tmp_path / "tok.json")
    if not os.path.exists(tokenizer):
        T.train_tokenizer(DOCS * 3, vocab_size=300).save(tokenizer)
    spec = dict(tokenizer=tokenizer, out_dir=str(tmp_path / "run"), n_layer=1, n_head=2, n_embd=16,
                max_length=32, batch_size=4, warmup_steps=1, compile=False, device="cpu", infill_share=0.5,
                ema_decay=0.9, lr=1e-2)
    return TrainConfig(**{**spec, **kw})


def test_a_run_writes_its_average_as_a_checkpoint_the_export_reads_and_a_resume_goes_on_with_it(tmp_path):
    from diffuse.train import train
    ck = train(_config(tmp_path, max_steps=2 * UPDATE_EVERY), docs=DOCS * 3, log=lambda line: None)
    assert ck["ema"]["n_averaged"].item() == 2
    path = os.path.join(ema_dir(str(tmp_path / "run")), "ckpt.pt")
    saved = torch.load(path)
    assert "optimizer" not in saved and saved["step"] == 2 * UPDATE_EVERY and saved["train_config"]["ema_decay"] == 0.9
    model = Denoiser(ModelConfig(**saved["model_config"]))
    model.load_state_dict(saved["model"])     # the shape export.py loads
    moved = [n for n, v in saved["model"].items() if not torch.equal(v, ck["model"][n])]
    assert moved, "the average lags the trained weights"

    resumed = train(_config(tmp_path, max_steps=3 * UPDATE_EVERY), docs=DOCS * 3, log=lambda line: None)
    assert resumed["step"] == 3 * UPDATE_EVERY and resumed["ema"]["n_averaged"].item() == 3


def test_the_average_is_not_kept_beside_4_bit_aware_training(tmp_path):
    from diffuse.train import train
    with pytest.raises(ValueError, match="--qat4_from"):
        train(_config(tmp_path, max_steps=1, qat4_from=0.5), docs=DOCS, log=lambda line: None)
