"""Turn an exported model folder into its context-cache twin (docs/model-contract.md, `context_cache`):

    cd training && python3 -m diffuse.context_cache MODEL_DIR OUT_DIR [--fused=true] [--shared_past=true]

The weights come back from MODEL_DIR/model.onnx itself (onnx_weights.py: fp16 or diffuse.quantize's
int8 graph), so a folder with no PyTorch checkpoint (the bundled model) converts too; the network's
shape is meta.json's `training.model`. OUT_DIR gets the context-cache graph (one graph serves both
the full call and the cached call), meta.json with `context_cache` declared and everything else
kept, and the same tokenizer and card. An fp16 source stays fp16. An int8 source is quantized the
way diffuse.quantize made it, and then every int8 weight and scale is the source graph's own
initializer of the same name (the exporter names the new graph's nodes as before): quantizing the
read-back weights again would not be lossless for the tied head, which the source quantized from
the fp16 table, not from the int8 embedding rows. A model.cpu.onnx beside the source is rebuilt
the same way from it.

With --fused the graph has onnxruntime's fused operators (onnx_ops.py); with --shared_past its past
may be one context for every row (`shared_past`, fused: the two-block attention). A folder that
already holds a context-cache graph converts to the shared past only, its other form.

The folder is written only if (1) onnxruntime's cache graph reproduces PyTorch on random inputs (the
exporter's parity check, full and cached calls) and (2) its full call reproduces the source graph's
logits (same weights, same arithmetic: a conversion must not change the model). OUT_DIR may be MODEL_DIR.
"""
from dataclasses import dataclass
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import onnx

from .export import full_call_feed, random_cases, write_model_folder
from .model import Denoiser, ModelConfig
from .onnx_weights import state_dict_from_onnx
from .options import parse_options
from .quantize import MS_DOMAIN, quantize

FAMILY_FIELDS = ("family", "graph", "output_kind", "cond_kind", "schedule", "p_m")
# same weights and kernels: the int8 graphs differ only in rows run per MatMul (activations are
# quantized per call, so the rows a call holds change their scale a little)
SOURCE_ATOL = {"fp": 1e-3, "int8": 5e-2}


class ConversionError(RuntimeError):
    pass


def is_int8(path):
    return any(o.domain == MS_DOMAIN for o in onnx.load(path, load_external_data=False).opset_import)


def load_source(model_dir, shared_past=False):
    """(meta dict, Denoiser with the graph's weights) of an exported model folder."""
    meta_path = os.path.join(model_dir, "meta.json")
    with open(meta_path) as f:
        meta = json.load(f)
    cache = meta.get("context_cache")
    if cache and (not shared_past or cache.get("shared_past")):
        form = "a shared-past" if cache.get("shared_past") else "a context-cache"
        raise ConversionError(f"{meta_path}: field 'context_cache' is set: {model_dir} already holds {form} graph")
    shape = (meta.get("training") or {}).get("model")
    if not isinstance(shape, dict):
        raise ConversionError(f"{meta_path}: field 'training.model' (the network's ModelConfig) is missing")
    model = Denoiser(ModelConfig(**shape))
    model.load_state_dict(state_dict_from_onnx(os.path.join(model_dir, "model.onnx"), model))
    return meta, model.eval()


def convert(model_dir, out_dir, fused=False, shared_past=False):
    """Writes out_dir (see the module doc); returns the new meta dict."""
    meta, model = load_source(model_dir, shared_past)
    if model.cfg.sphere_base:
        raise ConversionError(f"{model_dir}: the sphere graph reads a continuous state; the context cache takes token ids")
    source_graph = os.path.join(model_dir, "model.onnx")
    int8 = is_int8(source_graph)
    with open(os.path.join(model_dir, "MODEL_CARD.md")) as f:
        card = f.read()
    parent = os.path.dirname(os.path.abspath(out_dir))
    tmp = tempfile.mkdtemp(prefix=".context-cache-", dir=parent)
    try:
        staged = os.path.join(tmp, "model")
        family = {k: meta[k] for k in FAMILY_FIELDS if k in meta}
        new_meta = write_model_folder(model, os.path.join(model_dir, "tokenizer.json"), staged, meta["name"],
                                      meta.get("training"), meta.get("results"), card, fp16=not int8,
                                      family_meta=family, context_cache=True, fused=fused, shared_past=shared_past)
        cpu_graph = os.path.join(model_dir, "model.cpu.onnx")
        if os.path.exists(cpu_graph):
            quantize_like(os.path.join(staged, "model.onnx"), cpu_graph, os.path.join(staged, "model.cpu.onnx"))
        if int8:
            quantize_like(os.path.join(staged, "model.onnx"), source_graph, os.path.join(staged, "model.onnx"))
        check_same_model(source_graph, os.path.join(staged, "model.onnx"), model.cfg, "int8" if int8 else "fp")
        os.makedirs(out_dir, exist_ok=True)
        for name in os.listdir(staged):
            os.replace(os.path.join(staged, name), os.path.join(out_dir, name))
        return new_meta
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


QUANTIZED_SUFFIXES = ("_q8", "_scale", "_zp", "_rowscale")


def quantize_like(src, int8_source, dst):
    """diffuse.quantize's int8 graph of src, its quantized initializers taken from int8_source, to dst;
    and, where both graphs have fused rotary nodes, int8_source's rotary tables: this machine's
    torch may compute cos and sin an ulp apart, and the int8 activations' rounding carries an ulp
    at the first layer to tenths of a logit at the last."""
    proto = onnx.load(src)
    quantize(proto, "int8")
    source = onnx.load(int8_source)
    donor = {i.name: i for i in source.graph.initializer}
    for init in proto.graph.initializer:
        if not init.name.endswith(QUANTIZED_SUFFIXES):
            continue
        same = donor.get(init.name)
        if same is None or list(same.dims) != list(init.dims) or same.data_type != init.data_type:
            raise ConversionError(f"{int8_source}: no initializer '{init.name}' shaped {list(init.dims)} to take the int8 weights from")
        init.CopyFrom(same)
    tables, own = rotary_tables(source), rotary_tables(proto)
    if tables and own:
        for name, node in own.items():
            same = tables.get(name)
            if same is None or list(same.attribute[0].t.dims) != list(node.attribute[0].t.dims):
                raise ConversionError(f"{int8_source}: no rotary table '{name}' shaped {list(node.attribute[0].t.dims)} to take")
            node.attribute[0].t.CopyFrom(same.attribute[0].t)
    onnx.save(proto, dst)


def rotary_tables(proto):
    """The Constant nodes that give RotaryEmbedding nodes their cos and sin tables, by output name."""
    produced = {out: node for node in proto.graph.node for out in node.output}
    tables = {}
    for node in proto.graph.node:
        if node.op_type == "RotaryEmbedding":
            for name in node.input[2:4]:
                if produced.get(name) is not None and produced[name].op_type == "Constant":
                    tables[name] = produced[name]
    return tables


def check_same_model(source_path, converted_path, cfg, kind):
    """Raise ConversionError unless the converted graph's full call gives the source graph's logits
    (a source that is a context-cache graph too is fed its full call's cache inputs)."""
    import onnxruntime as ort
    source = ort.InferenceSession(source_path, providers=["CPUExecutionProvider"])
    source_cached = "past_key" in {i.name for i in source.get_inputs()}
    converted = ort.InferenceSession(converted_path, providers=["CPUExecutionProvider"])
    for ids, pos, cond in random_cases(cfg.vocab_size, cfg.max_length, seed=1, cond_kind=cfg.cond_kind):
        feed = {"input_ids": ids.numpy(), "positions": pos.numpy()}
        if cond is not None:
            feed["cond"] = cond.numpy()
        full = dict(feed, **full_call_feed(cfg, ids))
        want = source.run(["logits"], full if source_cached else feed)[0]
        got = converted.run(["logits"], full)[0]
        diff = float(np.abs(got - want).max())
        if diff > SOURCE_ATOL[kind]:
            raise ConversionError(f"{converted_path}: the converted graph's logits differ from {source_path}'s by {diff:.3g}")


@dataclass
class ContextCacheOptions:
    src: str        # the model folder to convert
    out: str        # where its context-cache twin goes (may be src)
    fused: bool = False         # onnxruntime's fused operators (onnx_ops.py)
    shared_past: bool = False   # a past of batch 1 serves every row (meta `context_cache.shared_past`)


def main(argv):
    args = parse_options(ContextCacheOptions, argv, "diffuse.context_cache", positional=("src", "out"))
    meta = convert(args.src, args.out, args.fused, args.shared_past)
    size = os.path.getsize(os.path.join(args.out, "model.onnx"))
    print(json.dumps({"wrote": args.out, "context_cache": meta["context_cache"], "model_onnx_mib": round(size / 2**20, 1)}))


if __name__ == "__main__":
    main(sys.argv[1:])
