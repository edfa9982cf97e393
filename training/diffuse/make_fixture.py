"""Write the TypeScript side's test fixtures (checked in, small):

  test/fixtures/tiny-model/{model.onnx, meta.json, tokenizer.json, MODEL_CARD.md, logits-golden.json}
      a random-weight denoiser (d=32, 2 layers, tied embeddings) in the contract format, with its
      own real byte-level BPE (vocab 1024, trained with the Python `tokenizers` library), and
      PyTorch's logits on fixed (input_ids, positions) cases for onnxruntime-node parity.
  test/fixtures/tiny-model-kv/{model.onnx, meta.json, tokenizer.json, MODEL_CARD.md, logits-golden.json}
      a random-weight denoiser of the tiny-model's shape and tokenizer exported as the context-cache
      graph (meta.json `context_cache`); its golden holds PyTorch's full-call logits (forward(), the
      graph without a cache) and cached calls: a refresh on one canvas, then the hole's rows of a
      canvas whose hole changed, run against the refresh's context (forward_cached).
  test/fixtures/tiny-model-kv-fused/{model.onnx, meta.json, tokenizer.json, MODEL_CARD.md}
      the same weights exported with onnxruntime's fused operators (export --fused, onnx_ops.py),
      checked against tiny-model-kv's golden.
  test/fixtures/tiny-model-kv-shared/{model.onnx, meta.json, tokenizer.json, MODEL_CARD.md}
      the same weights, fused, with a shared past (export --fused --shared_past: meta.json
      `context_cache.shared_past`), checked against the fused graph's answers.
  test/fixtures/tokenizer-golden.json
      [{"tokenizer", "text", "ids"}] over tricky strings, encoded by the Python library
      (add_special_tokens=False); decode(ids) == text for every case.
  test/fixtures/score-golden.json
      [{"completion", "expected", "exact_match", "edit_similarity"}] by evaluate.py's scorer, which
      the benchmarks' TypeScript scorer (bench/common.ts) must reproduce.
  test/fixtures/families/contract.json
      the contract rows training produces (families.trained_combinations()), for the TypeScript
      loader's test of its family table.
  test/fixtures/families/<name>/{model.onnx, meta.json, tokenizer.json, MODEL_CARD.md, logits-golden.json}
      one random-weight denoiser per seed family of the contract (FAMILY_FIXTURES), same tiny
      backbone and the tiny-model's tokenizer; the adaLN and cond-embedding weights are randomised
      too (they start at zero in training), so cond visibly changes the logits; GenMD4's token
      exponents are random around 1. The golden holds logits for fixed (input_ids, positions, cond).

    cd training && python3 -m diffuse.make_fixture [--out=../test/fixtures] [--tokenizer=extra.json ...]
    cd training && python3 -m diffuse.make_fixture --only=families     # keep tiny-model as it is
    cd training && python3 -m diffuse.make_fixture --only=contract     # the table alone (seconds)
    cd training && python3 -m diffuse.make_fixture --only=scores       # the scorer's golden alone
    cd training && python3 -m diffuse.make_fixture --only=context-cache

Needs torch, onnx, tokenizers and onnxruntime (the export refuses to write without a parity check).
"""
from dataclasses import dataclass
import glob
import json
import os
import sys

import torch

from . import tokenizer as T
from .export import empty_past, random_cases, round_weights_fp16, vocab_of, write_model_folder
from .families import Family, trained_combinations
from .md4 import GenMD4
from .model import Denoiser, ModelConfig
from .options import parse_options

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))

TRICKY = [
    "",
    " ",
    "\n",
    "\t",
    "\r\n",
    "hello world",
    "  leading and trailing spaces   ",
    "line one\r\nline two\r\n",
    "tabs\tinside\t\tand\tat end\t",
    "def add(a, b):\n    return a + b\n",
    "    indented = True  \n\n\n",
    "class Foo:\n\tdef bar(self):\n\t\tpass\n",
    "function f(x) { return x * 2; }\n",
    "const s = `template ${value}`;\r\n",
    "interface A<T> { x?: T | null }\n",
    "fn main() { println!(\"hi\"); }\n",
    "#include <stdio.h>\nint main(void) { return 0; }\n",
    "SELECT * FROM t WHERE a = 'b';",
    "<div class=\"x\">&amp;</div>",
    "# Title\n\n- item *one*\n- item **two**\n",
    "naïve café résumé",
    "日本語のテキスト",
    "Ελληνικά и русский",
    "emoji 🎉 and 👩‍💻 and 🇫🇷",
    "math ∀x∈ℝ: x² ≥ 0",
    "zero\u200bwidth",
    "\u00a0non-breaking",
    "a" * 50,
    "    " * 8 + "deep",
    "x=1;y=2;z=x+y",
    "trailing newline without cr\n",
    "\n\n\n\n",
    "mixed\r\nendings\nhere\r",
    "<|endoftext|>",
    "text with <|mask|> inside",
    "\\u0000 escaped and \\n literal",
    "'single' \"double\" `back`",
    "0x1F 1e-3 3.14159 1_000_000",
]


def fixture_tokenizer_texts():
    """A small fixed code+prose sample from this repo (and TypeScript's lib if installed)."""
    files = sorted(glob.glob(os.path.join(REPO, "training", "diffuse", "*.py")))
    files += sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))
    files += [os.path.join(REPO, "node_modules", "typescript", "lib", "lib.es5.d.ts")]
    texts = []
    for p in files:
        if os.path.isfile(p):
            with open(p, encoding="utf-8", errors="replace") as f:
                texts.append(f.read())
    texts += TRICKY
    return texts


FAMILY_FIXTURES = {
    "md4-linear": {"objective": "md4", "schedule": "linear"},
    "genmd4": {"objective": "genmd4"},
    "sedd-absorb": {"objective": "sedd", "graph": "absorb"},
    "sedd-uniform": {"objective": "sedd", "graph": "uniform"},
    "cedd-absorb": {"objective": "cedd", "graph": "absorb"},
    "cedd-uniform": {"objective": "cedd", "graph": "uniform"},
    "cedd-roulette": {"objective": "cedd", "graph": "roulette", "p_m": 0.95},
    "rdlm": {"objective": "rdlm"},
}


def write_logits_golden(model, path, seed, cond_kind="none"):
    golden = []
    first = "input_vec" if model.cfg.sphere_base else "input_ids"
    for ids, pos, cond in random_cases(model.cfg.vocab_size, model.cfg.max_length, seed=seed, cond_kind=cond_kind,
                                       cfg=model.cfg):
        with torch.no_grad():
            logits = model(ids, pos, cond)
        golden.append({first: ids.tolist(), "positions": pos.tolist(),
                       **({} if cond is None else {"cond": [float(c) for c in cond]}),
                       "logits": rounded(logits)})
    with open(path, "w") as f:
        json.dump({"atol": 1e-4, "note": "logits [B][Q][V] from PyTorch (fp32, fp16-rounded weights)",
                   "cases": golden}, f)


def family_fixture(name, spec, tok_path, out_dir, seed):
    """One random-weight model folder of a family; returns its meta."""
    fam = Family.from_config(spec)
    torch.manual_seed(seed)
    vocab = vocab_of(tok_path)
    sphere = {}
    if fam.objective == "rdlm":
        from .rdlm import SphereLayout
        layout = SphereLayout.for_vocab(vocab, fam.base)
        sphere = {"sphere_base": layout.base, "sphere_digits": layout.digits, "tie_embeddings": False}
    cfg = ModelConfig(vocab_size=vocab, n_layer=2, n_head=2, n_embd=32, max_length=64, cond_kind=fam.cond_kind,
                      sigma_shift=fam.sigma_shift, cond_dim=32, **sphere)
    model = Denoiser(cfg)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n.startswith(("cond_embed", "ada_f")) or ".ada." in n:
                p.normal_(0.0, 0.1)
    model = round_weights_fp16(model)
    state = None
    if fam.objective == "genmd4":
        obj = GenMD4(fam.schedule, cfg.vocab_size, T.MASK_ID)
        with torch.no_grad():
            obj.w_param.add_(0.5 * torch.randn(cfg.vocab_size))
        state = obj.state_dict()
    card = (f"# {name} (test fixture)\n\nRandom weights in the `{fam.meta_family}` family's format "
            f"(graph {fam.graph}, output {fam.output_kind}, cond {fam.cond_kind}). Made by "
            "`cd training && python3 -m diffuse.make_fixture --only=families`.\n")
    meta = write_model_folder(model, tok_path, out_dir, name, card=card, family_meta=fam.meta(state), context_cache=False,
                              training={"note": "random weights, test fixture", "seed": seed, "spec": spec})
    write_logits_golden(model, os.path.join(out_dir, "logits-golden.json"), seed, fam.cond_kind)
    return meta


def rounded(logits):
    return [[[round(float(v), 6) for v in row] for row in q] for q in logits]


def cached_golden_case(model, ids, hole, changed, pos_in_hole):
    """A refresh on ids [B, L] keeping the context (every position outside `hole`), then a cached call
    of the hole's rows on `changed` (ids with some hole tokens revealed). -> the golden case: both
    canvases, the hole, the queried canvas positions, PyTorch's cached logits and (for comparison
    only: the cache is approximate) the full recompute's."""
    B, L = ids.shape
    context = torch.tensor([p for p in range(L) if p not in hole])
    hole_t = torch.tensor(hole)
    with torch.no_grad():
        _, keys, values = model.forward_cached(ids, torch.arange(L).expand(B, L), None, *empty_past(model.cfg, B))
        past = keys[:, :, :, context], values[:, :, :, context]
        within = torch.tensor(pos_in_hole).expand(B, -1)
        cached, _, _ = model.forward_cached(changed[:, hole_t], hole_t.expand(B, -1), within, *past)
        full = model(changed, hole_t[within])
    return {"refresh_ids": ids.tolist(), "input_ids": changed.tolist(), "fresh": hole,
            "positions": hole_t[within].tolist(), "logits": rounded(cached), "full_logits": rounded(full)}


def write_context_cache_fixture(out):
    """test/fixtures/tiny-model-kv/ (see the module doc)."""
    tok_path = os.path.join(out, "tiny-model", "tokenizer.json")
    out_dir = os.path.join(out, "tiny-model-kv")
    torch.manual_seed(4321)
    cfg = ModelConfig(vocab_size=vocab_of(tok_path), n_layer=2, n_head=2, n_embd=32, max_length=64)
    model = round_weights_fp16(Denoiser(cfg))
    card = ("# tiny-model-kv (test fixture)\n\nRandom weights, the tiny-model's shape and tokenizer, exported as the "
            "context-cache graph (meta.json `context_cache`). Made by "
            "`cd training && python3 -m diffuse.make_fixture --only=context-cache`.\n")
    meta = write_model_folder(model, tok_path, out_dir, "tiny-model-kv", card=card, context_cache=True,
                              training={"note": "random weights, test fixture", "seed": 4321})
    write_logits_golden(model, os.path.join(out_dir, "logits-golden.json"), seed=11)
    with open(os.path.join(out_dir, "logits-golden.json")) as f:
        golden = json.load(f)
    g = torch.Generator().manual_seed(12)
    ids = torch.randint(3, cfg.vocab_size, (2, 24), generator=g)
    hole = list(range(9, 17))
    ids[:, hole] = T.MASK_ID
    changed = ids.clone()
    changed[0, [9, 12]] = torch.tensor([40, 41])
    changed[1, [16]] = torch.tensor([42])
    golden["cached_cases"] = [cached_golden_case(model, ids, hole, changed, [0, 2, 5, 7])]
    golden["note"] += "; cached_cases: a refresh on refresh_ids, then the fresh rows of input_ids against its context"
    with open(os.path.join(out_dir, "logits-golden.json"), "w") as f:
        json.dump(golden, f)
    # the same weights as the fused graph (export --fused): its test reads this folder's golden
    fused_dir = os.path.join(out, "tiny-model-kv-fused")
    card = ("# tiny-model-kv-fused (test fixture)\n\ntiny-model-kv's weights, exported with onnxruntime's fused operators "
            "(`diffuse.export --fused`); its goldens are tiny-model-kv's. Made by "
            "`cd training && python3 -m diffuse.make_fixture --only=context-cache`.\n")
    fused = write_model_folder(model, tok_path, fused_dir, "tiny-model-kv-fused", card=card, context_cache=True, fused=True,
                               training={"note": "random weights, test fixture", "seed": 4321})
    shared_dir = os.path.join(out, "tiny-model-kv-shared")
    card = ("# tiny-model-kv-shared (test fixture)\n\ntiny-model-kv's weights, exported fused with a shared past "
            "(`diffuse.export --fused --shared_past`: one context of batch 1 for every row). Made by "
            "`cd training && python3 -m diffuse.make_fixture --only=context-cache`.\n")
    shared = write_model_folder(model, tok_path, shared_dir, "tiny-model-kv-shared", card=card, context_cache=True, fused=True,
                                shared_past=True, training={"note": "random weights, test fixture", "seed": 4321})
    folders = (out_dir, fused_dir, shared_dir)
    return {"bytes": sum(os.path.getsize(os.path.join(d, f)) for d in folders for f in os.listdir(d)),
            "parity": meta["results"].get("onnx_parity_max_abs_diff"),
            "fused_parity": fused["results"].get("onnx_parity_max_abs_diff"),
            "shared_parity": shared["results"].get("onnx_parity_max_abs_diff")}


# Chat-template text, where a tokenizer learns `<|` merges: cutting a special token's spelling
# before encoding would then split what plain text keeps whole, so the goldens need such a tokenizer.
SPECIAL_MERGE_TEXTS = ["<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", "x = '<|fim_prefix|>' + s + '<|fim_middle|>'\n"]


def write_special_merge_tokenizer(out):
    """test/fixtures/special-merge-tokenizer.json: a small tokenizer with `<|` among its merges."""
    tok = T.train_tokenizer(SPECIAL_MERGE_TEXTS * 50 + TRICKY, vocab_size=300)
    assert any(m in (["<", "|"], "< |") for m in json.loads(tok.to_str())["model"]["merges"]), "no <| merge"
    path = os.path.join(out, "special-merge-tokenizer.json")
    tok.save(path)
    return path


def write_tokenizer_golden(out, model_dir, extras=()):
    """test/fixtures/tokenizer-golden.json: golden_cases of tiny-model's tokenizer, the special-merge
    tokenizer and `extras`."""
    paths = [os.path.join(model_dir, "tokenizer.json"), write_special_merge_tokenizer(out), *extras]
    cases = [c for p in paths for c in golden_cases(p, os.path.relpath(os.path.abspath(p), REPO))]
    path = os.path.join(out, "tokenizer-golden.json")
    with open(path, "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return path


def golden_cases(path, rel_path):
    """Each tricky text's ids as the library encodes it (`ids`, special spellings matched) and as a
    document is encoded (`text_ids`, T.load_for_text: the engine's encodeText must agree)."""
    tok, text_tok = T.load(path), T.load_for_text(path)
    cases = []
    for text in TRICKY:
        ids, text_ids = T.encode(tok, text), T.encode(text_tok, text)
        assert T.decode(tok, ids) == text and T.decode(tok, text_ids) == text, repr(text)
        cases.append({"tokenizer": rel_path, "text": text, "ids": ids, "text_ids": text_ids})
    return cases


# (completion, expected) pairs for the scorer's golden: trailing whitespace, empty sides, one edit,
# and characters outside the BMP, which Python counts as one and UTF-16 as two.
SCORE_CASES = [
    ("return x", "return x"), ("return x  \n", "return x"), ("", "pass"), ("pass", ""), ("", ""),
    ("kitten", "sitting"), ("for i in range(n):", "for j in range(n):"), ("a\n    b", "a\n\tb"),
    ("print('🙂')", "print('🙃')"), ("x = '😀😀'", "x = '😀'"), ("naïve", "naive"), ("    ", "x"),
]


def write_score_golden(out):
    """test/fixtures/score-golden.json: evaluate.py's exact match and edit similarity of SCORE_CASES."""
    from .evaluate import edit_similarity, exact_match
    path = os.path.join(out, "score-golden.json")
    cases = [{"completion": c, "expected": e, "exact_match": exact_match(c, e),
              "edit_similarity": edit_similarity(c.rstrip(), e.rstrip())} for c, e in SCORE_CASES]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return path


def write_contract_table(out):
    """test/fixtures/families/contract.json: the trained rows of the families contract."""
    path = os.path.join(out, "families", "contract.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(trained_combinations(), f, indent=1)
        f.write("\n")
    return path


def write_family_fixtures(out):
    """test/fixtures/families/<name>/ for every FAMILY_FIXTURES entry, with tiny-model's tokenizer,
    and the contract table beside them."""
    write_contract_table(out)
    tok_path = os.path.join(out, "tiny-model", "tokenizer.json")
    report = {}
    for i, (name, spec) in enumerate(FAMILY_FIXTURES.items()):
        d = os.path.join(out, "families", name)
        meta = family_fixture(name, spec, tok_path, d, seed=100 + i)
        report[name] = {"bytes": sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)),
                        "parity": meta["results"].get("onnx_parity_max_abs_diff")}
    return report


@dataclass
class FixtureOptions:
    out: str = os.path.join(REPO, "test", "fixtures")
    tokenizer: str = ""              # more tokenizer.json files for the tokenizer goldens, comma-separated
    only: str = ""                   # "families" (keep tiny-model as it is), "contract", "scores", "context-cache" or "tokenizers" (that alone)


def main(argv):
    args = parse_options(FixtureOptions, argv, "diffuse.make_fixture")
    out = os.path.abspath(args.out)
    extra_tokenizers = list(filter(None, args.tokenizer.split(",")))
    if args.only not in ("", "families", "contract", "scores", "context-cache", "tokenizers"):
        raise SystemExit(f"diffuse.make_fixture: --only takes families, contract, scores, context-cache or tokenizers, got {args.only!r}")
    if args.only == "contract":
        print(json.dumps({"wrote": write_contract_table(out)}))
        return
    if args.only == "scores":
        print(json.dumps({"wrote": write_score_golden(out)}))
        return
    if args.only == "families":
        print(json.dumps(write_family_fixtures(out)))
        return
    if args.only == "context-cache":
        print(json.dumps(write_context_cache_fixture(out)))
        return
    if args.only == "tokenizers":
        print(json.dumps({"wrote": write_tokenizer_golden(out, os.path.join(out, "tiny-model"), extra_tokenizers)}))
        return
    model_dir = os.path.join(out, "tiny-model")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1234)

    tok = T.train_tokenizer(fixture_tokenizer_texts(), vocab_size=1024)
    tok_path = os.path.join(out, ".tiny-tokenizer.json")
    tok.save(tok_path)
    cfg = ModelConfig(vocab_size=tok.get_vocab_size(), n_layer=2, n_head=2, n_embd=32, max_length=64)
    model = round_weights_fp16(Denoiser(cfg))
    card = (
        "# tiny-model (test fixture)\n\n"
        "Random weights: it fills holes with noise. It exists so the TypeScript tests exercise the real\n"
        "loading, tokenizing and sampling path. Made by `cd training && python3 -m diffuse.make_fixture`.\n\n"
        f"- denoiser: d={cfg.n_embd}, {cfg.n_layer} layers, {cfg.n_head} heads, tied embeddings, "
        f"max_length {cfg.max_length}, seed 1234\n"
        f"- tokenizer: byte-level BPE, vocab {cfg.vocab_size}, trained by the Python `tokenizers` "
        "library on this repo's training/*.py, docs/*.md and TypeScript's lib.es5.d.ts\n"
        "- weights stored as fp16 initializers + Cast to fp32 (as in the bundled model)\n"
        "- logits-golden.json: PyTorch's logits for fixed (input_ids, positions); "
        "onnxruntime-node should match within 1e-4\n")
    meta = write_model_folder(model, tok_path, model_dir, "tiny-model",
                              training={"note": "random weights, test fixture", "seed": 1234},
                              results={}, card=card, context_cache=False)
    os.remove(tok_path)

    write_logits_golden(model, os.path.join(model_dir, "logits-golden.json"), seed=7)

    write_tokenizer_golden(out, model_dir, extra_tokenizers)
    write_score_golden(out)
    sizes = {fn: os.path.getsize(os.path.join(model_dir, fn)) for fn in sorted(os.listdir(model_dir))}
    print(json.dumps({"fixture": model_dir, "parameters": meta["parameters"], "bytes": sizes,
                      "parity": meta["results"].get("onnx_parity_max_abs_diff"),
                      "families": write_family_fixtures(out), "context_cache": write_context_cache_fixture(out)}))


if __name__ == "__main__":
    main(sys.argv[1:])
