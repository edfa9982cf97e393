"""The decontamination hash file: 64-bit hashes of every 13-gram of MBPP's programs and tests.

    cd training && python3 decontam/make_hashes.py /path/to/mbpp.jsonl > decontam/mbpp_13gram_hashes.txt.gz

Tokens are the whitespace-separated words of each task's `code`, `test_setup_code`, `test_list` and
`challenge_test_list` (each program, and each test line, on its own), hashed exactly as
diffuse.corpus hashes a file's 13-grams (corpus.ngram_hashes): the GPU machine, which never sees
the benchmark, loads only these hashes. One hex hash a line, sorted; gzip without a timestamp.
A 13-gram of fewer than MIN_DISTINCT different words is left out: task 380's expected output holds
runs of thirteen `0,`, which dropped every file with a zero table as contaminated (26 of the 73
files of the algorithmic extension that shared a 13-gram, training/pypi-corpus/README.md).
"""
import gzip
import json
import sys

sys.path.insert(0, __file__.rsplit("/decontam/", 1)[0])
from diffuse.corpus import ngram_hashes, token_hashes  # noqa: E402

MIN_DISTINCT = 4


def informative_ngram_hashes(text, n):
    """The hashes of the n-grams of text's words that hold at least MIN_DISTINCT different words."""
    words = text.split()
    return {h for i, h in enumerate(ngram_hashes(token_hashes(words), n).tolist())
            if len(set(words[i:i + n])) >= MIN_DISTINCT}


def main(path, n=13):
    hashes, tasks = set(), 0
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            tasks += 1
            for text in [t["code"], t.get("test_setup_code") or ""] + t["test_list"] + t.get("challenge_test_list", []):
                hashes |= informative_ngram_hashes(text, n)
    body = f"# {n}-gram hashes of {tasks} MBPP tasks (diffuse.corpus.ngram_hashes, >= {MIN_DISTINCT} distinct words)\n" + \
        "".join(f"{h:016x}\n" for h in sorted(hashes))
    sys.stdout.buffer.write(gzip.compress(body.encode(), mtime=0))
    print(f"{len(hashes)} hashes from {tasks} tasks", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
