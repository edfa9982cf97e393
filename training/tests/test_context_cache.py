"""diffuse.context_cache: an exported folder (fp16 or int8, no checkpoint) to its context-cache twin."""
import json
import os

import numpy as np
import pytest
import torch

from diffuse.context_cache import ConversionError, convert, rotary_tables
from diffuse.export import write_model_folder
from diffuse.model import Denoiser, ModelConfig
from diffuse.quantize import quantize
from test_export import fake_tokenizer_json

onnx = pytest.importorskip("onnx")
numpy_helper = onnx.numpy_helper
pytest.importorskip("onnxruntime")


def trained_like(seed=0, max_length=16):
    """A tiny denoiser with no two LayerNorms alike, as after training (the exporter shares equal constants)."""
    torch.manual_seed(seed)
    model = Denoiser(ModelConfig(vocab_size=40, n_layer=2, n_head=2, n_embd=32, max_length=max_length))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    return model


def folder(tmp_path, int8, max_length=16):
    tj = str(tmp_path / "tokenizer.json")
    fake_tokenizer_json(tj, 40)
    src = str(tmp_path / "src")
    write_model_folder(trained_like(max_length=max_length), tj, src, "tiny", card="# tiny\n", results={"nelbo_ppl": 9.5}, context_cache=False)
    if int8:
        proto = onnx.load(os.path.join(src, "model.onnx"))
        quantize(proto, "int8")
        onnx.save(proto, os.path.join(src, "model.onnx"))
    return src


def initializers(path):
    return {i.name: i for i in onnx.load(path).graph.initializer}


@pytest.mark.parametrize("int8", [False, True])
def test_a_folder_converts_to_its_context_cache_twin(tmp_path, int8):
    src = folder(tmp_path, int8)
    out = str(tmp_path / "kv")
    meta = convert(src, out)
    assert sorted(os.listdir(out)) == ["MODEL_CARD.md", "meta.json", "model.onnx", "tokenizer.json"]
    with open(os.path.join(out, "meta.json")) as f:
        back = json.load(f)
    assert back == meta and back["context_cache"]["layers"] == 2 and back["results"]["nelbo_ppl"] == 9.5
    with open(os.path.join(src, "meta.json")) as f:
        source = json.load(f)
    assert {k: v for k, v in back.items() if k not in ("context_cache", "results")} == \
        {k: v for k, v in source.items() if k != "results"}
    assert {i.name for i in onnx.load(os.path.join(out, "model.onnx")).graph.input} >= {"row_positions", "past_key"}
    if int8:     # the int8 weights are the source's own, bit for bit
        before, after = initializers(os.path.join(src, "model.onnx")), initializers(os.path.join(out, "model.onnx"))
        quantized = [n for n in after if n.endswith("_q8")]
        assert quantized and all(after[n] == before[n] for n in quantized)


def test_a_folder_without_the_network_shape_is_refused(tmp_path):
    src = folder(tmp_path, False)
    with open(os.path.join(src, "meta.json")) as f:
        meta = json.load(f)
    del meta["training"]["model"]
    with open(os.path.join(src, "meta.json"), "w") as f:
        json.dump(meta, f)
    with pytest.raises(ConversionError, match="training.model"):
        convert(src, str(tmp_path / "kv"))


def test_a_context_cache_folder_is_refused_by_name(tmp_path):
    twin = str(tmp_path / "kv")
    convert(folder(tmp_path, False), twin)
    with pytest.raises(ConversionError, match="already holds a context-cache graph"):
        convert(twin, str(tmp_path / "again"))


def test_a_fused_int8_context_cache_folder_converts_to_the_shared_past_form_once(tmp_path):
    twin = str(tmp_path / "kv")
    # the fused export traces a cached call at row positions past 16
    convert(folder(tmp_path, True, max_length=32), twin, fused=True)
    # the source's rotary tables an ulp-sized step off what this machine computes: the converted graph keeps them
    source = onnx.load(os.path.join(twin, "model.onnx"))
    nudged = {}
    for name, node in rotary_tables(source).items():
        table = numpy_helper.to_array(node.attribute[0].t) + np.float32(1e-6)
        node.attribute[0].t.CopyFrom(numpy_helper.from_array(table, node.attribute[0].t.name))
        nudged[name] = table
    onnx.save(source, os.path.join(twin, "model.onnx"))
    shared = str(tmp_path / "shared")
    meta = convert(twin, shared, fused=True, shared_past=True)
    assert meta["context_cache"]["shared_past"] is True
    converted = onnx.load(os.path.join(shared, "model.onnx"))
    assert nudged and all(np.array_equal(numpy_helper.to_array(node.attribute[0].t), nudged[name])
                          for name, node in rotary_tables(converted).items())
    ops = {n.op_type for n in converted.graph.node}
    assert "RotaryEmbedding" in ops and "MultiHeadAttention" not in ops
    before, after = initializers(os.path.join(twin, "model.onnx")), initializers(os.path.join(shared, "model.onnx"))
    quantized = [n for n in after if n.endswith("_q8")]
    assert quantized and all(after[n] == before[n] for n in quantized)
    with pytest.raises(ConversionError, match="already holds a shared-past graph"):
        convert(shared, str(tmp_path / "again"), fused=True, shared_past=True)
