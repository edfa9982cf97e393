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


def test_a_model_grown_from_a_checkpoint_computes_what_the_source_did_and_trains_its_new_blocks(tmp_path):
    torch.manual_seed(0)
    source = Denoiser(ModelConfig(**SHAPE))
    path = str(tmp_path / "ckpt.pt")
    torch.save({"model": source.state_dict()}, path)
    deep = Denoiser(ModelConfig(**{**SHAPE, "n_layer": 6}))
    deep.load_state_dict(initial_weights(path, deep, deepen=3))
    ids = torch.randint(3, 40, (2, 12))
    torch.testing.assert_close(deep(ids), source(ids), rtol=0, atol=1e-5)
    assert torch.equal(deep.blocks[3].attn.qkv.weight, source.blocks[1].attn.qkv.weight)
    assert not deep.blocks[4].mlp.proj.weight.any() and deep.blocks[3].mlp.proj.weight.any()
    deep(ids).logsumexp(-1).sum().backward()
    assert deep.blocks[4].mlp.proj.weight.grad.abs().sum() > 0, "a zero write still learns"


def test_a_model_grown_from_an_exported_graph_computes_what_the_graph_did(tmp_path):
    pytest.importorskip("onnx")
    from diffuse.export import export_onnx
    torch.manual_seed(1)
    source = Denoiser(ModelConfig(**SHAPE))
    with torch.no_grad():        # no two LayerNorms alike: the exporter shares equal constants
        for p in source.parameters():
            p.add_(0.01 * torch.randn_like(p))
    path = str(tmp_path / "model.onnx")
    export_onnx(source, path)
    deep = Denoiser(ModelConfig(**{**SHAPE, "n_layer": 4}))
    deep.load_state_dict(initial_weights(path, deep, deepen=2))
    ids = torch.randint(3, 40, (1, 10))
    torch.testing.assert_close(deep(ids), source(ids), rtol=0, atol=1e-5)


def test_a_depth_that_is_no_whole_multiple_of_the_source_is_refused(tmp_path):
    path = str(tmp_path / "ckpt.pt")
    torch.save({"model": Denoiser(ModelConfig(**SHAPE)).state_dict()}, path)
    with pytest.raises(ValueError, match="n_layer=5 must be a whole multiple"):
        initial_weights(path, Denoiser(ModelConfig(**{**SHAPE, "n_layer": 5})), deepen=2)
