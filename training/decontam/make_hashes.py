"""The decontamination hash file: 64-bit hashes of the informative 13-grams of MBPP's tasks.

    cd training && python3 decontam/make_hashes.py /path/to/mbpp.jsonl \
        --background=/usr/lib/python3.11 --background=/usr/lib/python3/dist-packages \
        > decontam/mbpp_13gram_hashes.txt.gz

Tokens are diffuse.corpus.decontam_tokens (scheme `code1`: words and single other characters,
lower-cased, double quotes read as single ones, so reformatting a program does not hide it) of each
task's `code`, `test_setup_code`, `test_list` and `challenge_test_list` joined by newlines, so an
n-gram that runs from the program into its tests, or across two asserts, is in the file as well as
those of the program alone (session 50: before, each program and each assert line was hashed on its
own, as whitespace words). The n-grams are hashed exactly as diffuse.corpus hashes a file's
(ngram_hashes): the GPU machine, which never sees the benchmark, loads only these hashes.

Left out, as too common to say anything: an n-gram of fewer than MIN_DISTINCT different tokens (task
380's expected output holds runs of `0,`, which dropped every file with a zero table), or of fewer
than MIN_NAMES different names outside one-word string literals (number lists `1, 2, 3, ...` and
letter lists `'a', 'b', 'c', ...` of the asserts), and one found in any Python file of the
`--background` folders (ordinary code that holds no MBPP program: idioms such as
`sorted(d.items(), key=lambda x: x[1])`). A program shorter than n tokens gets the hash of its whole
token sequence, on a line of its own after `=`: a file whose tokens are exactly that program is dropped.

The first line is the header diffuse.corpus.load_decontam checks: `# diffuse-decontam n=13
tokens=code1 ...`; the builder refuses a file whose n or tokens differ from what it computes.
One hex hash a line after it, sorted; gzip without a timestamp. Measured rates: training/README.md.
"""
import gzip
import json
import os
import re
import sys
from dataclasses import dataclass, field

sys.path.insert(0, __file__.rsplit("/decontam/", 1)[0])
from diffuse.corpus import (DECONTAM_TOKENS, HASH_FILE_MAGIC, decontam_tokens, ngram_hashes,  # noqa: E402
                            token_hashes, whole_hash)

MIN_DISTINCT = 4
MIN_NAMES = 2
NAME = re.compile(r"[^\W\d]\w*")
MAX_BACKGROUND_BYTES = 256 * 1024


@dataclass
class HashOptions:
    mbpp: str                        # the tasks, one JSON object a line (MBPP's fields)
    n: int = 13                      # tokens per n-gram
    background: list = field(default_factory=list)   # --background=DIR, repeated: code without MBPP
    out: str = ""                    # the hash file ('' : standard output)


def split_of(task_id):
    """MBPP's own split of a task id: prompt 1-10, test 11-510, validation 511-600, train 601-974."""
    return "prompt" if task_id <= 10 else "test" if task_id <= 510 else "validation" if task_id <= 600 else "train"


def task_text(t):
    """A task's program, setup and tests, joined by newlines (line ends normalised)."""
    parts = [t["code"], t.get("test_setup_code") or ""] + list(t["test_list"]) + list(t.get("challenge_test_list") or [])
    return "\n".join(p.replace("\r\n", "\n").replace("\r", "\n") for p in parts)


def name_flags(tokens):
    """Whether each token is a name: a word not starting with a digit, and not a word that stands
    alone between quotes (`'a'`, a string)."""
    last = len(tokens) - 1
    return [bool(NAME.fullmatch(x)) and not (0 < i < last and tokens[i - 1] == "'" and tokens[i + 1] == "'")
            for i, x in enumerate(tokens)]


def informative(gram, flags):
    """Whether an n-gram says enough to drop a file: MIN_DISTINCT different tokens, MIN_NAMES names."""
    return len(set(gram)) >= MIN_DISTINCT and len({x for x, f in zip(gram, flags) if f}) >= MIN_NAMES


def informative_ngrams(text, n):
    """{hash: n-gram} of the informative n-grams of text's decontamination tokens."""
    tokens = decontam_tokens(text)
    if len(tokens) < n:
        return {}
    flags = name_flags(tokens)
    return {h: tuple(tokens[i:i + n]) for i, h in enumerate(ngram_hashes(token_hashes(tokens), n).tolist())
            if informative(tokens[i:i + n], flags[i:i + n])}


def informative_ngram_hashes(text, n):
    return set(informative_ngrams(text, n))


def background_files(dirs):
    """The Python files under dirs, sorted, links and files over MAX_BACKGROUND_BYTES left out."""
    out = []
    for d in dirs:
        for dirpath, dirnames, filenames in os.walk(d):
            dirnames[:] = sorted(x for x in dirnames if x != "__pycache__")
            for fn in sorted(filenames):
                p = os.path.join(dirpath, fn)
                if fn.endswith(".py") and not os.path.islink(p) and os.path.getsize(p) <= MAX_BACKGROUND_BYTES:
                    out.append(p)
    return out


def found_in(files, n, wanted):
    """The hashes of `wanted` (a set) that the n-grams of any of files hold."""
    import numpy as np
    want = np.array(sorted(wanted), dtype=np.uint64)
    found, cache = set(), {}
    for p in files:
        try:
            with open(p, encoding="utf-8") as f:
                th = token_hashes(decontam_tokens(f.read()), cache)
        except (OSError, UnicodeDecodeError):
            continue
        if len(cache) > 1_000_000:
            cache.clear()
        if len(th) >= n:
            hs = np.unique(ngram_hashes(th, n))
            found.update(hs[np.isin(hs, want)].tolist())
    return found


def hash_file(tasks, n=13, background=()):
    """(the hash file's bytes, its header fields) for the tasks (dicts of MBPP's fields)."""
    grams, programs = set(), set()
    for t in tasks:
        grams |= informative_ngram_hashes(task_text(t), n)
        tokens = decontam_tokens(t["code"])
        if 0 < len(tokens) < n:
            programs.add(whole_hash(token_hashes(tokens)))
    files = background_files(background)
    common = found_in(files, n, grams) if files else set()
    grams -= common
    header = {"n": n, "tokens": DECONTAM_TOKENS, "min_distinct": MIN_DISTINCT, "min_names": MIN_NAMES,
              "tasks": len(tasks), "ngrams": len(grams), "programs": len(programs),
              "background_files": len(files), "background_dropped": len(common)}
    body = (HASH_FILE_MAGIC + " " + " ".join(f"{k}={v}" for k, v in header.items()) + "\n"
            + f"# informative {n}-grams of MBPP's programs+setup+tests (diffuse.corpus.decontam_tokens, "
            + "ngram_hashes), less those found in the background: " + ", ".join(background or ["none"]) + "\n"
            + "".join(f"{h:016x}\n" for h in sorted(grams)) + "".join(f"={h:016x}\n" for h in sorted(programs)))
    return gzip.compress(body.encode(), mtime=0), header


def main(argv):
    from diffuse.options import parse_options
    o = parse_options(HashOptions, argv, "decontam/make_hashes.py", positional=("mbpp",))
    with open(o.mbpp) as f:
        tasks = [json.loads(line) for line in f if line.strip()]
    data, header = hash_file(tasks, o.n, o.background)
    if o.out:
        with open(o.out, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)
    print(json.dumps(header), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
