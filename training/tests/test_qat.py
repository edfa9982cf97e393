"""4-bit-aware finishing (qat.py): training through the weights an int8from4 graph runs."""
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from diffuse.model import Denoiser, ModelConfig
from diffuse.qat import Int8From4Linear, enable, int8from4_weight

SHAPE = dict(vocab_size=40, n_layer=2, n_head=2, n_embd=32, max_length=16)


def weights(seed=0):
    """Rows of very different ranges, a row of zeros and a block of zeros among them."""
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(48, 96, generator=g) * torch.logspace(-3, 0, 48)[:, None]
    w[5] = 0
    w[7, 32:64] = 0
    w[9, 3] = 40.0      # one outlier: its block steps by the widest the byte allows
    return w


def test_the_weights_trained_through_are_those_the_folded_graph_multiplies_by():
    pytest.importorskip("onnx")
    from diffuse.quantize import pack4, unpack4
    w = weights()
    for block in (32, 16):
        packed, steps, scale = pack4(w.numpy().copy(), block)
        graph = np.rint(unpack4(packed, steps)) * scale[:, None]      # the int8 weight, times its column scale
        np.testing.assert_array_equal(int8from4_weight(w, block).numpy(), graph.astype(np.float32))


def test_the_rounding_is_coarse_but_bounded_by_a_blocks_step():
    w = weights()
    error = (int8from4_weight(w) - w).abs().view(48, 3, 32).amax(dim=2)
    widest = w.abs().view(48, 3, 32).amax(dim=2)
    assert (error > 0).any() and (error <= widest / 7 / 2 + w.abs().amax(dim=1, keepdim=True) / 63).all()


def test_the_gradient_passes_straight_through_the_rounding():
    torch.manual_seed(0)
    layer = torch.nn.Linear(64, 8, bias=True)
    quantized = int8from4_weight(layer.weight.detach())
    x = torch.randn(5, 64)
    layer.__class__ = Int8From4Linear
    y = layer(x)
    torch.testing.assert_close(y, F.linear(x, quantized, layer.bias), rtol=0, atol=1e-6)
    y.square().sum().backward()
    expected = (2 * y.detach()).T @ x            # d/dW of sum(y^2) with W's rounding taken as the identity
    torch.testing.assert_close(layer.weight.grad, expected, rtol=1e-5, atol=1e-5)


def test_a_model_trains_its_blocks_through_their_4bit_weights_and_keeps_its_state_dict():
    torch.manual_seed(1)
    model = Denoiser(ModelConfig(**SHAPE))
    keys = list(model.state_dict())
    reference = Denoiser(ModelConfig(**SHAPE))
    reference.load_state_dict(model.state_dict())
    assert enable(model) == 2 * 4                 # qkv, proj, fc and the MLP's proj of each block
    assert list(model.state_dict()) == keys
    with torch.no_grad():
        for block in reference.blocks:
            for layer in (block.attn.qkv, block.attn.proj, block.mlp.fc, block.mlp.proj):
                layer.weight.copy_(int8from4_weight(layer.weight))
    ids = torch.randint(3, 40, (2, 12))
    torch.testing.assert_close(model(ids), reference(ids), rtol=0, atol=1e-5)
    assert type(model.blocks[0].attn.qkv) is Int8From4Linear


def test_a_block_size_the_weights_refuse_changes_nothing():
    model = Denoiser(ModelConfig(**SHAPE))
    with pytest.raises(ValueError, match="qat4_block=24: a weight of 32 inputs does not split"):
        enable(model, block=24)
    assert all(type(m) is torch.nn.Linear for m in model.blocks.modules() if isinstance(m, torch.nn.Linear))


def test_training_turns_it_on_at_its_share_of_the_schedule(tmp_path):
    T = pytest.importorskip("diffuse.tokenizer")
    pytest.importorskip("tokenizers")
    from diffuse.train import TrainConfig, train
    docs = ["def add(a, b):\n    return a + b\n", "for i in range(10):\n    print(i)\n"] * 8
    tp = str(tmp_path / "tok.json")
    T.train_tokenizer(docs, vocab_size=300).save(tp)
    cfg = TrainConfig(tokenizer=tp, out_dir=str(tmp_path / "run"), n_layer=1, n_head=2, n_embd=32, max_length=32,
                      batch_size=4, max_steps=4, warmup_steps=1, compile=False, device="cpu", qat4_from=0.5)
    lines = []
    ck = train(cfg, docs=docs, log=lines.append)
    assert [json.loads(line) for line in lines if line.startswith("{\"qat4\"")] == [{"qat4": 4, "step": 2, "progress": 0.5}]
    plain = Denoiser(ModelConfig(**{**ck["model_config"]}))
    plain.load_state_dict(ck["model"])           # the checkpoint is a plain model's
