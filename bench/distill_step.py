"""The training step with and without distillation (training/diffuse/distill.py) on the GPU: ms per
step, peak memory, loss over a few steps, and the compiled variants of Denoiser.hidden that student
and teacher hold together (one limit counts them). Run as it ran for bench/README.md §65 (session 54,
one H100, ~4.5 minutes), from the repository root on the GPU machine:

    python3 bench/distill_step.py

One synthetic batch (B = 256, L = 256, v8's vocabulary; half the rows holes of 96 slots), a six-block
student of v8's width and a twelve-block teacher with random, sharpened weights (its cost does not
depend on what it knows). Rows: no teacher (weight null) and the teacher's weight λ, eager fp32 and
compiled bf16 as train.py runs; then the loader's canvas shapes through one distilled run.
"""
import sys, time, json
import torch
sys.path.insert(0, "training")
from diffuse.model import Denoiser, ModelConfig
from diffuse.families import Family
from diffuse.distill import Distillation
from diffuse.train import _LossModule, make_optimizer, TrainConfig, allow_tf32
from diffuse.tokenizer import MASK_ID
allow_tf32()
V, B, L, dev = 8192, 256, 256, "cuda"
fam = Family.from_config({"objective": "mdlm"})
obj = fam.objective_module(V, MASK_ID)
g = torch.Generator().manual_seed(0)
x0 = torch.randint(3, V, (B, L), generator=g)
region = torch.ones(B, L, dtype=torch.bool); region[: B // 2] = False; region[: B // 2, 50:146] = True
valid = torch.ones(B, L, dtype=torch.bool); valid[: B // 4, 200:] = False
drawn = obj.draw(x0, region, g)
x0, region, valid = x0.to(dev), region.to(dev), valid.to(dev)
drawn = tuple(d.to(dev) for d in drawn)
print("N masked", int(drawn[1].sum()))
torch.manual_seed(1)
teacher = Denoiser(ModelConfig(vocab_size=V, n_layer=12, n_head=8, n_embd=512, max_length=L)).to(dev)
with torch.no_grad():
    teacher.wte.weight.mul_(8)          # sharp predictions: many probabilities underflow to 0
teacher.eval().requires_grad_(False)
def student():
    torch.manual_seed(0)
    return Denoiser(ModelConfig(vocab_size=V, n_layer=6, n_head=8, n_embd=512, max_length=L)).to(dev)
def run(weight, compiled, bf16, steps=8, valid_=None):
    s = student()
    lm = _LossModule(s, "mdlm", MASK_ID, fam, None, "random", None if weight is None else Distillation(teacher, weight)).to(dev)
    opt = make_optimizer(lm, TrainConfig())
    if compiled:
        torch._dynamo.reset()
        s.hidden = torch.compile(s.hidden); teacher.hidden = torch.compile(Denoiser.hidden.__get__(teacher))
    else:
        teacher.hidden = Denoiser.hidden.__get__(teacher)
    ac = torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16)
    losses = []
    torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    for i in range(steps):
        if i == 3: torch.cuda.synchronize(); t0 = time.time()
        for v in ((None, valid) if valid_ == "both" else (valid_,)):
            with ac:
                loss = lm(x0, region, v, drawn)
            opt.zero_grad(set_to_none=True); loss.backward()
            gn = float(torch.nn.utils.clip_grad_norm_(s.parameters(), 1.0))
            opt.step(); losses.append(round(float(loss), 5))
            assert all(p.grad is None for p in teacher.parameters())
    torch.cuda.synchronize()
    return dict(weight=weight, compiled=compiled, bf16=bf16, first=losses[0], last=losses[-1], finite=all(map(lambda x: x == x and abs(x) < 1e9, losses)),
                grad_norm=round(gn, 4), ms_per_step=round((time.time() - t0) / (steps - 3) * 1000 / (2 if valid_ == "both" else 1), 1),
                peak_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2))
for args in [(None, False, False), (1.0, False, False), (0.0, True, True), (None, True, True), (1.0, True, True), (0.5, True, True)]:
    print(json.dumps(run(*args)), flush=True)
print(json.dumps(run(1.0, True, True, steps=6, valid_="both")), flush=True)
c = torch._dynamo.utils.counters
print("dynamo stats", dict(c["stats"]), "recompiles/limits", {k: dict(v) for k, v in c.items() if "recompil" in k or "limit" in k})
# the loader's shapes: canvases of 256 or shorter (multiples of 16), with or without a key mask
import logging, random, io
buf = io.StringIO(); h = logging.StreamHandler(buf); logging.getLogger("torch._dynamo").addHandler(h)
torch._dynamo.reset()
s = student()
lm = _LossModule(s, "mdlm", MASK_ID, fam, None, "random", Distillation(teacher, 0.5)).to(dev)
opt = make_optimizer(lm, TrainConfig())
s.hidden = torch.compile(s.hidden); teacher.hidden = torch.compile(Denoiser.hidden.__get__(teacher))
rng = random.Random(0); times = {}
for i in range(40):
    Lb = 256 if rng.random() < 0.6 else rng.randrange(64, 256, 16)
    use_valid = rng.random() < 0.3
    xb, rb = x0[:, :Lb].contiguous(), region[:, :Lb].contiguous()
    vb = valid[:, :Lb].clone() if use_valid else None
    if vb is not None: vb[:8, Lb - 8:] = False
    d = tuple(t.to(dev) for t in obj.draw(xb.cpu(), rb.cpu()))
    torch.cuda.synchronize(); t0 = time.time()
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = lm(xb, rb, vb, d)
    opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    torch.cuda.synchronize(); times.setdefault((Lb == 256, use_valid), []).append(round(time.time() - t0, 3))
    assert torch.isfinite(loss)
try:
    entries = torch._C._dynamo.eval_frame._debug_get_cache_entry_list(Denoiser.hidden.__code__)
    print("cache entries on Denoiser.hidden:", len(entries))
except Exception as e:
    print("no cache entry list:", e)
print("step seconds by (full canvas, key mask), last 3:", {str(k): v[-3:] for k, v in times.items()})
print("recompile_limit" in buf.getvalue() or "cache_size_limit" in buf.getvalue(), buf.getvalue()[-1500:])
print("recompile limit", getattr(torch._dynamo.config, "recompile_limit", None), getattr(torch._dynamo.config, "cache_size_limit", None))
