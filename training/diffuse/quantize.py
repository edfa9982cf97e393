"""Weight-only and dynamic int8 variants of a Diffuse model.onnx: the bundled model's CPU graph
(`int8`) and the variants the CPU speed benchmark (bench/forward.ts) compares.

    cd training && python3 -m diffuse.quantize MODEL_DIR OUT_DIR [--variant=int8|nbits4|nbits8] [--block=32] [--head=0] [--embedding=0]
        [--include=REGEX] [--as=model.onnx|model.cpu.onnx]

Writes OUT_DIR as a complete model folder (model.onnx quantized; meta.json, tokenizer.json and
MODEL_CARD.md copied), so `--model OUT_DIR` works everywhere a model folder does. With
--as=model.cpu.onnx (and OUT_DIR = MODEL_DIR) it adds the quantized graph beside the original instead:
the engine runs model.cpu.onnx on the CPU provider and model.onnx on GPUs (docs/model-contract.md).
--include quantizes only the MatMuls whose node name matches (e.g. 'mlp' for the MLPs alone).

Needs only `onnx` and `numpy` (onnxruntime's own quantization tools are not installed on the
development machines). Every MatMul whose second input is a constant weight, reached through the
exporter's fp16 initializer -> Cast(float) -> Transpose chain, is replaced by an onnxruntime
contrib op (domain com.microsoft) that the CPU provider runs:

- int8:   DynamicQuantizeMatMul. Weights int8, symmetric, one scale per output column, 7-bit range
          (-63..63) because x86 AVX2 without VNNI multiplies u8 x s8 pairs with VPMADDUBSW, whose int16
          sums saturate on full-range weights (onnxruntime's `reduce_range`). Activations are
          quantized per call to uint8 by the op itself.
- nbits4: MatMulNBits, 4-bit weights, symmetric, one fp32 scale per `block` weights of a column
          (zero point 8, the op's default), accuracy_level 4 (int8 activations on CPU).
- nbits8: MatMulNBits, 8-bit weights, otherwise as nbits4 (zero point 128).

The tied LM head is quantized unless --head=0. The embedding lookup (a Gather of a constant table)
becomes a Gather of an int8 table (symmetric, full 8-bit range, one scale per row) times the row's
scale, unless --embedding=0: with the head quantized too, no float copy of the vocabulary table is
left in the file (a 42 M model: 49 -> 44 MiB).
The benchmark (bench/forward.ts) checks every variant's logits against the original's before
timing it, so a wrongly packed weight shows as a logits error, not as a fast wrong model.
"""
from dataclasses import dataclass, field
import os
import re
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .options import parse_options

MS_DOMAIN = "com.microsoft"


def producers(graph):
    return {o: n for n in graph.node for o in n.output}


def _attr(node, name, default):
    return next((helper.get_attribute_value(a) for a in node.attribute if a.name == name), default)


def _prefix(node):
    """Names of a replaced node's initializers: its exporter scope, '/' turned into '_'."""
    return (node.name or node.output[0]).strip("/").replace("/", "_")


def resolve_weight(name, inits, prod):
    """The fp32 2-D array a MatMul's B input evaluates to, if it is a constant weight; else None."""
    if name in inits:
        arr = numpy_helper.to_array(inits[name])
        return arr.astype(np.float32) if arr.dtype in (np.float16, np.float32) else None
    node = prod.get(name)
    if node is None:
        return None
    if node.op_type == "Cast":
        to = _attr(node, "to", None)
        inner = resolve_weight(node.input[0], inits, prod)
        return inner.astype(np.float32) if inner is not None and to == TensorProto.FLOAT else None
    if node.op_type == "Transpose":
        perm = _attr(node, "perm", None)
        inner = resolve_weight(node.input[0], inits, prod)
        if inner is None or inner.ndim != 2 or perm not in (None, [1, 0]):
            return None
        return np.ascontiguousarray(inner.T)
    return None


def quantize_int8(w, prefix):
    """w [K, N] -> (B int8 [K, N], scale fp32 [N], zero point int8 [N]) initializers."""
    absmax = np.abs(w).max(axis=0)
    scale = np.where(absmax > 0, absmax / 63.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -63, 63).astype(np.int8)
    return [numpy_helper.from_array(q, prefix + "_q8"),
            numpy_helper.from_array(scale, prefix + "_scale"),
            numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), prefix + "_zp")]


def quantize_nbits(w, prefix, bits, block):
    """w [K, N] -> (B uint8 [N, k_blocks, blob], scales fp32 [N, k_blocks]) for MatMulNBits."""
    K, N = w.shape
    k_blocks = (K + block - 1) // block
    padded = np.zeros((k_blocks * block, N), dtype=np.float32)
    padded[:K] = w
    wb = padded.T.reshape(N, k_blocks, block)                       # [N, k_blocks, block]
    qmax = 2 ** (bits - 1) - 1                                      # 7 or 127
    zero = 2 ** (bits - 1)                                          # the op's default zero point
    absmax = np.abs(wb).max(axis=2)
    scales = np.where(absmax > 0, absmax / qmax, 1.0).astype(np.float32)   # [N, k_blocks]
    q = (np.clip(np.rint(wb / scales[..., None]), -zero, qmax) + zero).astype(np.uint8)
    if bits == 4:
        q = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)   # element 2j low nibble, 2j+1 high
    return [numpy_helper.from_array(q, prefix + "_q"), numpy_helper.from_array(scales, prefix + "_scales")], K, N


def prune(graph, keep_outputs):
    """Drops nodes whose outputs nothing reads, then initializers nothing reads."""
    while True:
        used = set(keep_outputs) | {i for n in graph.node for i in n.input}
        dead = [n for n in graph.node if not any(o in used for o in n.output)]
        if not dead:
            break
        for n in dead:
            graph.node.remove(n)
    used = {i for n in graph.node for i in n.input}
    for init in [i for i in graph.initializer if i.name not in used]:
        graph.initializer.remove(init)


def quantize_embedding(node, table, prefix):
    """A Gather of the constant `table` [V, D] -> nodes and initializers gathering int8 rows and their
    scales, then multiplying them back to float: same output name, [B, L, D] float32."""
    absmax = np.abs(table).max(axis=1)
    scale = np.where(absmax > 0, absmax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(table / scale[:, None]), -127, 127).astype(np.int8)
    inits = [numpy_helper.from_array(q, prefix + "_q8"), numpy_helper.from_array(scale[:, None], prefix + "_rowscale")]
    ids = node.input[1]
    nodes = [
        helper.make_node("Gather", [prefix + "_q8", ids], [prefix + "_rows_q8"], name=prefix + "_gather_q8", axis=0),
        helper.make_node("Cast", [prefix + "_rows_q8"], [prefix + "_rows"], name=prefix + "_cast", to=TensorProto.FLOAT),
        helper.make_node("Gather", [prefix + "_rowscale", ids], [prefix + "_scales"], name=prefix + "_gather_scale", axis=0),
        helper.make_node("Mul", [prefix + "_rows", prefix + "_scales"], list(node.output), name=prefix + "_dequant"),
    ]
    return nodes, inits


def quantize(model, variant, block=32, head=True, include=None, embedding=True):
    """Replaces weight MatMuls (and, with `embedding`, the embedding Gather) in place; returns how many."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    prod = producers(g)
    new_nodes, new_inits, replaced = [], [], 0
    for node in g.node:
        if embedding and node.op_type == "Gather" and _attr(node, "axis", 0) == 0:
            table = resolve_weight(node.input[0], inits, prod)
            if table is not None and table.ndim == 2:
                nodes, qs = quantize_embedding(node, table, _prefix(node))
                new_nodes += nodes
                new_inits += qs
                replaced += 1
                continue
        w = resolve_weight(node.input[1], inits, prod) if node.op_type == "MatMul" else None
        is_head = node.output[0] in {o.name for o in g.output}
        skip = include is not None and not re.search(include, node.name or node.output[0])
        if w is None or w.ndim != 2 or (is_head and not head) or (skip and not is_head):
            new_nodes.append(node)
            continue
        prefix = _prefix(node)
        if variant == "int8":
            qs = quantize_int8(w, prefix)
            new_nodes.append(helper.make_node("DynamicQuantizeMatMul", [node.input[0]] + [t.name for t in qs],
                                              list(node.output), name=prefix + "_dq", domain=MS_DOMAIN))
        else:
            bits = 4 if variant == "nbits4" else 8
            qs, K, N = quantize_nbits(w, prefix, bits, block)
            new_nodes.append(helper.make_node("MatMulNBits", [node.input[0]] + [t.name for t in qs],
                                              list(node.output), name=prefix + "_nbits", domain=MS_DOMAIN,
                                              K=K, N=N, bits=bits, block_size=block, accuracy_level=4))
        new_inits += qs
        replaced += 1
    del g.node[:]
    g.node.extend(new_nodes)
    g.initializer.extend(new_inits)
    prune(g, [o.name for o in g.output])
    if not any(o.domain == MS_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))
    return replaced


@dataclass
class QuantizeOptions:
    src: str                         # MODEL_DIR
    out: str                         # OUT_DIR
    variant: str = "int8"            # int8 | nbits4 | nbits8
    block: int = 32                  # nbits: weights per quantization block
    head: bool = True                # quantize the tied LM head too
    embedding: bool = True           # and the embedding lookup
    include: str = ""                # only the MatMuls whose node name matches this regex ("" = all)
    target: str = field(default="model.onnx", metadata={"flag": "as"})   # model.onnx | model.cpu.onnx


def main(argv):
    args = parse_options(QuantizeOptions, argv, "diffuse.quantize", positional=("src", "out"))
    src, out, variant, target = args.src, args.out, args.variant, args.target
    if variant not in ("int8", "nbits4", "nbits8"):
        raise SystemExit(f"diffuse.quantize: unknown --variant {variant}: int8 | nbits4 | nbits8")
    if target not in ("model.onnx", "model.cpu.onnx"):
        raise SystemExit("diffuse.quantize: --as must be model.onnx or model.cpu.onnx")
    model = onnx.load(os.path.join(src, "model.onnx"))
    n = quantize(model, variant, args.block, head=args.head, include=args.include or None, embedding=args.embedding)
    os.makedirs(out, exist_ok=True)
    onnx.save(model, os.path.join(out, target))
    for name in ("model.onnx", "meta.json", "tokenizer.json", "MODEL_CARD.md"):
        if name != target and os.path.exists(os.path.join(src, name)) and not os.path.exists(os.path.join(out, name)):
            shutil.copyfile(os.path.join(src, name), os.path.join(out, name))
    size = os.path.getsize(os.path.join(out, target))
    print(f"{variant}: replaced {n} weight nodes; {out}/{target} {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main(sys.argv[1:])
