"""Merges bench/gpu.sh's partial results into OUT/gpu_step.json and OUT/summary.md.

    python3 bench/gpu_summary.py WORK_DIR OUT_DIR

Reads WORK_DIR/torch.json (bench/gpu_step_torch.py), WORK_DIR/node-*.json (bench/gpu_step.mjs)
and WORK_DIR/parts.jsonl (what ran, how it ended). Safe to run at any point: missing files are
simply absent from the tables.
"""
import glob
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main(work, out):
    torch = load(os.path.join(work, "torch.json"))
    nodes = {}
    for path in sorted(glob.glob(os.path.join(work, "node-*.json"))):
        name = os.path.basename(path)[len("node-"):-len(".json")]
        data = load(path)
        if data is not None:
            nodes[name] = data
    parts = []
    try:
        with open(os.path.join(work, "parts.jsonl")) as f:
            parts = [json.loads(line) for line in f if line.strip()]
    except OSError:
        pass
    merged = {"parts": parts, "torch": torch, "node": nodes}
    with open(os.path.join(out, "gpu_step.json"), "w") as f:
        json.dump(merged, f, indent=1)

    t_rows = {(r["L"], r["B"]): r for r in (torch or {}).get("results", [])}
    lines = ["# GPU step time: onnxruntime-node vs PyTorch CUDA graph", ""]
    if torch:
        lines.append(f"- PyTorch {torch.get('torch')} on {torch.get('device', '?')}; model {torch.get('model', {}).get('name', '?')}")
    for name, n in nodes.items():
        if "error" in n:
            lines.append(f"- node variant {name}: {n['error'][:300]}")
        queued = [r for r in n.get("results", []) if "enqueueP50Ms" in r]
        if queued:
            lines.append(f"- node variant {name}: logits left on the GPU, which Node can neither read back nor wait for: "
                         + ", ".join(f"L={r['L']} B={r['B']} queued in {r['enqueueP50Ms']} ms" for r in queued)
                         + " (the queueing alone, not a forward's time)")
    lines.append("- node ms: session.run until the logits are on the CPU; ratio = node ms / PyTorch CUDA-graph replay ms (the issue's target: <= 2x at L=256); graph+copy adds the logits' copy to the host")
    lines += ["- parts: " + "; ".join(f"{p['part']} {p['status']}" for p in parts), ""]
    header = ["L", "B", "torch graph ms", "graph+copy ms", "eager fp16 ms"]
    names = [k for k in nodes if k != "webgpu-profile"]
    header += [f"{k} ms" for k in names] + [f"{k} / torch graph" for k in names]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    shapes = sorted(set(t_rows) | {(r["L"], r["B"]) for n in nodes.values() for r in n.get("results", [])})
    for L, B in shapes:
        t = t_rows.get((L, B), {})
        cells = [L, B, t.get("graphFp16Ms", ""), t.get("graphFp16WithCopyMs", ""), t.get("eagerFp16Ms", "")]
        ratios = []
        for k in names:
            r = next((x for x in nodes[k].get("results", []) if x["L"] == L and x["B"] == B), {})
            ms = r.get("p50Ms")
            cells.append(ms if ms is not None else ("error" if "error" in r else ""))
            base = t.get("graphFp16Ms")
            ratios.append(f"{ms / base:.1f}x" if ms and base else "")
        lines.append("| " + " | ".join(str(c) for c in cells + ratios) + " |")
    lines += ["", "Parity (same input; node logits vs PyTorch fp32, first 16 logits of row 0 query 0, and per-query argmax of row 0):", ""]
    for k in names:
        for r in nodes[k].get("results", []):
            t = t_rows.get((r["L"], r["B"]))
            if not t or "check" not in t or "check" not in r:
                continue
            diff = max(abs(a - b) for a, b in zip(r["check"], t["check"]))
            agree = sum(a == b for a, b in zip(r.get("argmax", []), t.get("argmax", []))) / max(1, len(t.get("argmax", [])))
            lines.append(f"- {k} L={r['L']} B={r['B']}: max |diff| {diff:.3f}, argmax agreement {agree:.0%}")
            break
    prof = nodes.get("webgpu-profile", {}).get("profile")
    if isinstance(prof, list):
        lines += ["", "WebGPU profile, L=256 B=1 (kernel time by op and provider over all profiled runs):", "",
                  "| op@provider | ms | count |", "|---|---|---|"]
        lines += [f"| {p['op']} | {p['ms']} | {p['count']} |" for p in prof]
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
