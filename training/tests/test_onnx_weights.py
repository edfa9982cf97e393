"""Weights read back from exported graphs (fp16, int8, int8from4): what `train.py --init_from` starts from."""
import json

import pytest
import torch

from diffuse.export import export_onnx, round_weights_fp16, to_fp16_initializers
from diffuse.model import Denoiser, ModelConfig
from diffuse.onnx_weights import state_dict_from_onnx

onnx = pytest.importorskip("onnx")


def tiny(seed=0):
    torch.manual_seed(seed)
    model = Denoiser(ModelConfig(vocab_size=300, n_layer=2, n_head=2, n_embd=32, max_length=16))
    with torch.no_grad():        # as after training: no two LayerNorms alike (the exporter shares equal constants)
        for p in model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    return model


def exported(tmp_path, model):
    path = str(tmp_path / "model.onnx")
    export_onnx(round_weights_fp16(model), path)
    to_fp16_initializers(path)
    return path


def test_an_fp16_graph_gives_the_fp16_rounded_weights_back(tmp_path):
    model = tiny()
    back = state_dict_from_onnx(exported(tmp_path, model), tiny(seed=1))
    expected = round_weights_fp16(model).state_dict()
    assert back.keys() == expected.keys()
    for name, value in expected.items():
        assert torch.equal(back[name], value), name


def test_an_int8_graph_gives_the_weights_back_within_its_quantisation_step(tmp_path):
    from diffuse.quantize import quantize
    model = tiny()
    path = exported(tmp_path, model)
    proto = onnx.load(path)
    assert quantize(proto, "int8") > 0
    onnx.save(proto, path)
    back = state_dict_from_onnx(path, tiny(seed=1))
    for name, value in round_weights_fp16(model).state_dict().items():
        err = (back[name] - value).abs().max().item()
        # 7-bit columns (MatMuls) or 8-bit rows (the embedding): half a step of the largest weight
        assert err <= value.abs().max().item() / 63 / 2 + 1e-6, (name, err)
    other = tiny(seed=1)
    other.load_state_dict(back)      # every parameter found, every shape right


def test_an_int8from4_graph_gives_back_the_weights_its_4bit_blocks_hold(tmp_path):
    from diffuse.quantize import quantize, unpack4
    model = tiny()
    path = exported(tmp_path, model)
    proto = onnx.load(path)
    assert quantize(proto, "int8from4", block=16) > 0
    onnx.save(proto, path)
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    back = state_dict_from_onnx(path, tiny(seed=1))
    p = "blocks.1_mlp_proj_MatMul"                   # a Linear weight: its rows [out, in] as stored
    held = unpack4(inits[p + "_q4"], inits[p + "_steps"]) * inits[p + "_scale"][:, None]
    assert torch.equal(back["blocks.1.mlp.proj.weight"], torch.from_numpy(held))
    for name, value in round_weights_fp16(model).state_dict().items():
        err = (back[name] - value).abs().max().item()
        # matrices: half a block's 4-bit step (its widest weight / 7), plus 7 times the step's own
        # rounding (a 28th of an int8 step, widest / 63, halved); the embedding: half an int8 step
        widest = value.abs().max().item()
        assert err <= widest / 7 / 2 + 7 * widest / 63 / 28 / 2 + 1e-6, (name, err)
        if name == "wte.weight":
            assert err <= widest / 63 / 2 + 1e-6
    other = tiny(seed=1)
    other.load_state_dict(back)      # every parameter found, every shape right


def test_a_graph_of_another_shape_is_refused_by_name(tmp_path):
    path = exported(tmp_path, tiny())
    wider = Denoiser(ModelConfig(vocab_size=300, n_layer=2, n_head=2, n_embd=64, max_length=16))
    with pytest.raises(ValueError, match=r"wte.weight is \[300, 32\] in the graph, \[300, 64\]"):
        state_dict_from_onnx(path, wider)
    deeper = Denoiser(ModelConfig(vocab_size=300, n_layer=3, n_head=2, n_embd=32, max_length=16))
    with pytest.raises(ValueError, match=r"no weights for blocks\.2\."):
        state_dict_from_onnx(path, deeper)


def test_the_command_writes_a_checkpoint_that_exports_to_the_same_logits(tmp_path):
    """A model folder -> `python3 -m diffuse.onnx_weights` -> a checkpoint with the folder's weights
    and config; a shape flag gives that shape with random weights instead."""
    import json
    from diffuse.export import load_checkpoint
    from diffuse.onnx_weights import main
    model = tiny()
    folder = tmp_path / "folder"
    folder.mkdir()
    exported_path = exported(tmp_path, model)
    (folder / "model.onnx").write_bytes(open(exported_path, "rb").read())
    config = {"vocab_size": 300, "n_layer": 2, "n_head": 2, "n_embd": 32, "max_length": 16}
    (folder / "meta.json").write_text(json.dumps({"training": {"objective": "mdlm", "steps": 7, "tokens_seen": 99, "model": config}}))
    main([str(folder), str(tmp_path / "same.pt")])
    back, ck = load_checkpoint(str(tmp_path / "same.pt"))
    assert ck["train_config"] == {"objective": "mdlm"} and ck["step"] == 7 and ck["tokens_seen"] == 99
    ids = torch.randint(3, 300, (1, 16))
    with torch.no_grad():
        assert torch.allclose(back(ids), round_weights_fp16(model)(ids), atol=1e-5)
    main([str(folder), str(tmp_path / "wider.pt"), "--n_layer=3", "--n_embd=64", "--n_head=4"])
    wider, ck = load_checkpoint(str(tmp_path / "wider.pt"))
    assert (ck["model_config"]["n_layer"], ck["model_config"]["n_embd"]) == (3, 64) and ck["step"] == 0
    assert wider.blocks[0].attn.n_head == 4


def folder_of(tmp_path, name, model, steps=7):
    folder = tmp_path / name
    folder.mkdir()
    exported(folder, model)      # folder/model.onnx
    config = {"vocab_size": 300, "n_layer": 2, "n_head": 2, "n_embd": 32, "max_length": 16}
    (folder / "meta.json").write_text(json.dumps({"training": {"objective": "mdlm", "steps": steps, "tokens_seen": 99, "model": config}}))
    return str(folder)


def test_the_average_of_two_graphs_is_the_mean_of_their_weights(tmp_path):
    """`python3 -m diffuse.average A B OUT` -> a checkpoint whose every weight is the weighted mean of
    the two graphs' (as read back), with B's training record naming A."""
    from diffuse.average import main
    from diffuse.export import load_checkpoint
    a, b = folder_of(tmp_path, "a", tiny(0)), folder_of(tmp_path, "b", tiny(1), steps=11)
    wa = state_dict_from_onnx(f"{a}/model.onnx", tiny())
    wb = state_dict_from_onnx(f"{b}/model.onnx", tiny())
    main([a, b, str(tmp_path / "mean.pt")])
    back, ck = load_checkpoint(str(tmp_path / "mean.pt"))
    for k, v in back.state_dict().items():
        assert torch.allclose(v, (wa[k] + wb[k]) / 2, atol=1e-6), k
    assert ck["step"] == 11 and ck["train_config"]["averaged_with"] == a
    main([a, b, str(tmp_path / "a.pt"), "--weight=0"])
    back, _ = load_checkpoint(str(tmp_path / "a.pt"))
    assert all(torch.equal(v, wa[k]) for k, v in back.state_dict().items())


def test_the_soup_of_three_graphs_is_their_uniform_mean(tmp_path, capsys):
    """`--also=C` -> every weight the mean of A's, B's and C's, B's record naming A and C, and each
    member's distance from A printed with the mean's; --weight with it is refused (a soup is uniform)."""
    from diffuse.average import main
    from diffuse.export import load_checkpoint
    a, b, c = (folder_of(tmp_path, n, tiny(seed), steps=11 if n == "b" else 7) for n, seed in (("a", 0), ("b", 1), ("c", 2)))
    w = [state_dict_from_onnx(f"{f}/model.onnx", tiny()) for f in (a, b, c)]
    main([a, b, str(tmp_path / "soup.pt"), f"--also={c}"])
    report = json.loads(capsys.readouterr().out)
    flat = [torch.cat([v.flatten() for v in x.values()]) for x in w]
    mean = (flat[0] + flat[1] + flat[2]) / 3
    assert report["also_from_a"] == {c: round(float((flat[2] - flat[0]).norm() / flat[0].norm()), 4)}
    assert report["mean_from_a"] == pytest.approx(float((mean - flat[0]).norm() / flat[0].norm()), abs=2e-4)
    back, ck = load_checkpoint(str(tmp_path / "soup.pt"))
    for k, v in back.state_dict().items():
        assert torch.allclose(v, (w[0][k] + w[1][k] + w[2][k]) / 3, atol=1e-6), k
    assert ck["step"] == 11 and ck["train_config"]["averaged_with"] == f"{a}, {c}"
    # a folder named twice weighs twice, as the mean's 1 / n for each name says
    main([a, b, str(tmp_path / "twice.pt"), f"--also={c}", f"--also={c}"])
    back, _ = load_checkpoint(str(tmp_path / "twice.pt"))
    for k, v in back.state_dict().items():
        assert torch.allclose(v, (w[0][k] + w[1][k] + 2 * w[2][k]) / 4, atol=1e-6), k
    with pytest.raises(SystemExit, match="uniform"):
        main([a, b, str(tmp_path / "x.pt"), f"--also={c}", "--weight=0.3"])


def test_models_of_two_shapes_or_a_weight_out_of_range_are_refused(tmp_path):
    from diffuse.average import averaged, main
    a = folder_of(tmp_path, "a", tiny(0))
    ck = {"model": {}, "train_config": {}, "model_config": {"n_layer": 2, "n_embd": 32}}
    with pytest.raises(ValueError, match="differ in n_layer"):
        averaged(ck, {**ck, "model_config": {"n_layer": 3, "n_embd": 32}}, 0.5)
    with pytest.raises(SystemExit, match="outside"):
        main([a, a, str(tmp_path / "x.pt"), "--weight=1.5"])
