"""train.py --init_from: the weights a run starts from (an exported graph, or another run's checkpoint)."""
import pytest
import torch

from diffuse.model import Denoiser, ModelConfig
from diffuse.train import TrainConfig, initial_weights, model_config

SHAPE = dict(vocab_size=40, n_layer=2, n_head=2, n_embd=32, max_length=16)


def test_an_ar_checkpoint_starts_a_bidirectional_denoiser_with_its_weights(tmp_path):
    torch.manual_seed(0)
    ar = Denoiser(ModelConfig(causal=True, **SHAPE))
    path = str(tmp_path / "ckpt.pt")
    torch.save({"model": ar.state_dict(), "step": 7}, path)
    mdlm = Denoiser(ModelConfig(**SHAPE))
    mdlm.load_state_dict(initial_weights(path, mdlm))
    for (name, a), (_, b) in zip(ar.state_dict().items(), mdlm.state_dict().items()):
        assert torch.equal(a, b), name
    ids = torch.randint(3, 40, (1, 8))
    assert not torch.allclose(ar(ids), mdlm(ids)), "the same weights, attending both ways now"


def test_the_ar_objective_refuses_the_logit_shift():
    with pytest.raises(ValueError, match="logit_shift"):
        Denoiser(model_config(TrainConfig(objective="ar", logit_shift=True), 40))
    assert Denoiser(model_config(TrainConfig(objective="mdlm", logit_shift=True), 40)).cfg.logit_shift
