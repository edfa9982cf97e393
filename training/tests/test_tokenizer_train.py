import os
from dataclasses import replace

import pytest
import torch

tokenizers = pytest.importorskip("tokenizers")

from diffuse import tokenizer as T  # noqa: E402
from diffuse.make_fixture import TRICKY  # noqa: E402

from helpers import DOCS  # noqa: E402


def test_special_ids_and_exact_round_trip():
    tok = T.train_tokenizer(DOCS * 20 + TRICKY, vocab_size=400)
    assert [tok.token_to_id(s) for s in T.SPECIAL_TOKENS] == [0, 1, 2]
    for text in TRICKY + DOCS:
        assert T.decode(tok, T.encode(tok, text)) == text


def test_train_resume_and_checkpoint(tmp_path):
    from diffuse.train import TrainConfig, train
    tok = T.train_tokenizer(DOCS * 20, vocab_size=300)
    tp = str(tmp_path / "tok.json")
    tok.save(tp)
    cfg = TrainConfig(tokenizer=tp, out_dir=str(tmp_path / "run"), n_layer=1, n_head=2, n_embd=16,
                      max_length=32, batch_size=4, max_steps=6, warmup_steps=2, compile=False,
                      device="cpu", log_every=2, short_share=0.5)
    ck = train(cfg, docs=DOCS * 5, log=lambda s: None)
    assert ck["step"] == 6 and os.path.exists(os.path.join(cfg.out_dir, "ckpt.pt"))
    cfg.max_steps = 9
    ck2 = train(cfg, docs=DOCS * 5, log=lambda s: None)
    assert ck2["step"] == 9 and ck2["tokens_seen"] > ck["tokens_seen"]
    saved = torch.load(os.path.join(cfg.out_dir, "ckpt.pt"))
    assert saved["train_config"]["n_embd"] == 16 and saved["model_config"]["vocab_size"] == 300
    cfg_ar = TrainConfig(**{**cfg.__dict__, "objective": "ar", "out_dir": str(tmp_path / "ar"), "max_steps": 3})
    assert train(cfg_ar, docs=DOCS * 5, log=lambda s: None)["step"] == 3


def test_a_resumed_run_and_a_continuation_of_its_weights_draw_new_corruptions(tmp_path, monkeypatch):
    """The loader's corruption draws (and its workers' seeds) come from torch's generator, seeded by
    the starting step and the starting weights: neither a resumed run nor a run continuing another's
    weights replays the masks that made them; two runs from the same weights share their stream."""
    from diffuse import mdlm
    from diffuse.train import TrainConfig, train
    tok = T.train_tokenizer(DOCS * 20, vocab_size=300)
    tp = str(tmp_path / "tok.json")
    tok.save(tp)
    first_levels = []
    draw = mdlm.HostDrawnStream.__iter__

    def recording(self):
        for i, batch in enumerate(draw(self)):
            if i == 0:
                first_levels.append(batch[-1][0].clone())     # the noise levels of the run's first batch
            yield batch
    monkeypatch.setattr(mdlm.HostDrawnStream, "__iter__", recording)
    cfg = TrainConfig(tokenizer=tp, out_dir=str(tmp_path / "run"), n_layer=1, n_head=2, n_embd=16,
                      max_length=32, batch_size=4, max_steps=2, warmup_steps=1, compile=False,
                      device="cpu", log_every=2)
    train(cfg, docs=DOCS * 5, log=lambda s: None)
    train(replace(cfg, max_steps=4), docs=DOCS * 5, log=lambda s: None)                      # resumed
    parent = str(tmp_path / "run" / "ckpt.pt")
    for arm in ("a", "b"):
        train(replace(cfg, out_dir=str(tmp_path / arm), init_from=parent), docs=DOCS * 5, log=lambda s: None)
    train(replace(cfg, out_dir=str(tmp_path / "a"), init_from=parent, max_steps=4), docs=DOCS * 5, log=lambda s: None)
    first, resumed, continued, paired, continued_resumed = first_levels
    assert not torch.equal(first, resumed) and not torch.equal(first, continued)
    assert torch.equal(continued, paired)
    assert not torch.equal(continued_resumed, resumed), "a resumed continuation replays its parent's resumed stream"
