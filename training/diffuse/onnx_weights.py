"""A denoiser's weights read back from an exported model.onnx (fp16 or diffuse.quantize's int8 or
int8from4 graph).

The repository keeps no training checkpoint (the GPU machine starts bare and git holds only the
shipped model), so a run that continues the bundled model from one session to the next starts from
its model.onnx: `train.py --init_from=models/diffuse-small/model.onnx`. The int8 graph gives the
weights back to within its quantisation step (one scale per output column of each matrix, per row
of the embedding), the int8from4 graph gives back its 4-bit weights (the floats its blocks hold, not the
int8 weights onnxruntime runs, which round them to the column's int8 step); the optimiser state
restarts, so such a run begins with the usual warm-up.

Where each parameter lives in the exported graph (export.py, quantize.py):
- `NAME__fp16` (fp16 initializer followed by a Cast) or `NAME` (small fp32 initializer): the
  parameter NAME itself (LayerNorms, biases, and every matrix of an fp16 graph);
- `P_MatMul_q8` [in, out] int8 with `P_MatMul_scale` [out]: the Linear weight P.weight, transposed
  (P as the exporter names the node: module scopes joined by '_', a list index kept as `blocks.0`);
- `wte_Gather_q8` [V, D] int8 with `wte_Gather_rowscale` [V, 1]: the embedding (and the tied head).
- `P_MatMul_q4` with `P_MatMul_steps` and `P_MatMul_scale` (int8from4): the Linear weight P.weight
  [out, in] in 4 bits (quantize.pack4); the embedding is int8 as above.
"""
import json
import os
import sys
from dataclasses import dataclass

import numpy as np
import torch

from .options import parse_options


def state_dict_from_onnx(path, model):
    """The state dict of `model` (a Denoiser of the graph's shape) from the weights in `path`.
    Raises ValueError naming the parameters the graph does not hold or holds in another shape."""
    import onnx
    from onnx import numpy_helper

    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    out, missing = {}, []
    for name, param in model.state_dict().items():
        arr = _find(name, inits)
        if arr is None:
            missing.append(name)
            continue
        if tuple(arr.shape) != tuple(param.shape):
            raise ValueError(f"{path}: {name} is {list(arr.shape)} in the graph, {list(param.shape)} in the model")
        out[name] = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))
    if missing:
        raise ValueError(f"{path}: no weights for {', '.join(missing)}")
    return out


def graph_blocks(path):
    """How many transformer blocks the exported graph in `path` holds (its LayerNorms name each one)."""
    import onnx
    from .grow import block_count
    return block_count(i.name for i in onnx.load(path, load_external_data=False).graph.initializer)


def _find(name, inits):
    for key in (name + "__fp16", name):
        if key in inits:
            return inits[key].astype(np.float32)
    if not name.endswith(".weight"):
        return None
    stem = _node_stem(name[: -len(".weight")])
    if stem + "_MatMul_q8" in inits:                       # y = x @ (q * scale): q is [in, out]
        q, scale = inits[stem + "_MatMul_q8"], inits[stem + "_MatMul_scale"]
        return (q.astype(np.float32) * scale.astype(np.float32)).T
    if stem + "_Gather_q8" in inits:                       # rows of the table, one scale each
        q, scale = inits[stem + "_Gather_q8"], inits[stem + "_Gather_rowscale"]
        return q.astype(np.float32) * scale.astype(np.float32)
    if stem + "_MatMul_q4" in inits:                       # int8from4: 4-bit rows, [out, in] as the weight
        from .quantize import unpack4                      # onnx, imported where a graph is read
        p = stem + "_MatMul"
        return unpack4(inits[p + "_q4"], inits[p + "_steps"]) * inits[p + "_scale"][:, None]
    return None


def _node_stem(module_path):
    """'blocks.0.attn.qkv' -> 'blocks.0_attn_qkv': the exporter's node scopes `/blocks.0/attn/qkv`
    with the slashes quantize.py turns into underscores."""
    scopes = []
    for part in module_path.split("."):
        if part.isdigit() and scopes:
            scopes[-1] += "." + part
        else:
            scopes.append(part)
    return "_".join(scopes)


@dataclass
class CheckpointOptions:
    src: str                 # a model folder (meta.json, model.onnx)
    out: str                 # the checkpoint to write
    n_layer: int = 0         # any shape flag set: that shape, random weights (timing only)
    n_embd: int = 0
    n_head: int = 0


def shape_flags(args):
    """The shape options set (n_layer, n_embd, n_head): when any is, the checkpoint is random."""
    return {k: v for k, v in (("n_layer", args.n_layer), ("n_embd", args.n_embd), ("n_head", args.n_head)) if v}


def checkpoint_of_folder(src, shape=None):
    """A train.py-format checkpoint (export.load_checkpoint reads it) of the model in folder `src`:
    its weights and training record, or random weights when `shape` (shape_flags) changes its shape."""
    from .model import Denoiser, ModelConfig
    with open(os.path.join(src, "meta.json")) as f:
        training = json.load(f)["training"]
    shape = shape or {}
    model_config = {**training["model"], **shape}
    model = Denoiser(ModelConfig(**model_config))
    seen = {"step": 0, "tokens_seen": 0}
    if not shape:
        model.load_state_dict(state_dict_from_onnx(os.path.join(src, "model.onnx"), model))
        seen = {"step": training.get("steps", 0), "tokens_seen": training.get("tokens_seen", 0)}
    train_config = {k: v for k, v in training.items() if k not in ("model", "tokens_seen", "steps")}
    return {"model": model.state_dict(), "model_config": model_config, "train_config": train_config, **seen}


def main(argv):
    args = parse_options(CheckpointOptions, argv, "diffuse.onnx_weights", positional=("src", "out"))
    shape = shape_flags(args)
    ck = checkpoint_of_folder(args.src, shape)
    torch.save(ck, args.out)
    print(json.dumps({"wrote": args.out, "parameters": sum(v.numel() for v in ck["model"].values()),
                      "random": bool(shape)}))


if __name__ == "__main__":
    main(sys.argv[1:])
