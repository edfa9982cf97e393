"""train.py --init_from: the weights a run starts from (an exported graph, or another run's checkpoint)."""
import pytest
import torch

from diffuse.model import Denoiser, ModelConfig
from diffuse.train import TrainConfig, initial_weights, model_config
from helpers import weights_file

SHAPE = dict(vocab_size=40, n_layer=2, n_head=2, n_embd=32, max_length=16)


def _perturbed(n_layer, seed):
    """A model of SHAPE with n_layer blocks and no two LayerNorms alike (the exporter shares equal constants)."""
    torch.manual_seed(seed)
    model = Denoiser(ModelConfig(**{**SHAPE, "n_layer": n_layer}))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    return model


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
    source = _perturbed(SHAPE["n_layer"], 1)
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


def test_a_model_without_the_expand_token_starts_a_run_that_trains_one(tmp_path):
    source = _perturbed(SHAPE["n_layer"], 2)
    grown = Denoiser(ModelConfig(**{**SHAPE, "vocab_size": 41}))
    path = str(tmp_path / "ckpt.pt")
    torch.save({"model": source.state_dict()}, path)
    with pytest.raises(RuntimeError, match="size mismatch"):      # only a run that trains the token grows one
        grown.load_state_dict(initial_weights(path, grown))
    grown.load_state_dict(initial_weights(path, grown, grow_vocab=True))
    torch.testing.assert_close(grown.wte.weight[:40], source.wte.weight, rtol=0, atol=0)
    torch.testing.assert_close(grown.wte.weight[40], source.wte.weight.mean(0))
    ids = torch.randint(3, 40, (1, 8))
    torch.testing.assert_close(grown(ids)[..., :40], source(ids), rtol=0, atol=1e-5)
    pytest.importorskip("onnx")
    from diffuse.export import export_onnx
    graph = str(tmp_path / "model.onnx")
    export_onnx(source, graph)
    again = Denoiser(ModelConfig(**{**SHAPE, "vocab_size": 41}))
    with pytest.raises(ValueError, match="in the graph"):
        initial_weights(graph, again)
    again.load_state_dict(initial_weights(graph, again, grow_vocab=True))
    torch.testing.assert_close(again(ids)[..., :40], source(ids), rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="in the graph"):     # any other shape is still refused
        initial_weights(graph, Denoiser(ModelConfig(**{**SHAPE, "vocab_size": 42})), grow_vocab=True)


def test_expand_share_is_mdlm_s_with_random_holes():
    from diffuse.train import train
    for cfg, words in [(TrainConfig(expand_share=0.5, objective="md4"), "objective mdlm"),
                       (TrainConfig(expand_share=0.5, hole_reveal="confident"), "hole_reveal random"),
                       (TrainConfig(expand_share=0.5, infill_share=0.0), "infill_share > 0"),
                       (TrainConfig(expand_share=0.5, probe_slots=16, probe_share=0.4), "no probe_share"),
                       (TrainConfig(expand_share=1.5), "must be in")]:
        with pytest.raises(ValueError, match=words):
            train(cfg, docs=["x = 1\n"] * 4)


@pytest.mark.parametrize("kind", ["ckpt.pt", "model.onnx"])
def test_a_shallower_model_keeps_the_named_blocks_of_its_source_and_every_other_weight(tmp_path, kind):
    source = _perturbed(4, 3)
    path = weights_file(source, tmp_path, kind)
    cut = Denoiser(ModelConfig(**SHAPE))                  # two blocks
    cut.load_state_dict(initial_weights(path, cut, layers="1,3"))
    for mine, theirs in ((cut.blocks[0], source.blocks[1]), (cut.blocks[1], source.blocks[3])):
        for (name, a), (_, b) in zip(mine.state_dict().items(), theirs.state_dict().items()):
            torch.testing.assert_close(a, b, rtol=0, atol=1e-6, msg=name)
    torch.testing.assert_close(cut.wte.weight, source.wte.weight, rtol=0, atol=1e-6)
    torch.testing.assert_close(cut.ln_f.weight, source.ln_f.weight, rtol=0, atol=1e-6)


@pytest.mark.parametrize("spec, error", [
    ("0", "1 blocks for a model of n_layer=2"),
    ("1,0", "ascending"),
    ("2,4", "ascending block numbers of the source's 0..3"),
    ("0,x", "comma-separated block numbers"),
])
def test_block_lists_that_do_not_fit_are_refused_naming_the_flag(tmp_path, spec, error):
    path = str(tmp_path / "ckpt.pt")
    torch.save({"model": _perturbed(4, 4).state_dict()}, path)
    with pytest.raises(ValueError, match=f"init_layers='{spec}'.*{error}"):
        initial_weights(path, Denoiser(ModelConfig(**SHAPE)), layers=spec)
    with pytest.raises(ValueError, match="grown or cut"):
        initial_weights(path, Denoiser(ModelConfig(**SHAPE)), deepen=2, layers="0,1")


def test_block_shaping_without_weights_to_shape_is_refused(tmp_path):
    """--init_layers / --init_deepen without --init_from would train the small model from scratch, silently."""
    from diffuse.train import train
    for flags in ({"init_layers": "0,1"}, {"init_deepen": 2}):
        with pytest.raises(ValueError, match="set it too"):
            train(TrainConfig(out_dir=str(tmp_path), device="cpu", compile=False, **flags), docs=["x = 1\n"] * 4, log=lambda s: None)
