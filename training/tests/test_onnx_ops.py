"""diffuse.onnx_ops: the context-cache graph with onnxruntime's fused operators."""
import copy
import os

import pytest
import torch

from diffuse import onnx_ops
from diffuse.export import export_onnx, write_model_folder
from diffuse.model import Denoiser, ModelConfig


def trained_like(seed=0, **over):
    """A tiny denoiser with weights off their initial values (no two LayerNorms alike)."""
    torch.manual_seed(seed)
    model = Denoiser(ModelConfig(vocab_size=40, n_layer=2, n_head=2, n_embd=32, max_length=32, **over))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model.eval()


def cached_inputs(model, rows=5, context=7, batch=2, seed=1):
    """A cached call's inputs: ids of `rows` rows at random canvas positions, a past of `context` rows."""
    g = torch.Generator().manual_seed(seed)
    cfg = model.cfg
    ids = torch.randint(3, cfg.vocab_size, (batch, rows), generator=g)
    row_positions = torch.stack([torch.randperm(rows + context, generator=g)[:rows] for _ in range(batch)])
    positions = torch.tensor([[0, 3], [1, 4]])
    shape = (cfg.n_layer, batch, cfg.n_head, context, cfg.n_embd // cfg.n_head)
    return ids, row_positions, positions, torch.randn(shape, generator=g), torch.randn(shape, generator=g)


@pytest.mark.parametrize("context", [0, 7])
def test_the_fused_modules_compute_what_they_replace(context):
    model = trained_like()
    fused = onnx_ops.fuse(copy.deepcopy(model))
    inputs = cached_inputs(model, context=context)
    with torch.no_grad():
        want = model.forward_cached(*inputs)
        got = fused.forward_cached(*inputs)
    assert [g.shape for g in got] == [w.shape for w in want]
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=1e-5, atol=1e-5)


def test_fusing_refuses_what_has_no_fused_graph(tmp_path):
    with pytest.raises(ValueError, match="token-id, bidirectional"):
        onnx_ops.fuse(trained_like(causal=True))
    with pytest.raises(ValueError, match="context-cache graph only"):
        export_onnx(trained_like(), str(tmp_path / "m.onnx"), context_cache=False, fused=True)


def test_the_fused_graph_passes_the_parity_check_and_quantizes(tmp_path):
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from diffuse.export import check_parity, random_cases
    from diffuse.quantize import quantize
    from test_export import fake_tokenizer_json
    tj = str(tmp_path / "tokenizer.json")
    fake_tokenizer_json(tj, 40)
    out = str(tmp_path / "fused")
    meta = write_model_folder(trained_like(), tj, out, "tiny", fused=True)
    assert meta["results"]["onnx_parity_max_abs_diff"] < 1e-3 and "context_cache" in meta
    path = os.path.join(out, "model.onnx")
    proto = onnx.load(path)
    ops = {n.op_type for n in proto.graph.node}
    assert {"MultiHeadAttention", "RotaryEmbedding", "FastGelu"} <= ops
    assert not ops & {"Softmax", "Tanh", "Neg"}, "the plain attention, rotary halves and GELU are gone"
    mha = next(n for n in proto.graph.node if n.op_type == "MultiHeadAttention")
    assert mha.input[3:6] == ["", "", ""] and mha.input[6:] and all(mha.input[6:8])
    # the int8 variant keeps the fused nodes and still answers like the network
    quantize(proto, "int8")
    onnx.save(proto, path)
    model = trained_like()
    assert check_parity(model, path, random_cases(40, 32), atol=0.5, rtol=0.5) < 0.5
