import json
import os

import numpy as np
import pytest
import torch

from diffuse.export import (ParityError, export_onnx, make_meta, random_cases, round_weights_fp16,
                            to_fp16_initializers, write_model_folder)
from diffuse.model import Denoiser, ModelConfig

onnx = pytest.importorskip("onnx")


def tiny():
    torch.manual_seed(0)
    return Denoiser(ModelConfig(vocab_size=40, n_layer=2, n_head=2, n_embd=32, max_length=16))


def fake_tokenizer_json(path, vocab):
    with open(path, "w") as f:
        json.dump({"model": {"type": "BPE", "vocab": {f"t{i}": i for i in range(3, vocab)}},
                   "added_tokens": [{"id": i, "content": c, "special": True} for i, c in
                                    enumerate(["<|pad|>", "<|mask|>", "<|endoftext|>"])]}, f)


def test_onnx_graph_has_the_contract_signature(tmp_path):
    p = str(tmp_path / "m.onnx")
    export_onnx(round_weights_fp16(tiny()), p)
    to_fp16_initializers(p)
    m = onnx.load(p)
    onnx.checker.check_model(m)
    ins = {i.name: i for i in m.graph.input}
    assert set(ins) == {"input_ids", "positions"}
    for name in ins:
        t = ins[name].type.tensor_type
        assert t.elem_type == onnx.TensorProto.INT64 and len(t.shape.dim) == 2
    out = m.graph.output[0]
    assert out.name == "logits" and out.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert m.opset_import[0].version == 17
    fp16 = [i for i in m.graph.initializer if i.data_type == onnx.TensorProto.FLOAT16]
    assert fp16, "large weights are stored as fp16"


def test_export_parity_and_meta_round_trip(tmp_path):
    model = tiny()
    tj = str(tmp_path / "tokenizer.json")
    fake_tokenizer_json(tj, 40)
    out = str(tmp_path / "models" / "tiny")
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        with pytest.raises(ParityError):
            write_model_folder(model, tj, out, "tiny")
        assert not os.path.exists(out), "nothing is written without a parity check"
        return
    meta = write_model_folder(model, tj, out, "tiny", training={"seed": 1}, results={"nelbo_ppl": 9.5})
    assert sorted(os.listdir(out)) == ["MODEL_CARD.md", "meta.json", "model.onnx", "tokenizer.json"]
    with open(os.path.join(out, "meta.json")) as f:
        back = json.load(f)
    assert back == meta
    assert back["vocab_size"] == 40 and back["mask_id"] == 1 and back["pad_id"] == 0 and back["eos_id"] == 2
    assert back["results"]["onnx_parity_max_abs_diff"] < 1e-3
    assert back["results"]["nelbo_ppl"] == 9.5


def test_the_default_export_is_the_context_cache_graph_without_range(tmp_path):
    pytest.importorskip("onnxruntime")
    tj = str(tmp_path / "tokenizer.json")
    fake_tokenizer_json(tj, 40)
    out = str(tmp_path / "tiny")
    meta = write_model_folder(tiny(), tj, out, "tiny")
    assert meta["context_cache"] == {"row_positions": "row_positions", "past_key": "past_key", "past_value": "past_value",
                                     "present_key": "present_key", "present_value": "present_value",
                                     "layers": 2, "heads": 2, "head_dim": 16}
    m = onnx.load(os.path.join(out, "model.onnx"))
    assert [i.name for i in m.graph.input] == ["input_ids", "positions", "row_positions", "past_key", "past_value"]
    assert [o.name for o in m.graph.output] == ["logits", "present_key", "present_value"]
    # rotary reads the row positions: no Range, which WebGPU would place on the CPU
    assert "Range" not in {n.op_type for n in m.graph.node}
    plain = write_model_folder(tiny(), tj, str(tmp_path / "plain"), "plain", context_cache=False)
    assert "context_cache" not in plain


def test_a_logit_shift_denoiser_exports_the_full_canvas_graph_with_its_shift(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    tj = str(tmp_path / "tokenizer.json")
    fake_tokenizer_json(tj, 40)
    torch.manual_seed(0)
    shape = dict(vocab_size=40, n_layer=2, n_head=2, n_embd=32, max_length=16)
    shifted = Denoiser(ModelConfig(logit_shift=True, **shape)).eval()
    plain = Denoiser(ModelConfig(**shape)).eval()
    plain.load_state_dict(shifted.state_dict())
    meta = write_model_folder(shifted, tj, str(tmp_path / "shifted"), "shifted", fp16=False)
    assert "context_cache" not in meta, "its cached calls would lack the row before each hole"
    ids = torch.randint(3, 40, (2, 10))
    pos = torch.arange(1, 10).expand(2, -1)
    session = ort.InferenceSession(str(tmp_path / "shifted" / "model.onnx"))
    got = session.run(["logits"], {"input_ids": ids.numpy(), "positions": pos.numpy()})[0]
    with torch.no_grad():
        want = plain(ids, pos - 1).numpy()     # position p is predicted from the row before it
    assert abs(got - want).max() < 1e-4
    with pytest.raises(ValueError, match="context-cache graph only"):
        write_model_folder(shifted, tj, str(tmp_path / "fused"), "fused", fused=True)


def test_parity_check_catches_a_wrong_graph(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from diffuse.export import check_parity
    a, b = tiny(), Denoiser(ModelConfig(vocab_size=40, n_layer=2, n_head=2, n_embd=32, max_length=16))
    p = str(tmp_path / "m.onnx")
    export_onnx(b, p)
    with pytest.raises(ParityError):
        check_parity(a, p, random_cases(40, 16))


def test_meta_fields(tmp_path):
    tj = str(tmp_path / "tokenizer.json")
    fake_tokenizer_json(tj, 40)
    meta = make_meta("x", tiny().cfg, tj, 123, {}, {})
    for k in ["format_version", "name", "family", "graph", "output_kind", "cond_kind", "schedule",
              "vocab_size", "mask_id", "pad_id", "eos_id", "bos_id", "max_length", "inputs", "outputs",
              "logits_dtype", "tokenizer_sha256", "parameters", "training", "results"]:
        assert k in meta
    assert meta["family"] == "mdlm" and meta["cond_kind"] == "none" and meta["inputs"]["cond"] is None
    assert json.loads(json.dumps(meta)) == meta


@pytest.mark.parametrize("fused", [False, True])
def test_a_shared_past_graph_serves_every_row_one_context_of_batch_1(tmp_path, fused):
    """The context of one row fed once (batch 1) to three rows gives PyTorch's answer with that
    context repeated for each; the MultiHeadAttention graph refuses a past of another batch."""
    import onnxruntime as ort
    from diffuse.export import cached_call, full_call_feed
    tj = str(tmp_path / "tokenizer.json")
    fake_tokenizer_json(tj, 50)
    torch.manual_seed(0)
    model = Denoiser(ModelConfig(vocab_size=50, n_layer=2, n_head=2, n_embd=32, max_length=32)).eval()
    meta = write_model_folder(model, tj, str(tmp_path / "m"), "m", fp16=False, fused=fused, shared_past=True)
    assert meta["context_cache"]["shared_past"] is True
    # the engine moves a kept shared context to the next fill's canvas by this base (contextCarry.ts)
    assert meta["context_cache"]["rotary_base"] == model.cfg.rope_base
    ids = torch.randint(3, 50, (3, 20))
    pos = torch.tensor([[4, 5, 6]]).expand(3, 3)
    feed, reference = cached_call(model, ids, pos, None, {"input_ids": ids.numpy(), "positions": pos.numpy(),
                                                         **full_call_feed(model.cfg, ids)}, shared=True)
    assert feed["past_key"].shape[1] == 1
    sess = ort.InferenceSession(str(tmp_path / "m" / "model.onnx"), providers=["CPUExecutionProvider"])
    for got, want in zip(sess.run(["logits", "present_key", "present_value"], feed), reference):
        assert np.allclose(got, want, atol=1e-4)
    assert not np.allclose(reference[0][0], reference[0][1], atol=1e-3), "the rows' own tokens still differ"
    if fused:
        write_model_folder(model, tj, str(tmp_path / "mha"), "mha", fp16=False, fused=True)
        mha = ort.InferenceSession(str(tmp_path / "mha" / "model.onnx"), providers=["CPUExecutionProvider"])
        with pytest.raises(Exception, match="past_key"):   # onnxruntime names the input whose batch is wrong
            mha.run(["logits"], feed)


def test_a_model_trained_with_expand_slots_declares_its_expand_token(tmp_path):
    pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    model = Denoiser(ModelConfig(vocab_size=41, n_layer=1, n_head=2, n_embd=32, max_length=16))
    tj = str(tmp_path / "tokenizer.json")
    fake_tokenizer_json(tj, 40)
    meta = write_model_folder(model, tj, str(tmp_path / "expand"), "x", training={"expand_share": 0.3})
    assert meta["vocab_size"] == 41 and meta["expand_id"] == 40
    plain = write_model_folder(tiny(), tj, str(tmp_path / "plain"), "x", training={"expand_share": 0.0})
    assert "expand_id" not in plain
    with pytest.raises(ValueError, match="tokenizer vocab 40 != model vocab 41"):
        write_model_folder(model, tj, str(tmp_path / "no"), "x", training={})
    with pytest.raises(ValueError, match=r"tokenizer vocab 40 \+ the expand token != model vocab 40"):
        write_model_folder(tiny(), tj, str(tmp_path / "no2"), "x", training={"expand_share": 0.3})
