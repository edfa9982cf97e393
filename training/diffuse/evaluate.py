"""Evaluation: held-out perplexities, infill tasks, and their scorer.

    # held-out NELBO perplexity bound of an MDLM checkpoint and next-token perplexity of an AR one
    python3 -m diffuse.evaluate ppl --corpus=out/corpus --tokenizer=out/tokenizer.json \
        --mdlm=out/mdlm/ckpt.pt --ar=out/ar/ckpt.pt [--windows=2048 --samples=8] [--result=ppl.json]
    # the held-out bound of any family's checkpoint (md4, genmd4, sedd, cedd, mdlm) on the same windows
    python3 -m diffuse.evaluate bound --corpus=out/corpus --tokenizer=out/tokenizer.json \
        --ckpt=out/cedd-roulette/ckpt.pt [--windows=2048 --samples=8 --batch_size=32] [--result=bound.json]
    # two checkpoints' bounds under the same draws, and their difference's standard error
    python3 -m diffuse.evaluate paired --corpus=out/corpus --tokenizer=out/tokenizer.json \
        --a=v8.pt --b=link.pt [--windows=2048 --samples=8 --source=npm]
    # held-out infill tasks for the TypeScript CLI (node dist/cli.js infill --model DIR --input tasks.jsonl)
    python3 -m diffuse.evaluate tasks --corpus=out/corpus --out=tasks.jsonl [--single=300 --multi=150]
    # score the CLI's output lines {"task_id","completion",...} against the tasks
    python3 -m diffuse.evaluate score --tasks=tasks.jsonl --outputs=out.jsonl
    # a PyTorch reference infill (same canvas idea as the TS engine, greedy confidence order)
    python3 -m diffuse.evaluate infill --ckpt=out/mdlm/ckpt.pt --tokenizer=... --tasks=tasks.jsonl --out=ref.jsonl

Every command takes --result=FILE: the JSON it prints, also written there. Each command's options
are the dataclass of the same name below (options.py: an unknown option is an error).
"""
from dataclasses import dataclass
import hashlib
import json
import math
import os
import random
import sys
import time

import torch

from .data import clean_cut
from .tokenizer import EOS_ID, MASK_ID, PAD_ID


# -- held-out windows and perplexities ------------------------------------------------------------
def val_windows(tok, texts, length, max_windows):
    """Contiguously tokenized validation text, documents joined by <|endoftext|>, cut into windows."""
    stream = []
    for ids in (e.ids for e in tok.encode_batch(list(texts), add_special_tokens=False)):
        stream += ids + [EOS_ID]
        if len(stream) >= length * max_windows:
            break
    n = min(max_windows, len(stream) // length)
    return torch.tensor(stream[:n * length], dtype=torch.long).view(n, length)


def held_out_texts(corpus, source=""):
    """The corpus' validation texts, or with `source` only those of that source (corpus.py keys each
    file "name/relative path"). On the GPU machine, `pipeline.sh corpus` without SOURCES names the
    image's first site-packages directory `python0` and walks it first: the split is by path and
    the first of duplicates is kept, so its held-out files are the same in every corpus built there,
    and bounds on them compare across corpora and model versions (given the same tokenizer and
    filters), which bounds on the whole validation split do not. Raises ValueError when no file is
    of `source`."""
    from .corpus import read_split
    found = False
    for d in read_split(corpus, "val"):
        if not source or d["path"].startswith(source + "/"):
            found = True
            yield d["text"]
    if not found:
        raise ValueError(f"{corpus}: no validation file of source {source!r}" if source else f"{corpus}: no validation file")


def held_out_bounds(model, ck, ckpt, win, samples, batch_size):
    """(family, bound names, [(nats/token, standard error)]) of a diffusion checkpoint on windows
    [N, L]: the estimators of its family's objective module (families.Family.objective_module)."""
    from .graphs import per_token_bound
    fam, obj = objective_of(model, ck, ckpt, win.device)
    return fam, obj.BOUNDS, per_token_bound(lambda x, g: obj.bounds(model, x, g), win, samples, batch_size)


def objective_of(model, ck, ckpt, device):
    """(family, objective module on `device`) of a checkpoint: its family's loss and bounds, with the
    objective's own trained state where it has one (GenMD4's w)."""
    from .families import Family
    fam = Family.from_config(ck.get("train_config", {}))
    obj = fam.objective_module(model.cfg.vocab_size, MASK_ID, os.path.dirname(ckpt)).to(device)
    if "objective" in ck:
        obj.load_state_dict(ck["objective"])
    return fam, obj


def perplexities(corpus, tokenizer, mdlm_ckpt=None, ar_ckpt=None, windows=2048, samples=8, device=None, source=""):
    from . import ar as AR
    from .export import load_checkpoint
    from .tokenizer import load_for_text
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    tok = load_for_text(tokenizer)
    out = {}
    for kind, path in (("mdlm", mdlm_ckpt), ("ar", ar_ckpt)):
        if not path:
            continue
        model, ck = load_checkpoint(path)
        model.to(device).eval()
        win = val_windows(tok, held_out_texts(corpus, source), model.cfg.max_length, windows).to(device)
        ctx = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else _Null()
        with ctx:
            if kind == "mdlm":
                nll, se = held_out_bounds(model, ck, path, win, samples, batch_size=64)[2][0]   # the NELBO
                out.update(nelbo_nats_per_token=nll, nelbo_stderr=se, nelbo_ppl=math.exp(nll))
            else:
                nll = AR.nll_per_token(model, win)
                out.update(ar_nats_per_token=nll, ar_ppl=math.exp(nll))
        out[f"{kind}_tokens_seen"] = ck.get("tokens_seen")
        out["val_tokens"] = int(win.numel())
    if "nelbo_ppl" in out and "ar_ppl" in out:
        out["ppl_ratio_mdlm_over_ar"] = out["nelbo_ppl"] / out["ar_ppl"]
    return out


def family_bound(corpus, tokenizer, ckpt, windows=2048, samples=8, batch_size=32, device=None, source=""):
    """Held-out bound (nats/token, its ppl and standard error) of any family's checkpoint on MDLM's
    validation windows. The headline is the family's own bound (MDLM/MD4: NELBO; SEDD: J1, the
    DWDSE bound; CEDD: J2); every estimator the family has is reported."""
    from .export import load_checkpoint
    from .tokenizer import load_for_text
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model, ck = load_checkpoint(ckpt)
    model.to(device).eval()
    win = val_windows(load_for_text(tokenizer), held_out_texts(corpus, source), model.cfg.max_length, windows).to(device)
    ctx = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else _Null()
    with ctx:
        fam, names, est = held_out_bounds(model, ck, ckpt, win, samples, batch_size)
    out = {"ckpt": ckpt, "objective": fam.objective, "graph": fam.graph, "schedule": fam.schedule.meta(),
           "p_m": fam.p_m, "bound": names[0], "bound_nats_per_token": est[0][0], "bound_stderr": est[0][1],
           "bound_ppl": perplexity(est[0][0]), "tokens_seen": ck.get("tokens_seen"), "val_tokens": int(win.numel()),
           "val_source": source or "all"}
    for name, (v, se) in zip(names, est):
        out[name] = {"nats_per_token": v, "stderr": se, "ppl": perplexity(v)}
    return out


def paired_bound(corpus, tokenizer, ckpt_a, ckpt_b, windows=2048, samples=8, batch_size=32, device=None, source=""):
    """The headline bound of two checkpoints of one family on the same held-out windows under the
    same corruption draws (each batch's generator state replayed for the second model), with the
    standard error of their difference over those paired batches: most of either bound's own error is
    the windows' and draws', which the difference cancels, so a gap the two errors cannot tell apart
    can still be clear when paired."""
    from .export import load_checkpoint
    from .graphs import per_token_bound
    from .tokenizer import load_for_text
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    (model_a, ck_a), (model_b, ck_b) = load_checkpoint(ckpt_a), load_checkpoint(ckpt_b)
    (fam_a, obj_a), (fam_b, obj_b) = objective_of(model_a, ck_a, ckpt_a, device), objective_of(model_b, ck_b, ckpt_b, device)
    if (fam_a.objective, fam_a.graph) != (fam_b.objective, fam_b.graph):
        raise ValueError(f"{ckpt_b}: {fam_b.objective}/{fam_b.graph}, but {ckpt_a} is {fam_a.objective}/{fam_a.graph}: "
                         "their corruption draws do not pair")
    if model_a.cfg.max_length != model_b.cfg.max_length:
        raise ValueError(f"{ckpt_b}: max_length {model_b.cfg.max_length}, but {ckpt_a}'s is {model_a.cfg.max_length}")
    model_a.to(device).eval()
    model_b.to(device).eval()
    win = val_windows(load_for_text(tokenizer), held_out_texts(corpus, source), model_a.cfg.max_length, windows).to(device)

    def both(x0, g):
        state = g.get_state()
        a = obj_a.bounds(model_a, x0, g)[0]
        g.set_state(state)
        b = obj_b.bounds(model_b, x0, g)[0]
        return a, b, a - b

    ctx = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else _Null()
    with ctx, torch.no_grad():
        (a, se_a), (b, se_b), (diff, se_diff) = per_token_bound(both, win, samples, batch_size)
    return {"bound": obj_a.BOUNDS[0], "val_source": source or "all",
            "val_tokens": int(win.numel()), "a": {"ckpt": ckpt_a, "nats_per_token": a, "stderr": se_a},
            "b": {"ckpt": ckpt_b, "nats_per_token": b, "stderr": se_b},
            "a_minus_b": {"nats_per_token": diff, "stderr": se_diff}}


def perplexity(nats):
    """e^nats, infinite past float range (an untrained RDLM's Girsanov bound runs to 1e6 nats: its
    drift weight γ²/β grows like 1/(1-t)² toward the data end)."""
    return math.exp(nats) if nats < 709 else math.inf


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


# -- infill tasks ---------------------------------------------------------------------------------
def make_tasks(docs, n_single=300, n_multi=150, seed=0, context_chars=4000):
    """Held-out holes like the editor's: `single_line` = the rest of a non-blank line after its
    indentation (the cursor sits after the indent); `multi_line` = 2-5 whole lines from the first
    one's indentation. prefix/suffix are clipped to context_chars (the engine windows them anyway)."""
    rng = random.Random(seed)
    docs = sorted(docs, key=lambda d: d["path"])
    tasks, seen = [], set()
    for kind, n in (("single_line", n_single), ("multi_line", n_multi)):
        tries = 0
        while sum(t["kind"] == kind for t in tasks) < n and tries < n * 50:
            tries += 1
            d = docs[rng.randrange(len(docs))]
            text = d["text"]
            lines = text.split("\n")
            if len(lines) < 8:
                continue
            i = rng.randrange(2, len(lines) - 2)
            k = 1 if kind == "single_line" else rng.randint(2, 5)
            block = lines[i:i + k]
            if len(block) < k or not block[0].strip() or len(block[0].strip()) < 4:
                continue
            if any(len(l) > 200 for l in block) or sum(len(l) for l in block) > 400:
                continue
            start = sum(len(l) + 1 for l in lines[:i])
            a = start + len(block[0]) - len(block[0].lstrip(" \t"))
            b = start + sum(len(l) + 1 for l in block) - 1            # end of the last line, before \n
            key = (d["path"], a, b)
            if key in seen:
                continue
            seen.add(key)
            tid = hashlib.sha256(f"{d['path']}:{a}:{b}".encode()).hexdigest()[:12]
            tasks.append({"task_id": f"{kind[0]}-{tid}", "prefix": text[max(0, a - context_chars):a],
                          "suffix": text[b:b + context_chars], "expected": text[a:b], "kind": kind,
                          "path": d["path"]})
    return tasks


def edit_similarity(a, b):
    """1 - Levenshtein(a, b) / max(len): 1.0 = identical."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1.0 - prev[-1] / max(len(a), len(b))


def exact_match(completion, expected):
    """Equal after stripping trailing whitespace on both sides."""
    return completion.rstrip() == expected.rstrip()


def score(tasks, outputs):
    """tasks: list of task dicts; outputs: list of CLI output dicts (matched by task_id).
    Exact match compares after stripping trailing whitespace on both sides."""
    by_id = {o.get("task_id"): o for o in outputs}
    res = {}
    for kind in ("single_line", "multi_line"):
        ts = [t for t in tasks if t["kind"] == kind]
        if not ts:
            continue
        em, es, missing, nfe, ms = 0, 0.0, 0, 0.0, 0.0
        for t in ts:
            o = by_id.get(t["task_id"])
            if o is None or "completion" not in o:
                missing += 1
                continue
            c = o["completion"]
            em += exact_match(c, t["expected"])
            es += edit_similarity(c.rstrip(), t["expected"].rstrip())
            nfe += o.get("nfe", 0) or 0
            ms += o.get("ms", 0) or 0
        n = len(ts)
        done = max(1, n - missing)
        res[kind] = {"n": n, "missing": missing, "exact_match": em / n, "edit_similarity": es / n,
                     "mean_nfe": nfe / done, "mean_ms": ms / done}
    return res


# -- reference infill in PyTorch ------------------------------------------------------------------
@torch.no_grad()
def reference_infill(model, tok, tasks, hole_tokens=None, context=None, batch_size=64, device="cpu"):
    """Greedy confidence-ordered unmasking, one token per step (NFE = hole slots), on a canvas
    [last prefix tokens][hole_tokens masks][first suffix tokens] of at most max_length tokens.
    Pads in the result are dropped. A yardstick for the TS engine, not its replacement."""
    L = context or model.cfg.max_length
    outs = []
    for kind in sorted({t.get("kind", "") for t in tasks}):
        group = [t for t in tasks if t.get("kind", "") == kind]
        n_slots = hole_tokens or (32 if kind == "single_line" else 96)
        outs += _reference_group(model, tok, group, n_slots, L, batch_size, device)
    order = {t["task_id"]: i for i, t in enumerate(tasks)}
    return sorted(outs, key=lambda o: order[o["task_id"]])


def reference_canvas(tok, task, hole_tokens, L):
    """A task's canvas for the reference infill and where its hole starts: the last prefix tokens,
    `hole_tokens` masks, the first suffix tokens (at most a quarter of the room), at most L tokens.
    Cut between characters and marked where the canvas reaches the document's start or end, as
    the engine's canvas and the training rows are (data.py `clean_cut`, src/infill/window.ts)."""
    pre = tok.encode(task["prefix"], add_special_tokens=False)
    suf = tok.encode(task["suffix"], add_special_tokens=False)
    budget = L - hole_tokens
    s = min(len(suf.ids), budget // 4)
    p = min(len(pre.ids), budget - s)
    s = min(len(suf.ids), budget - p)
    first = len(pre.ids) - p
    while not clean_cut(pre.offsets, first):
        first += 1
    while not clean_cut(suf.offsets, s):
        s -= 1
    left, right = pre.ids[first:], suf.ids[:s]
    if first == 0 and len(left) + hole_tokens + len(right) < L:
        left = [EOS_ID] + left
    if s == len(suf.ids) and len(left) + hole_tokens + len(right) < L:
        right = right + [EOS_ID]
    return left + [MASK_ID] * hole_tokens + right, len(left)


def _reference_group(model, tok, tasks, hole_tokens, L, batch_size, device):
    outs = []
    for i in range(0, len(tasks), batch_size):
        chunk = tasks[i:i + batch_size]
        rows, holes = [], []
        for t in chunk:
            row, start = reference_canvas(tok, t, hole_tokens, L)
            rows.append(row)
            holes.append((start, start + hole_tokens))
        lens = [len(r) for r in rows]
        t0 = time.time()
        # rows differ in length: run them one length-group at a time (no attention padding exists)
        results = [None] * len(rows)
        for n in sorted(set(lens)):
            idx = [j for j, ln in enumerate(lens) if ln == n]
            x = torch.tensor([rows[j] for j in idx], dtype=torch.long, device=device)
            for _ in range(hole_tokens):
                logits = model(x).float()                               # [b, n, V]
                logits[..., MASK_ID] = -1e9
                prob, arg = logits.softmax(-1).max(-1)                  # [b, n]
                masked = x == MASK_ID
                if not masked.any():
                    break
                prob = prob.masked_fill(~masked, -1.0)
                pos = prob.argmax(-1)                                   # [b]
                live = masked.any(-1)
                r = torch.arange(x.shape[0], device=device)[live]
                x[r, pos[live]] = arg[r, pos[live]]
            for k, j in enumerate(idx):
                ids = x[k, holes[j][0]:holes[j][1]].tolist()
                results[j] = [v for v in ids if v not in (PAD_ID, MASK_ID)]
        ms = (time.time() - t0) * 1000 / len(rows)
        for t, ids in zip(chunk, results):
            outs.append({"task_id": t["task_id"], "completion": tok.decode(ids, skip_special_tokens=False),
                         "tokens": len(ids), "nfe": hole_tokens, "ms": ms})
    return outs


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


@dataclass
class Ppl:
    corpus: str
    tokenizer: str
    mdlm: str = ""                   # an MDLM checkpoint: its held-out NELBO bound
    ar: str = ""                     # an AR checkpoint: its held-out perplexity
    windows: int = 2048
    samples: int = 8
    source: str = ""                 # only this source's validation files (held_out_texts); '' = all
    result: str = ""

    def run(self):
        return perplexities(self.corpus, self.tokenizer, self.mdlm or None, self.ar or None, self.windows, self.samples,
                            source=self.source)


@dataclass
class HeldOutWindows:
    """The held-out windows a bound is read on, and where its JSON goes (Bound, Paired)."""
    corpus: str
    tokenizer: str
    windows: int = 2048
    samples: int = 8
    batch_size: int = 32
    source: str = ""                 # only this source's validation files (held_out_texts); '' = all
    result: str = ""


@dataclass(kw_only=True)
class Bound(HeldOutWindows):
    ckpt: str                        # any family's checkpoint

    def run(self):
        return family_bound(self.corpus, self.tokenizer, self.ckpt, self.windows, self.samples, self.batch_size,
                            source=self.source)


@dataclass(kw_only=True)
class Paired(HeldOutWindows):
    a: str                           # two checkpoints of one family (diffuse.onnx_weights makes one of a model folder)
    b: str

    def run(self):
        return paired_bound(self.corpus, self.tokenizer, self.a, self.b, self.windows, self.samples, self.batch_size,
                            source=self.source)


@dataclass
class Tasks:
    corpus: str
    out: str                         # tasks.jsonl to write
    single: int = 300                # single-line holes
    multi: int = 150                 # multi-line holes
    seed: int = 0
    result: str = ""

    def run(self):
        from .corpus import read_split
        tasks = make_tasks(list(read_split(self.corpus, "val")), self.single, self.multi, self.seed)
        write_jsonl(self.out, tasks)
        return {"tasks": len(tasks), "out": self.out}


@dataclass
class Score:
    tasks: str
    outputs: str                     # the CLI's output lines {"task_id", "completion", ...}
    result: str = ""

    def run(self):
        return score(read_jsonl(self.tasks), read_jsonl(self.outputs))


@dataclass
class Infill:
    ckpt: str
    tokenizer: str
    tasks: str
    out: str                         # the reference completions, as the CLI writes them
    hole_tokens: int = 0             # mask slots per hole (0 = 32 for a single-line task, 96 for a multi-line one)
    result: str = ""

    def run(self):
        from .export import load_checkpoint
        from .tokenizer import load_for_text
        device = "cuda" if torch.cuda.is_available() else "cpu"
        model, _ = load_checkpoint(self.ckpt)
        model.to(device).eval()
        tasks = read_jsonl(self.tasks)
        outs = reference_infill(model, load_for_text(self.tokenizer), tasks, self.hole_tokens or None, device=device)
        write_jsonl(self.out, outs)
        return score(tasks, outs)


COMMANDS = {"ppl": Ppl, "bound": Bound, "paired": Paired, "tasks": Tasks, "score": Score, "infill": Infill}


def main(argv):
    from .options import parse_options
    cmd = argv[0] if argv else ""
    if cmd not in COMMANDS:
        raise SystemExit(f"diffuse.evaluate: unknown command {cmd!r}: {' | '.join(COMMANDS)}")
    args = parse_options(COMMANDS[cmd], argv[1:], f"diffuse.evaluate {cmd}")
    res = args.run()
    if args.result:
        with open(args.result, "w") as f:
            json.dump(res, f, indent=1)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
