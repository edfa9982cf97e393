"""diffuse.quantize's int8from4 variant: weights stored in 4 bits, expanded to int8 by nodes that
onnxruntime folds at session creation, so the graph runs as the int8 graph of the expanded weights."""
from collections import Counter
import os

import numpy as np
import pytest
import torch

from diffuse.export import full_call_feed, random_cases, write_model_folder
from diffuse.model import Denoiser, ModelConfig
from diffuse.quantize import main, pack4, quantize, unpack4
from test_export import fake_tokenizer_json

onnx = pytest.importorskip("onnx")
numpy_helper = onnx.numpy_helper

BLOCK = 16        # two blocks a column in the attention (32 inputs), eight in the MLP projection (128)


def trained_like(seed=0):
    """A tiny denoiser with weights off their initial values (no two LayerNorms alike)."""
    torch.manual_seed(seed)
    model = Denoiser(ModelConfig(vocab_size=40, n_layer=2, n_head=2, n_embd=32, max_length=32))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model.eval()


@pytest.fixture(scope="module")
def fp16_graph(tmp_path_factory):
    """The pipeline's export (fused context-cache graph, shared past) of trained_like(), fp16."""
    pytest.importorskip("onnxruntime")       # the exporter's parity check, and every graph run here
    tmp = tmp_path_factory.mktemp("quantize")
    tj = str(tmp / "tokenizer.json")
    fake_tokenizer_json(tj, 40)
    write_model_folder(trained_like(), tj, str(tmp / "fp16"), "tiny", fused=True, shared_past=True)
    return str(tmp / "fp16")


def quantized(folder, variant, path, **options):
    proto = onnx.load(os.path.join(folder, "model.onnx"))
    assert quantize(proto, variant, **options) == 10     # 2 layers x 4 matrices, the head, the embedding
    onnx.save(proto, path)
    return proto


def arrays(proto):
    return {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}


def logits(path):
    """The graph's full-call logits on the exporter's random cases, one array."""
    import onnxruntime as ort
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    cfg = trained_like().cfg
    out = []
    for ids, pos, _ in random_cases(40, 32):
        feed = {"input_ids": ids.numpy(), "positions": pos.numpy(), **full_call_feed(cfg, ids)}
        out.append(sess.run(["logits"], feed)[0].ravel())
    return np.concatenate(out)


def test_the_graph_runs_as_the_int8_graph_of_its_expanded_weights(fp16_graph, tmp_path):
    four = arrays(quantized(fp16_graph, "int8from4", str(tmp_path / "four.onnx"), block=BLOCK))
    eight = onnx.load(os.path.join(fp16_graph, "model.onnx"))
    quantize(eight, "int8")
    expanded = {}
    for name in [i.name for i in eight.graph.initializer]:
        p = name[: -len("_q8")]
        if name == "wte_Gather_q8":               # the embedding: int8from4's table (63 steps a side)
            expanded[name], expanded["wte_Gather_rowscale"] = four[name], four["wte_Gather_rowscale"]
        elif name.endswith("_q8") and p + "_q4" in four:
            q8 = np.rint(unpack4(four[p + "_q4"], four[p + "_steps"]))
            expanded[name], expanded[p + "_scale"] = q8.astype(np.int8).T, four[p + "_scale"]
        elif name.endswith("_q8"):                 # the tied head: the embedding's table, transposed
            expanded[name], expanded[p + "_scale"] = four["wte_Gather_q8"].T, four["wte_Gather_rowscale"].ravel()
    assert len(expanded) == 2 * 10
    for init in eight.graph.initializer:
        if init.name in expanded:
            init.CopyFrom(numpy_helper.from_array(expanded[init.name], init.name))
    onnx.save(eight, str(tmp_path / "eight.onnx"))
    np.testing.assert_allclose(logits(str(tmp_path / "four.onnx")), logits(str(tmp_path / "eight.onnx")), rtol=0, atol=1e-5)


def optimized(path, tmp_path):
    """The graph as onnxruntime runs it, at its default optimization level (the engine's 'all')."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.optimized_model_filepath = str(tmp_path / ("optimized-" + os.path.basename(path)))
    options.log_severity_level = 3
    ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    return onnx.load(options.optimized_model_filepath)


def test_onnxruntime_folds_the_expansion_at_session_creation(fp16_graph, tmp_path):
    quantized(fp16_graph, "int8from4", str(tmp_path / "four.onnx"), block=BLOCK)
    quantized(fp16_graph, "int8", str(tmp_path / "eight.onnx"))
    four, eight = optimized(str(tmp_path / "four.onnx"), tmp_path), optimized(str(tmp_path / "eight.onnx"), tmp_path)
    inits = {i.name for i in four.graph.initializer}
    matmuls = [n for n in four.graph.node if n.op_type == "DynamicQuantizeMatMul"]
    assert len(matmuls) == 9 and all(n.input[1] in inits and n.input[2] in inits for n in matmuls)
    assert not [i for i in inits if i.endswith(("_q4", "_steps"))], "no 4-bit weight is left to unpack per call"
    assert Counter(n.op_type for n in four.graph.node) == Counter(n.op_type for n in eight.graph.node)


def test_the_graph_answers_like_its_4bit_weights_within_the_int8_graphs_error(fp16_graph, tmp_path):
    """Against PyTorch with the weights the 4-bit blocks hold, the int8from4 graph is as close as the
    int8 graph is to the float weights it quantized: rounding the blocks to int8 steps costs no more
    than the int8 graph's own rounding."""
    from diffuse.export import check_parity, round_weights_fp16
    from diffuse.onnx_weights import state_dict_from_onnx
    quantized(fp16_graph, "int8from4", str(tmp_path / "four.onnx"), block=BLOCK)
    quantized(fp16_graph, "int8", str(tmp_path / "eight.onnx"))
    held = trained_like(seed=1)
    held.load_state_dict(state_dict_from_onnx(str(tmp_path / "four.onnx"), held))
    cases = random_cases(40, 32)
    four = check_parity(held, str(tmp_path / "four.onnx"), cases, atol=1, rtol=0, shared_past=True)
    eight = check_parity(round_weights_fp16(trained_like()), str(tmp_path / "eight.onnx"), cases, atol=1, rtol=0, shared_past=True)
    assert four < 1.5 * eight, (four, eight)


def test_the_tied_head_reads_the_embeddings_int8_table(fp16_graph, tmp_path):
    proto = quantized(fp16_graph, "int8from4", str(tmp_path / "four.onnx"), block=BLOCK)
    inits = arrays(proto)
    assert [n for n in inits if n.endswith("_q8")] == ["wte_Gather_q8"], "the table is stored once"
    assert np.abs(inits["wte_Gather_q8"]).max() == 63          # the range the head's int8 op takes
    head = next(n for n in proto.graph.node if n.output[0] == "logits")
    transpose = next(n for n in proto.graph.node if n.output[0] == head.input[1])
    assert head.op_type == "DynamicQuantizeMatMul" and transpose.input == ["wte_Gather_q8"]
    assert len([n for n in inits if n.endswith("_q4")]) == 8
    # without the embedding quantized the head is a weight like the others
    untied = onnx.load(os.path.join(fp16_graph, "model.onnx"))
    assert quantize(untied, "int8from4", block=BLOCK, embedding=False) == 9
    assert len([i for i in untied.graph.initializer if i.name.endswith("_q4")]) == 9


def test_a_block_steps_by_its_own_range_and_its_column_keeps_the_int8_scale():
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((6, 64)).astype(np.float32)
    rows[:, :16] *= 5                                 # one wide block a column, three narrow ones
    packed, steps, scale = pack4(rows, 16)
    assert packed.shape == (6, 4, 8) and packed.dtype == np.uint8 and steps.shape == (6, 4, 1)
    np.testing.assert_array_equal(scale, np.abs(rows).max(axis=1) / np.float32(63))
    int8 = np.rint(unpack4(packed, steps))
    assert np.abs(int8).max(axis=1).tolist() == [63] * 6, "each column's widest weight is 63 int8 steps"
    held = unpack4(packed, steps) * scale[:, None]
    error = np.abs(held - rows).reshape(6, 4, 16).max(axis=2)
    block_step = np.abs(rows).reshape(6, 4, 16).max(axis=2) / 7
    # half a step, the step itself a 28th of an int8 step off at most (the widest value clipped by 7 of those)
    assert (error <= block_step / 2 + scale[:, None] / 8).all()
    assert error[:, 1:].max() < block_step[:, 0].min() / 4, "a narrow block is not rounded to its column's step"


def test_a_block_that_does_not_divide_the_inputs_is_refused():
    with pytest.raises(ValueError, match=r"w: its 64 inputs do not split into blocks of 24"):
        pack4(np.ones((2, 64), np.float32), 24, "w")
    with pytest.raises(ValueError, match="blocks of 7"):
        pack4(np.ones((2, 14), np.float32), 7)


def test_the_command_says_when_it_keeps_another_models_record(fp16_graph, tmp_path, capsys):
    main([fp16_graph, str(tmp_path / "fresh")])
    assert capsys.readouterr().err == ""
    other = tmp_path / "other"
    other.mkdir()
    (other / "meta.json").write_text('{"name": "v8"}')
    main([fp16_graph, str(other)])
    assert "other/meta.json kept, and it differs from" in capsys.readouterr().err
    assert (other / "meta.json").read_text() == '{"name": "v8"}'


def test_the_command_names_the_matrix_a_block_does_not_divide(fp16_graph, tmp_path):
    with pytest.raises(SystemExit, match=r"diffuse.quantize: blocks.0_attn_qkv_MatMul: its 32 inputs do not split into blocks of 12"):
        main([fp16_graph, str(tmp_path / "out"), "--variant=int8from4", "--block=12"])
    assert not os.path.exists(tmp_path / "out")
    with pytest.raises(SystemExit, match=r"int8 \| int8from4 \| nbits4 \| nbits8"):
        main([fp16_graph, str(tmp_path / "out"), "--variant=int4"])
