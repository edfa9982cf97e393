"""One-node ONNX graphs of onnxruntime's MultiHeadAttention for bench/mha_parity.mjs.

The fused GPU export (training/diffuse/onnx_ops.py, `--fused`) computes attention with this
contrib op; on SwiftShader its WebGPU kernel departs from the CPU's once a sequence has 32 rows or
more (bench/README.md, "WebGPU on a software GPU"). These graphs isolate the op at the fixture's
shape (2 heads of 16) and at the bundled model's (8 heads of 64), so a real GPU can say whether the
departure is the kernel's or SwiftShader's.

    python3 bench/mha_parity_models.py OUT_DIR     # writes mha-h2-d16.onnx and mha-h8-d64.onnx
"""
import sys
from pathlib import Path

from onnx import TensorProto, checker, helper, save

SHAPES = [(2, 16), (8, 64)]       # (heads, head size): tiny-model-kv-fused's, diffuse-small's


def mha_graph(heads, head_size):
    """query, key, value [B, L, heads * head_size] float32 -> output of the same shape."""
    width = heads * head_size
    io = [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["B", "L", width]) for name in ("query", "key", "value")]
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["B", "L", width])
    node = helper.make_node("MultiHeadAttention", ["query", "key", "value"], ["output"], domain="com.microsoft", num_heads=heads)
    graph = helper.make_graph([node], f"mha_h{heads}_d{head_size}", io, [out])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    checker.check_model(model)
    return model


def main(out_dir):
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for heads, head_size in SHAPES:
        path = Path(out_dir) / f"mha-h{heads}-d{head_size}.onnx"
        save(mha_graph(heads, head_size), path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/mha-parity")
