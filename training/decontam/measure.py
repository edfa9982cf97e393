"""How much of MBPP a decontamination hash file catches, and how many ordinary files it drops.

    cd training && python3 decontam/measure.py /path/to/mbpp.jsonl [--hashes=decontam/mbpp_13gram_hashes.txt.gz] \
        [--ordinary=/usr/lib/python3.11] [--depth=1] [--black=/path/with/black]

For every task (and for the test split, tasks 11-510), whether diffuse.corpus's check
(load_decontam(...).reason, as the corpus builder runs it) drops a file holding the task's program:
verbatim, reformatted (black when importable, ast.unparse), with its quotes swapped, with no space
after commas, followed by its asserts, or the asserts alone. Then the files of the --ordinary
folders it drops (files at most --depth folders down: 1 is a folder's top-level files), which hold
no MBPP program: the false positives, with the tasks they match. Prints one JSON object.
"""
import ast
import json
import os
import re
import sys
from dataclasses import dataclass, field

sys.path.insert(0, __file__.rsplit("/decontam/", 1)[0])
from diffuse.corpus import DEFAULT_DECONTAM, decontam_tokens, load_decontam, ngram_hashes, token_hashes  # noqa: E402


@dataclass
class MeasureOptions:
    mbpp: str
    hashes: str = DEFAULT_DECONTAM
    ordinary: list = field(default_factory=list)   # --ordinary=DIR, repeated
    depth: int = 1
    black: str = ""                                # a folder to import black from


def norm(code):
    return code.replace("\r\n", "\n").replace("\r", "\n")


def variants(black=None):
    def unparse(t):
        try:
            return ast.unparse(ast.parse(norm(t["code"])))
        except SyntaxError:
            return None

    def blacken(t):
        try:
            return black.format_str(norm(t["code"]), mode=black.Mode())
        except Exception:   # black.InvalidInput and its kin
            return None
    v = {"verbatim": lambda t: norm(t["code"]),
         "ast_unparse": unparse,
         "quotes_swapped": lambda t: norm(t["code"]).translate(str.maketrans("'\"", "\"'")),
         "no_space_after_commas": lambda t: re.sub(r",\s+", ",", norm(t["code"])),
         "program+asserts": lambda t: norm(t["code"]) + "\n\n" + "\n".join(t["test_list"]) + "\n",
         "asserts": lambda t: "\n".join(t["test_list"]) + "\n"}
    if black is not None:
        v["black"] = blacken
    return v


def ordinary_files(dirs, depth):
    out = []
    for d in dirs:
        for dirpath, dirnames, filenames in os.walk(d):
            rel = os.path.relpath(dirpath, d)
            level = 0 if rel == "." else rel.count(os.sep) + 1    # folders below d
            dirnames[:] = [] if level + 1 >= depth else sorted(x for x in dirnames if x != "__pycache__")
            out += [os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".py")]
    return out


def matches(bench, text, index):
    """The task ids whose n-grams text shares (index: hash -> task ids)."""
    tokens = decontam_tokens(text)
    if len(tokens) < bench.n:
        return set()
    return set().union(*[index.get(h, ()) for h in ngram_hashes(token_hashes(tokens), bench.n).tolist()])


def main(argv):
    from diffuse.options import parse_options
    o = parse_options(MeasureOptions, argv, "decontam/measure.py", positional=("mbpp",))
    black = None
    try:
        if o.black:
            sys.path.insert(0, o.black)
        import black
    except ImportError:
        pass
    with open(o.mbpp) as f:
        tasks = [json.loads(line) for line in f if line.strip()]
    bench = load_decontam(o.hashes)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_hashes import informative_ngram_hashes, split_of, task_text
    have = set(bench.hashes.tolist())
    index = {}
    for t in tasks:   # which task an n-gram of the file comes from (the file holds hashes only)
        for h in informative_ngram_hashes(task_text(t), bench.n) & have:
            index.setdefault(h, set()).add(t["task_id"])
    out = {"hashes": bench.describe(), "tasks": len(tasks),
           "test_tasks": sum(split_of(t["task_id"]) == "test" for t in tasks), "caught": {}, "caught_test": {}}
    for name, make in variants(black).items():
        texts = [(t["task_id"], make(t)) for t in tasks]
        hit = [i for i, x in texts if x is not None and bench.reason(x)]
        out["caught"][name] = f"{len(hit)}/{sum(x is not None for _, x in texts)}"
        test = lambda i: split_of(i) == "test"   # noqa: E731
        out["caught_test"][name] = f"{sum(map(test, hit))}/{sum(x is not None and test(i) for i, x in texts)}"
    files = ordinary_files(o.ordinary, o.depth)
    dropped = []
    for p in files:
        try:
            with open(p, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        if bench.reason(text):
            dropped.append([p, sorted(matches(bench, text, index))])
    out["ordinary"] = {"files": len(files), "dropped": len(dropped), "paths": dropped}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
