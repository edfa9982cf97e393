"""Weight-only and dynamic int8 variants of a Diffuse model.onnx: the bundled model's CPU graph
(`int8`) and the variants the CPU speed benchmark (bench/forward.ts) compares.

    cd training && python3 -m diffuse.quantize MODEL_DIR OUT_DIR [--variant=int8|int8from4|nbits4|nbits8] [--block=32] [--head=0] [--embedding=0]
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
- int8from4: int8's DynamicQuantizeMatMuls with their weights stored in 4 bits: each output column in
          blocks of `block` inputs, 4-bit values (-7..7, two a byte) whose step is a whole number of
          28ths of the column's int8 step (a byte a block). Constant-only nodes expand them to the
          int8 [in, out] weight, round(value * step / 28), that the op takes with the column's
          scale; onnxruntime's constant folding (on at its default optimization level) runs them
          once at session creation, so every call runs the int8 graph's kernels on int8 weights:
          4.25 bits a weight in the file, int8 speed (bench/README.md §8). Packed uint8 and a
          Gather of a nibble table, not ONNX's INT4 type: that needs opset 21 and onnx >= 1.16,
          where the exporter writes opset 17.
- nbits4: MatMulNBits, 4-bit weights, symmetric, one fp32 scale per `block` weights of a column
          (zero point 8, the op's default), accuracy_level 4 (int8 activations on CPU).
- nbits8: MatMulNBits, 8-bit weights, otherwise as nbits4 (zero point 128).

The tied LM head is quantized unless --head=0. The embedding lookup (a Gather of a constant table)
becomes a Gather of an int8 table (symmetric, full 8-bit range, one scale per row) times the row's
scale, unless --embedding=0: with the head quantized too, no float copy of the vocabulary table is
left in the file (a 42 M model: 49 -> 44 MiB). int8from4 keeps the table int8 (-63..63 a row, as the
head's op takes it) and stores it once: the tied head reads the embedding's rows through a folded
Transpose, and 4-bit rows cost the bundled model 4 % of its argmaxes more (bench/README.md §8).
The benchmark (bench/forward.ts) checks every variant's logits against the original's before
timing it, so a wrongly packed weight shows as a logits error, not as a fast wrong model.
"""
from dataclasses import dataclass, field
import filecmp
import hashlib
import os
import re
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .options import parse_options
from .weight_grid import INT4_STEPS, INT8_STEPS, MAX_STEP, STEP_DIVISOR, splits_into_blocks

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


def int8_scale(absmax):
    """The int8 scale of a column (a row of a table) whose largest |weight| is absmax: 63 steps a side."""
    return np.where(absmax > 0, absmax / float(INT8_STEPS), 1.0).astype(np.float32)


def quantize_int8(w, prefix):
    """w [K, N] -> (B int8 [K, N], scale fp32 [N], zero point int8 [N]) initializers."""
    scale = int8_scale(np.abs(w).max(axis=0))
    q = np.clip(np.rint(w / scale), -INT8_STEPS, INT8_STEPS).astype(np.int8)
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


def quantize_embedding(node, table, prefix, qmax=127):
    """A Gather of the constant `table` [V, D] -> nodes and initializers gathering int8 rows (qmax steps
    a side) and their scales, then multiplying them back to float: same output name, [B, L, D] float32."""
    absmax = np.abs(table).max(axis=1)
    scale = np.where(absmax > 0, absmax / qmax, 1.0).astype(np.float32)
    q = np.clip(np.rint(table / scale[:, None]), -qmax, qmax).astype(np.int8)
    inits = [numpy_helper.from_array(q, prefix + "_q8"), numpy_helper.from_array(scale[:, None], prefix + "_rowscale")]
    return embedding_nodes(node, prefix + "_q8", prefix + "_rowscale", prefix), inits


def embedding_nodes(node, rows, rowscale, prefix):
    """The Gather `node` of a float table as a Gather of its int8 `rows` [V, D] times `rowscale` [V, 1]."""
    ids = node.input[1]
    return [
        helper.make_node("Gather", [rows, ids], [prefix + "_rows_q8"], name=prefix + "_gather_q8", axis=0),
        helper.make_node("Cast", [prefix + "_rows_q8"], [prefix + "_rows"], name=prefix + "_cast", to=TensorProto.FLOAT),
        helper.make_node("Gather", [rowscale, ids], [prefix + "_scales"], name=prefix + "_gather_scale", axis=0),
        helper.make_node("Mul", [prefix + "_rows", prefix + "_scales"], list(node.output), name=prefix + "_dequant"),
    ]


# int8from4 (weight_grid.py): the int8 weight is round(q * step / 28), q a 4-bit value, step its
# block's byte. The constants its nodes share: each byte's two 4-bit values (low nibble first,
# stored plus 8) as q / 28, the Gather table that unpacks them; the shapes of its Reshapes
NIBBLES = "int4_nibbles"
PAIRS_TO_BLOCKS, BLOCKS_TO_ROWS, FLAT = "int4_pairs_to_blocks", "int4_blocks_to_rows", "int4_flat"


def nibble_table():
    byte = np.arange(256)
    return (np.stack([byte & 15, byte >> 4], axis=1) - 8).astype(np.float32) / np.float32(STEP_DIVISOR)


def int8from4_constants():
    return [numpy_helper.from_array(nibble_table(), NIBBLES),
            numpy_helper.from_array(np.array([0, 0, -1], np.int64), PAIRS_TO_BLOCKS),
            numpy_helper.from_array(np.array([0, -1], np.int64), BLOCKS_TO_ROWS),
            numpy_helper.from_array(np.array([-1], np.int64), FLAT)]


def pack4(rows, block, prefix="int8from4"):
    """rows [N, K] (a weight's output columns) -> (packed uint8 [N, K/block, block/2], steps uint8
    [N, K/block, 1], scale fp32 [N]): `scale` is the int8 graph's column scale, and a block's 4-bit
    values (-7..7, two a byte) step by steps / 28 int8 steps, its absmax / 7 rounded to a 28th."""
    N, K = rows.shape
    if not splits_into_blocks(K, block):
        raise ValueError(f"{prefix}: its {K} inputs do not split into blocks of {block} (--block: an even divisor)")
    blocks = rows.reshape(N, K // block, block)
    scale = int8_scale(np.abs(rows).max(axis=1))
    widest = np.abs(blocks).max(axis=2, keepdims=True) / scale[:, None, None]          # <= 63 int8 steps
    steps = np.clip(np.rint(widest / INT4_STEPS * STEP_DIVISOR), 1, MAX_STEP)        # an all-zero block: any step
    q = np.clip(np.rint(blocks / (steps / STEP_DIVISOR * scale[:, None, None])), -INT4_STEPS, INT4_STEPS).astype(np.int8)
    u = (q + 8).astype(np.uint8)
    return (u[..., 0::2] | (u[..., 1::2] << 4)).astype(np.uint8), steps.astype(np.uint8), scale


def unpack4(packed, steps):
    """pack4's arrays -> the weights in int8 steps of their column, float32 [N, K], computed as the
    graph's nodes compute them (the int8 weight is their Round)."""
    values = nibble_table()[packed].reshape(*packed.shape[:-1], -1) * steps.astype(np.float32)
    return values.reshape(len(packed), -1)


def int8_from_4bit(rows, prefix, block):
    """rows [N, K] in 4 bits -> (nodes, initializers): the nodes compute `prefix_q8_rows`, int8 [N, K],
    from constants only (onnxruntime folds them at session creation), to be read with `prefix_scale`."""
    packed, steps, scale = pack4(rows, block, prefix)
    inits = [numpy_helper.from_array(packed, prefix + "_q4"), numpy_helper.from_array(steps, prefix + "_steps"),
             numpy_helper.from_array(scale, prefix + "_scale")]

    def make(op, inputs, suffix, **attrs):
        return helper.make_node(op, inputs, [prefix + suffix], name=prefix + suffix + "_" + op.lower(), **attrs)

    nodes = [
        make("Cast", [prefix + "_q4"], "_q4_index", to=TensorProto.INT32),          # Gather's indices are int32/64
        make("Gather", [NIBBLES, prefix + "_q4_index"], "_q4_pairs", axis=0),      # [N, K/block, block/2, 2]
        make("Reshape", [prefix + "_q4_pairs", PAIRS_TO_BLOCKS], "_q4_blocks"),    # [N, K/block, block]
        make("Cast", [prefix + "_steps"], "_steps_float", to=TensorProto.FLOAT),
        make("Mul", [prefix + "_q4_blocks", prefix + "_steps_float"], "_q8_float"),
        make("Round", [prefix + "_q8_float"], "_q8_round"),
        make("Cast", [prefix + "_q8_round"], "_q8_blocks", to=TensorProto.INT8),
        make("Reshape", [prefix + "_q8_blocks", BLOCKS_TO_ROWS], "_q8_rows"),      # [N, K]
    ]
    return nodes, inits


def content(array):
    """A key equal for equal weights (a tied head's and its embedding's table)."""
    return hashlib.sha1(np.ascontiguousarray(array, dtype=np.float32).tobytes()).hexdigest()


def quantize(model, variant, block=32, head=True, include=None, embedding=True):
    """Replaces weight MatMuls (and, with `embedding`, the embedding Gather) in place; returns how many."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    prod = producers(g)
    # int8from4: the int8 rows [V, D] and scale [V] of the embedding tables, by content, which a tied
    # head reads (the Gather precedes the head in any graph: the head reads its output)
    tables = {}
    new_nodes, new_inits, replaced = [], [], 0
    for node in g.node:
        if embedding and node.op_type == "Gather" and _attr(node, "axis", 0) == 0:
            table = resolve_weight(node.input[0], inits, prod)
            if table is not None and table.ndim == 2:
                prefix = _prefix(node)
                if variant == "int8from4":        # the table stays int8, in the range the tied head's op takes
                    nodes, qs = quantize_embedding(node, table, prefix, qmax=INT8_STEPS)
                    nodes.append(helper.make_node("Reshape", [prefix + "_rowscale", FLAT], [prefix + "_scale"],
                                                  name=prefix + "_scale_reshape"))     # [V]: a tied head's column scale
                    tables[content(table)] = prefix + "_q8", prefix + "_scale"
                else:
                    nodes, qs = quantize_embedding(node, table, prefix)
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
        elif variant == "int8from4":
            rows = w.T                                 # [N, K]: the weight's output columns
            tied = tables.get(content(rows))
            nodes, qs = ([], []) if tied else int8_from_4bit(rows, prefix, block)
            rows_q8, scale = tied or (prefix + "_q8_rows", prefix + "_scale")
            qs.append(numpy_helper.from_array(np.zeros(len(rows), np.int8), prefix + "_zp"))
            new_nodes += nodes + [
                helper.make_node("Transpose", [rows_q8], [prefix + "_q8"], name=prefix + "_q8_transpose", perm=[1, 0]),
                helper.make_node("DynamicQuantizeMatMul", [node.input[0], prefix + "_q8", scale, prefix + "_zp"],
                                 list(node.output), name=prefix + "_dq", domain=MS_DOMAIN)]
        else:
            bits = 4 if variant == "nbits4" else 8
            qs, K, N = quantize_nbits(w, prefix, bits, block)
            new_nodes.append(helper.make_node("MatMulNBits", [node.input[0]] + [t.name for t in qs],
                                              list(node.output), name=prefix + "_nbits", domain=MS_DOMAIN,
                                              K=K, N=N, bits=bits, block_size=block, accuracy_level=4))
        new_inits += qs
        replaced += 1
    if variant == "int8from4":
        new_inits += int8from4_constants()          # those no node reads go with prune
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
    variant: str = "int8"            # int8 | int8from4 | nbits4 | nbits8
    block: int = 32                  # int8from4, nbits: weights per quantization block (4-bit scale)
    head: bool = True                # quantize the tied LM head too
    embedding: bool = True           # and the embedding lookup
    include: str = ""                # only the MatMuls whose node name matches this regex ("" = all)
    target: str = field(default="model.onnx", metadata={"flag": "as"})   # model.onnx | model.cpu.onnx


def main(argv):
    args = parse_options(QuantizeOptions, argv, "diffuse.quantize", positional=("src", "out"))
    src, out, variant, target = args.src, args.out, args.variant, args.target
    if variant not in ("int8", "int8from4", "nbits4", "nbits8"):
        raise SystemExit(f"diffuse.quantize: unknown --variant {variant}: int8 | int8from4 | nbits4 | nbits8")
    if target not in ("model.onnx", "model.cpu.onnx"):
        raise SystemExit("diffuse.quantize: --as must be model.onnx or model.cpu.onnx")
    model = onnx.load(os.path.join(src, "model.onnx"))
    try:
        n = quantize(model, variant, args.block, head=args.head, include=args.include or None, embedding=args.embedding)
    except ValueError as e:
        raise SystemExit(f"diffuse.quantize: {e}")
    os.makedirs(out, exist_ok=True)
    onnx.save(model, os.path.join(out, target))
    for name in ("model.onnx", "meta.json", "tokenizer.json", "MODEL_CARD.md"):
        if name != target and os.path.exists(os.path.join(src, name)) and not os.path.exists(os.path.join(out, name)):
            shutil.copyfile(os.path.join(src, name), os.path.join(out, name))
    # A folder's own meta.json stays (a CPU graph added beside a model keeps its record), but a new
    # model.onnx under another model's record is a mistake to say (a mean quantized into v8's copy)
    kept = os.path.join(out, "meta.json")
    if target == "model.onnx" and os.path.exists(os.path.join(src, "meta.json")) and not filecmp.cmp(os.path.join(src, "meta.json"), kept, shallow=False):
        print(f"diffuse.quantize: {kept} kept, and it differs from {src}'s: the graph's record is the source's "
              f"(quantize into a fresh folder)", file=sys.stderr)
    size = os.path.getsize(os.path.join(out, target))
    print(f"{variant}: replaced {n} weight nodes; {out}/{target} {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main(sys.argv[1:])
