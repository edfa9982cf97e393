"""Contamination audit: which files of corpus sources share MBPP material, by the old check and the new.

    cd training && git show bee0874~1:training/decontam/mbpp_13gram_hashes.txt.gz > /tmp/old_hashes.txt.gz
    python3 decontam/audit.py /path/to/mbpp.jsonl --src=npm:DIR --src=pypi:DIR \
        --old_hashes=/tmp/old_hashes.txt.gz [--parts=DIR] [--kept=KEPT.txt] --out=audit.json

Every file the corpus builder reads (diffuse.corpus._walk, less the files its path drops) is checked
by the NEW check (load_decontam(decontam/mbpp_13gram_hashes.txt.gz).reason: code-token n-grams of
programs, setup and tests joined, n the one its header names, 13) and the OLD one (before session 50:
a 13-gram of whitespace words shared with the old hash file, which hashed each program and test
line apart; n read from its first line, '# 13-gram hashes ...'). For each
file either flags: the MBPP tasks it matches (id, split, n-grams shared, the share of the task's
program n-grams it holds, whether it defines a function of the task's name), the package, the
part (--parts: a folder of NAME.txt `tar -t` listings), the reason the builder would drop it
anyway (content, benchmark marker) and, with --kept (a corpus build's --kept_list), whether that
build kept it. With --kept, `trained_coverage` gives each task the share of its program n-grams
that the kept files hold together.
"""
import collections
import json
import os
import re
import sys
from dataclasses import dataclass, field
from multiprocessing import get_context

sys.path.insert(0, __file__.rsplit("/decontam/", 1)[0])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diffuse import corpus as C  # noqa: E402
from make_hashes import informative_ngram_hashes, split_of, task_text  # noqa: E402


@dataclass
class AuditOptions:
    mbpp: str
    old_hashes: str                                  # the hash file of before session 50 (whitespace words)
    sources: list = field(default_factory=list, metadata={"flag": "src"})   # NAME:DIR, as the builder's
    hashes: str = C.DEFAULT_DECONTAM
    parts: str = ""
    kept: str = ""
    bench: str = ""                                  # with --kept: the MBPP-Infill folder (its *.jsonl holes)
    fills: str = ""                                  # with --bench: a test run's fills (bench/mbpp.js)
    out: str = "audit.json"
    workers: int = 2


_G = {}


def _setup(o):
    import numpy as np
    with open(o.mbpp) as f:
        tasks = {t["task_id"]: t for t in map(json.loads, f)}
    new = C.load_decontam(o.hashes)
    import gzip
    with gzip.open(o.old_hashes, "rt") as f:     # the old format: '# 13-gram hashes ...', then one hex hash a line
        first = f.readline()
        m = re.match(r"# (\d+)-gram hashes", first)
        if not m:
            raise ValueError(f"{o.old_hashes}: no '# N-gram hashes' first line (the hash file of before session 50?)")
        old_n = int(m.group(1))
        old = np.array(sorted({int(x, 16) for x in f if x.strip() and not x.startswith("#")}), dtype=np.uint64)
    have, old_have = set(new.hashes.tolist()), set(old.tolist())
    new_index, old_index, program = collections.defaultdict(set), collections.defaultdict(set), {}
    for i, t in tasks.items():
        for h in informative_ngram_hashes(task_text(t), new.n) & have:
            new_index[h].add(i)
        program[i] = informative_ngram_hashes(t["code"], new.n) & have
        for text in [t["code"], t.get("test_setup_code") or ""] + t["test_list"] + t.get("challenge_test_list", []):
            words = text.split()   # the old make_hashes: each text apart, whitespace words, >= 4 different
            if len(words) >= old_n:
                for j, h in enumerate(C.ngram_hashes(C.token_hashes(words), old_n).tolist()):
                    if h in old_have and len(set(words[j:j + old_n])) >= 4:
                        old_index[h].add(i)
    names = {i: {n.lower() for n in re.findall(r"def\s+(\w+)", t["code"])} for i, t in tasks.items()}
    _G.update(new=new, old=old, old_n=old_n, new_index=new_index, old_index=old_index, program=program, names=names)


def _check(item):
    src, path, rel = item
    try:
        with open(path, "rb") as f:
            data = f.read(C.CorpusConfig.max_bytes + 1)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None                      # unreadable or binary: the builder drops it before the check
    out = {}
    words, old_n, n = text.split(), _G["old_n"], _G["new"].n
    if len(words) >= old_n:
        hs = C.ngram_hashes(C.token_hashes(words), old_n)
        if C.shares_ngram(hs, _G["old"]):
            c = collections.Counter(i for h in set(hs.tolist()) for i in _G["old_index"].get(h, ()))
            out["old"] = {str(i): {"split": split_of(i), "ngrams": k} for i, k in sorted(c.items())}
    why = _G["new"].reason(text)
    if why:
        tokens = C.decontam_tokens(text)
        hs = set(C.ngram_hashes(C.token_hashes(tokens), n).tolist()) if len(tokens) >= n else set()
        c = collections.Counter(i for h in hs for i in _G["new_index"].get(h, ()))
        defs = set(re.findall(r"def\s+(\w+)", text.lower()))
        out["new"] = {"reason": why, "program_ngrams": sorted(h for h in hs if any(h in _G["program"][i] for i in c)),
                      "tasks": {str(i): {"split": split_of(i), "ngrams": k,
                                         "program_share": round(len(hs & _G["program"][i]) / max(1, len(_G["program"][i])), 2),
                                         "same_name": sorted(_G["names"][i] & defs)} for i, k in sorted(c.items())}}
    if not out:
        return None
    out.update(src=src, rel=rel, package=rel.split(os.sep)[0], bytes=len(data),
               content=C.content_reject_reason(path, rel, data, C.CorpusConfig()), marker=C.marker_of(text))
    return out


def seen_holes(bench, seen, n, fills=""):
    """Per kind of MBPP-Infill: the test holes whose target's tokens all lie in n-grams of `seen`
    (program n-gram hashes found in kept files, n the hash file's), and with fills how many passed,
    there and elsewhere."""
    passed = {}
    if fills:
        with open(fills) as f:
            passed = {r["task_id"]: r["passed"] for r in map(json.loads, f)}
    out = {}
    for kind in ("single_line", "random_span_light", "multi_line_light"):
        path = os.path.join(bench, f"{kind}.jsonl")
        if not os.path.exists(path):
            continue
        inside, rest, tasks = [], [], set()
        with open(path) as f:
            for h in map(json.loads, f):
                if h["split"] != "test" or (passed and h["task_id"] not in passed):
                    continue
                pre, can, suf = (C.decontam_tokens(h[k]) for k in ("prefix", "canonical", "suffix"))
                tokens, covered = pre + can + suf, set()
                if len(tokens) >= n:
                    for i, g in enumerate(C.ngram_hashes(C.token_hashes(tokens), n).tolist()):
                        if g in seen:
                            covered.update(range(i, i + n))
                if can and all(j in covered for j in range(len(pre), len(pre) + len(can))):
                    inside.append(h["task_id"])
                    tasks.add(h["mbpp_task_id"])
                else:
                    rest.append(h["task_id"])
        out[kind] = {"holes": len(inside) + len(rest), "inside_seen": len(inside), "tasks": sorted(tasks)}
        if passed:
            out[kind].update(passed_inside=sum(passed[i] for i in inside), passed_rest=sum(passed[i] for i in rest))
    return out


def main(argv):
    from diffuse.options import parse_options
    o = parse_options(AuditOptions, argv, "decontam/audit.py", positional=("mbpp",))
    _setup(o)
    part_of = {}
    if o.parts:
        for fn in sorted(os.listdir(o.parts)):
            if fn.endswith(".txt"):
                with open(os.path.join(o.parts, fn)) as f:
                    for line in f:
                        p = line.strip().split("/")
                        if len(p) > 2 and p[1]:
                            part_of.setdefault((p[0], p[1]), fn[:-4])
    kept = None
    if o.kept:
        with open(o.kept) as f:
            kept = {line.strip() for line in f}
    items, stats = [], collections.Counter()
    for spec in o.sources:
        name, root = spec.split(":", 1)
        for path, rel in C._walk(os.path.abspath(root), C.extensions_of(name, C.LANGUAGE_SOURCES), {}):
            stats[f"{name}:candidates"] += 1
            if C.path_reject_reason(path, rel):
                continue
            stats[f"{name}:read"] += 1
            items.append((name, path, rel))
    with get_context("fork").Pool(o.workers) as pool:
        flagged = [r for r in pool.imap(_check, items, chunksize=64) if r]
    for r in flagged:
        top = os.path.basename(dict(s.split(":", 1) for s in o.sources)[r["src"]].rstrip("/"))
        r["part"] = part_of.get((top, r["package"]), r["src"])
        if kept is not None:
            r["kept_by_build"] = f"{r['src']}/{r['rel']}" in kept
    summary = {"files": dict(stats), "flagged_old": sum("old" in r for r in flagged),
               "flagged_new": sum("new" in r for r in flagged),
               "flagged_both": sum("old" in r and "new" in r for r in flagged)}
    for key in ("old", "new"):
        summary[f"{key}_by_part"] = dict(collections.Counter(r["part"] for r in flagged if key in r).most_common())
        summary[f"{key}_tasks_by_split"] = dict(collections.Counter(
            split_of(int(i)) for i in {i for r in flagged if key in r for i in r[key].get("tasks", r[key])}))
    if kept is not None:
        trained = [r for r in flagged if "new" in r and r["kept_by_build"]]
        summary["new_and_kept_by_build"] = len(trained)
        summary["new_and_kept_by_part"] = dict(collections.Counter(r["part"] for r in trained).most_common())
        seen = set(h for r in trained for h in r["new"]["program_ngrams"])
        cov = {i: round(len(seen & p) / len(p), 2) for i, p in _G["program"].items() if p and seen & p}
        summary["trained_coverage"] = {str(i): {"split": split_of(i), "program_share": s}
                                       for i, s in sorted(cov.items(), key=lambda kv: -kv[1])}
        if o.bench:
            summary["seen_holes"] = seen_holes(o.bench, seen, _G["new"].n, o.fills)
    with open(o.out, "w") as f:
        json.dump({"summary": summary, "flagged": flagged}, f, indent=1)
    print(json.dumps({k: v for k, v in summary.items() if k != "trained_coverage"}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
