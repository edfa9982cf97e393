"""GPU step time, PyTorch side: milliseconds per denoiser forward in PyTorch CUDA, fp16, replayed
from a CUDA graph, for the same weights and input as bench/gpu_step.mjs.

    python3 bench/gpu_step_torch.py --model=DIR [--ckpt=ckpt.pt] [--lengths=128,256,512] [--batches=1,4]
        [--queries=32] [--runs=200] [--out=FILE]

Weights: the module is rebuilt from training/diffuse/model.py with meta.json's training.model
config and loaded from model.onnx's initializers (the exporter's `<name>__fp16` tensors; a tensor
the exporter deduplicated is the Identity of another initializer), or from a
training checkpoint with --ckpt. Input: ids[b, i] = 3 + (b * 1000003 + i * 7919) mod (V - 3), Q masks
mid-canvas, positions = the masks (the same formula as gpu_step.mjs).

Per (L, B) it reports: eager fp16, CUDA-graph fp16 replay (GPU time by CUDA events), the replay
plus copying the logits to the host (what the node side's number includes), and the fp32 logits'
first values and per-query argmax so the two sides' outputs can be compared.
"""
import json
import os
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "training"))
from diffuse.model import Denoiser, ModelConfig  # noqa: E402


def load_from_onnx(model, onnx_path):
    import numpy as np
    import onnx
    from onnx import numpy_helper
    m = onnx.load(onnx_path)
    inits = {}
    for t in m.graph.initializer:
        name = t.name[:-len("__fp16")] if t.name.endswith("__fp16") else t.name
        inits[name] = numpy_helper.to_array(t).astype(np.float32)
    # The exporter deduplicates equal tensors: a parameter may be an Identity of another initializer.
    for node in m.graph.node:
        if node.op_type == "Identity" and node.output[0] not in inits:
            src = node.input[0][:-len("__fp16")] if node.input[0].endswith("__fp16") else node.input[0]
            if src in inits:
                inits[node.output[0]] = inits[src]
    state = model.state_dict()
    missing = [k for k in state if k not in inits and not k.endswith("inv_freq")]
    if missing:
        raise SystemExit(f"model.onnx lacks weights for {missing[:5]} ({len(missing)} in all); pass --ckpt")
    model.load_state_dict({k: torch.from_numpy(inits[k]) if k in inits else v for k, v in state.items()})


def build(model_dir, ckpt=None):
    meta = json.load(open(os.path.join(model_dir, "meta.json")))
    if ckpt:
        sys.path.insert(0, os.path.join(ROOT, "training"))
        from diffuse.export import load_checkpoint
        model, _ = load_checkpoint(ckpt)
    else:
        cfg = ModelConfig(**{k: v for k, v in meta["training"]["model"].items() if k in ModelConfig.__dataclass_fields__})
        model = Denoiser(cfg)
        load_from_onnx(model, os.path.join(model_dir, "model.onnx"))
    return model.eval(), meta


def inputs(B, L, Q, V, mask_id, device):
    ids = torch.tensor([[3 + (b * 1000003 + i * 7919) % (V - 3) for i in range(L)] for b in range(B)], dtype=torch.long)
    start = (L - Q) // 2
    ids[:, start:start + Q] = mask_id
    pos = torch.arange(start, start + Q, dtype=torch.long).expand(B, Q).contiguous()
    return ids.to(device), pos.to(device)


def cuda_ms(fn, runs):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    start.record()
    for _ in range(runs):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / runs


def wall_ms(fn, runs):
    times = []
    for _ in range(runs):
        torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return times[len(times) // 2]


def main(argv):
    a = dict(x[2:].split("=", 1) for x in argv if x.startswith("--") and "=" in x)
    model_dir = a.get("model", os.path.join(ROOT, "models", "diffuse-small"))
    lengths = [int(x) for x in a.get("lengths", "128,256,512").split(",")]
    batches = [int(x) for x in a.get("batches", "1,4").split(",")]
    Q = int(a.get("queries", 32))
    runs = int(a.get("runs", 200))
    out = a.get("out")
    report = {"side": "pytorch", "torch": torch.__version__, "results": []}

    def save():
        if out:
            with open(out, "w") as f:
                json.dump(report, f, indent=1)

    if not torch.cuda.is_available():
        report["error"] = "no CUDA device"
        save()
        raise SystemExit(report["error"])
    report["device"] = torch.cuda.get_device_name(0)
    model32, meta = build(model_dir, a.get("ckpt"))
    V, mask_id = meta["vocab_size"], meta["mask_id"]
    report["model"] = {"name": meta["name"], "parameters": meta["parameters"], "config": meta["training"].get("model")}
    dev = torch.device("cuda")
    model32 = model32.to(dev)
    model16 = Denoiser(model32.cfg).to(dev)
    model16.load_state_dict(model32.state_dict())
    model16 = model16.half().eval()
    torch.backends.cuda.matmul.allow_tf32 = False
    for L in lengths:
        for B in batches:
            q = min(Q, L)
            row = {"L": L, "B": B, "Q": q}
            report["results"].append(row)
            try:
                ids, pos = inputs(B, L, q, V, mask_id, dev)
                with torch.no_grad():
                    ref = model32(ids, pos).float()                      # [B, Q, V]
                    row["check"] = [round(float(x), 3) for x in ref[0, 0, :16]]
                    row["argmax"] = ref[0].argmax(-1).tolist()
                    eager = lambda: model16(ids, pos)                   # noqa: E731
                    for _ in range(5):
                        eager()
                    row["eagerFp16Ms"] = round(cuda_ms(eager, 50), 4)
                    f16 = model16(ids, pos).float()
                    row["fp16MaxAbsDiff"] = round(float((f16 - ref).abs().max()), 4)
                    row["fp16ArgmaxAgree"] = round(float((f16[0].argmax(-1) == ref[0].argmax(-1)).float().mean()), 4)
                    # CUDA graph: warm up on a side stream, capture, replay on static inputs.
                    s = torch.cuda.Stream()
                    s.wait_stream(torch.cuda.current_stream())
                    with torch.cuda.stream(s):
                        for _ in range(3):
                            model16(ids, pos)
                    torch.cuda.current_stream().wait_stream(s)
                    graph = torch.cuda.CUDAGraph()
                    with torch.cuda.graph(graph):
                        static_out = model16(ids, pos)
                    host = torch.empty(static_out.shape, dtype=static_out.dtype, pin_memory=True)
                    for _ in range(10):
                        graph.replay()
                    row["graphFp16Ms"] = round(cuda_ms(graph.replay, runs), 4)

                    def replay_copy():
                        graph.replay()
                        host.copy_(static_out, non_blocking=True)
                    row["graphFp16WithCopyMs"] = round(wall_ms(replay_copy, runs), 4)
                    del graph
            except Exception as e:  # keep the other shapes' numbers
                row["error"] = f"{type(e).__name__}: {e}"
            print(json.dumps({k: v for k, v in row.items() if k not in ("check", "argmax")}), file=sys.stderr)
            save()
    save()


if __name__ == "__main__":
    main(sys.argv[1:])
