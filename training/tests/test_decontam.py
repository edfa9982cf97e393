"""Decontamination against MBPP: the hash file (decontam/make_hashes.py) and the corpus builder's check."""
import ast
import gzip
import importlib.util
import json
import os

import pytest

pytest.importorskip("datasketch")   # diffuse.corpus.build's near-duplicate step

from diffuse.corpus import CorpusConfig, build, load_decontam, read_split  # noqa: E402


def make_hashes_module():
    path = os.path.join(os.path.dirname(__file__), "..", "decontam", "make_hashes.py")
    spec = importlib.util.spec_from_file_location("make_hashes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# tasks as MBPP writes them: CRLF line ends, tabs, a program under 13 whitespace words, asserts apart
TASKS = [
    {"task_id": 1, "code": "def similar_elements(test_tup1, test_tup2):\r\n  res = tuple(set(test_tup1) & set(test_tup2))\r\n  return (res) ",
     "test_setup_code": "", "challenge_test_list": [],
     "test_list": ["assert similar_elements((3, 4, 5, 6),(5, 7, 4, 10)) == (4, 5)",
                   "assert similar_elements((1, 2, 3, 4),(5, 4, 3, 7)) == (3, 4)"]},
    {"task_id": 2, "code": "def remove_Occ(s,ch): \r\n    s = s.replace(ch, \"\")\r\n    return s ",   # 11 words
     "test_setup_code": "", "challenge_test_list": [],
     "test_list": ["assert remove_Occ(\"hello\",\"l\") == \"heo\"", "assert remove_Occ(\"abcda\",\"a\") == \"bcd\""]},
    {"task_id": 3, "code": "def lcopy(xs):\n  return xs[:]\n",                              # 11 code tokens
     "test_setup_code": "", "challenge_test_list": [],
     "test_list": ["assert lcopy([1, 2, 3]) == [1, 2, 3]"]},
]


def other(seed, lines=30):
    return "".join(f"def fn_{seed}_{i}(alpha, beta):\n    return alpha * {i} + beta - {seed * 7 + i}\n"
                   for i in range(lines))


def write_hashes(tmp_path, tasks, **kw):
    data, header = make_hashes_module().hash_file(tasks, **kw)
    path = tmp_path / "hashes.txt.gz"
    path.write_bytes(data)
    return str(path), header


def kept_paths(out):
    return sorted(d["path"] for s in ("train", "val") for d in read_split(str(out), s))


def test_reformatted_programs_programs_with_their_asserts_and_short_programs_are_dropped(tmp_path):
    hashes, header = write_hashes(tmp_path, TASKS)
    assert (header["n"], header["tokens"], header["programs"]) == (13, "code1", 1)   # lcopy: whole-program hash
    code1 = TASKS[0]["code"].replace("\r\n", "\n")
    files = {
        "verbatim.py": other(1) + code1 + "\n",
        # reformatted: spaces after commas gone, double quotes, parentheses dropped (ast.unparse)
        "reformatted.py": other(2) + ast.unparse(ast.parse(code1)).replace("'", '"').replace(", ", ",") + "\n",
        # task 2's program is 11 whitespace words: only its 13-grams into the asserts can catch it
        "with_asserts.py": TASKS[1]["code"].replace("\r\n", "\n") + "\n\n" + "\n".join(TASKS[1]["test_list"]) + "\n",
        "asserts_only.py": other(3) + "\n".join(TASKS[0]["test_list"]) + "\n",
        "short_program.py": "def LCOPY(xs):\n    return xs[:]\n",      # exactly task 3's tokens (case folded)
        "short_in_file.py": other(4) + "def lcopy(xs):\n  return xs[:]\n",   # 11 tokens inside a file: kept
        "unrelated.py": other(5),
    }
    for name, text in files.items():
        (tmp_path / "src" / "p").mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / "p" / name).write_text(text)
    m = build(CorpusConfig(out=str(tmp_path / "out"), sources=[f"s:{tmp_path / 'src'}"], workers=1, min_bytes=0,
                           near_dup_threshold=0, decontam=hashes))
    assert m["filtered"]["mbpp_13gram"] == 4 and m["filtered"]["mbpp_program"] == 1
    assert sorted(p for _, p in m["decontaminated"]["paths"]) == [
        "s/p/asserts_only.py", "s/p/reformatted.py", "s/p/short_program.py", "s/p/verbatim.py", "s/p/with_asserts.py"]
    assert kept_paths(tmp_path / "out") == ["s/p/short_in_file.py", "s/p/unrelated.py"]
    assert m["decontaminated"]["scheme"]["n"] == 13 and m["decontaminated"]["scheme"]["tokens"] == "code1"
    assert m["config"]["decontam_n"] == 0


def test_common_n_grams_are_left_out_of_the_hash_file(tmp_path):
    mh = make_hashes_module()
    task = {"task_id": 9, "test_setup_code": "", "challenge_test_list": [],
            "code": "def sort_counts(d):\n    return sorted(d.items(), key=lambda x: x[1])\n",
            "test_list": ["assert sort_counts({'a': 2, 'b': 1}) == [('b', 1), ('a', 2)]",
                          "assert f(['a', 'b', 'c', 'd', 'e', 'f', 'g']) == [1, 2, 3, 4, 5, 6, 7, 8, 9]"]}
    grams = mh.informative_ngrams(mh.task_text(task), 13)
    # a one-word string is no name, nor a number: the letter and number lists say nothing
    assert not any(set(g) <= set("',[]()=1234567890abcdefg") for g in grams.values())
    assert ("assert", "f", "(", "[", "'", "a", "'", ",", "'", "b", "'", ",", "'") in grams.values()
    # an n-gram found in the background (ordinary code) is left out; the task's others stay
    (tmp_path / "bg").mkdir()
    (tmp_path / "bg" / "lib.py").write_text("def by_value(counts):\n    return sorted(counts.items(), key=lambda x: x[1])\n")
    _, alone = mh.hash_file([task])
    path, header = write_hashes(tmp_path, [task], background=[str(tmp_path / "bg")])
    assert header["background_files"] == 1 and header["background_dropped"] >= 3
    assert header["ngrams"] == alone["ngrams"] - header["background_dropped"]
    bench = load_decontam(path)
    assert bench.reason(task["code"]) == "mbpp_13gram"
    assert bench.reason((tmp_path / "bg" / "lib.py").read_text()) is None


def test_a_hash_file_whose_n_or_tokens_differ_from_the_builder_is_refused(tmp_path):
    hashes, _ = write_hashes(tmp_path, TASKS)
    src = tmp_path / "src" / "p"
    src.mkdir(parents=True)
    (src / "a.py").write_text(TASKS[0]["code"])
    cfg = dict(out=str(tmp_path / "out"), sources=[f"s:{tmp_path / 'src'}"], workers=1, near_dup_threshold=0)
    with pytest.raises(ValueError, match=r"hashes\.txt\.gz: header field n=13, but decontam_n=12"):
        build(CorpusConfig(decontam=hashes, decontam_n=12, **cfg))
    assert build(CorpusConfig(decontam=hashes, decontam_n=13, **cfg))["filtered"]["mbpp_13gram"] == 1
    old = tmp_path / "old.txt.gz"     # the whitespace-word file of before: no scheme in its header
    old.write_bytes(gzip.compress(b"# 13-gram hashes of 974 MBPP tasks (diffuse.corpus.ngram_hashes)\n00000000000000ff\n"))
    with pytest.raises(ValueError, match=r"old\.txt\.gz: .*field tokens missing"):
        build(CorpusConfig(decontam=str(old), **cfg))
    other_scheme = tmp_path / "words.txt.gz"
    other_scheme.write_bytes(gzip.compress(b"# diffuse-decontam n=13 tokens=words\n00000000000000ff\n"))
    with pytest.raises(ValueError, match=r"words\.txt\.gz: header field tokens='words'"):
        build(CorpusConfig(decontam=str(other_scheme), **cfg))


def test_make_hashes_writes_its_header_and_is_deterministic(tmp_path):
    mbpp = tmp_path / "mbpp.jsonl"
    mbpp.write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    mh = make_hashes_module()
    mh.main([str(mbpp), f"--out={tmp_path / 'a.gz'}"])
    mh.main([str(mbpp), "--n=12", f"--out={tmp_path / 'b.gz'}"])
    first = gzip.decompress((tmp_path / "a.gz").read_bytes()).decode().split("\n")[0]
    assert first.startswith("# diffuse-decontam n=13 tokens=code1 min_distinct=4 min_names=2 tasks=3 ")
    assert load_decontam(str(tmp_path / "b.gz")).n == 12
    assert (tmp_path / "a.gz").read_bytes() == mh.hash_file(TASKS)[0]


@pytest.mark.parametrize("n", [13, 12])   # the n of the hash file's header, not 13 always
def test_the_audit_flags_by_the_old_check_and_the_new_and_names_the_tasks(tmp_path, n):
    import sys
    from diffuse.corpus import ngram_hashes, token_hashes
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "decontam"))
    import audit
    tasks = [dict(t, code=t["code"] + "\r\n  # a comment of thirteen words or more to give the old check a line\r\n")
             if t["task_id"] == 1 else t for t in TASKS]
    mbpp = tmp_path / "mbpp.jsonl"
    mbpp.write_text("".join(json.dumps(t) + "\n" for t in tasks))
    hashes, header = write_hashes(tmp_path, tasks, n=n)
    assert header["n"] == n
    old = set()    # the old file: whitespace-word 13-grams of each program and test line apart
    for t in tasks:
        for text in [t["code"]] + t["test_list"]:
            words = text.split()
            if len(words) >= 13:
                old |= set(ngram_hashes(token_hashes(words), 13).tolist())
    (tmp_path / "old.gz").write_bytes(gzip.compress(("# 13-gram hashes\n" + "".join(f"{h:016x}\n" for h in old)).encode()))
    code1 = tasks[0]["code"].replace("\r\n", "\n")
    src = tmp_path / "pypi" / "pkg-1.0" / "pkg"
    src.mkdir(parents=True)
    (src / "verbatim.py").write_text(other(1) + code1)                                     # both checks
    (src / "reformatted.py").write_text(other(2) + code1.replace(", ", ",").replace("(res)", "res").upper())   # the new alone
    (src / "plain.py").write_text(other(3))
    (tmp_path / "kept.txt").write_text("pypi/pkg-1.0/pkg/reformatted.py\npypi/pkg-1.0/pkg/plain.py\n")
    lines = code1.split("\n")   # two holes of task 1: its second line (seen in a kept file) and a line of its own
    holes = [{"task_id": "A", "mbpp_task_id": 1, "split": "test", "prefix": lines[0] + "\n", "canonical": lines[1] + "\n",
              "suffix": "\n".join(lines[2:])},
             {"task_id": "B", "mbpp_task_id": 1, "split": "test", "prefix": code1, "canonical": "print(similar_elements)\n", "suffix": ""}]
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "single_line.jsonl").write_text("".join(json.dumps(h) + "\n" for h in holes))
    (tmp_path / "fills.jsonl").write_text('{"task_id": "A", "passed": true}\n{"task_id": "B", "passed": false}\n')
    audit.main([str(mbpp), f"--src=pypi:{tmp_path / 'pypi'}", f"--old_hashes={tmp_path / 'old.gz'}", f"--hashes={hashes}",
                f"--kept={tmp_path / 'kept.txt'}", f"--out={tmp_path / 'audit.json'}", "--workers=1",
                f"--bench={tmp_path / 'bench'}", f"--fills={tmp_path / 'fills.jsonl'}"])
    out = json.loads((tmp_path / "audit.json").read_text())
    s = out["summary"]
    assert (s["flagged_old"], s["flagged_new"], s["flagged_both"], s["new_and_kept_by_build"]) == (1, 2, 1, 1)
    by = {r["rel"]: r for r in out["flagged"]}
    assert sorted(by) == ["pkg-1.0/pkg/reformatted.py", "pkg-1.0/pkg/verbatim.py"]
    assert "old" not in by["pkg-1.0/pkg/reformatted.py"] and by["pkg-1.0/pkg/reformatted.py"]["kept_by_build"]
    task = by["pkg-1.0/pkg/verbatim.py"]["new"]["tasks"]["1"]
    assert task["split"] == "prompt" and task["program_share"] == 1.0 and task["same_name"] == ["similar_elements"]
    assert by["pkg-1.0/pkg/verbatim.py"]["package"] == "pkg-1.0"
    assert s["trained_coverage"]["1"]["program_share"] > 0
    assert s["seen_holes"] == {"single_line": {"holes": 2, "inside_seen": 1, "tasks": [1], "passed_inside": 1, "passed_rest": 0}}
    (tmp_path / "old.gz").write_bytes(gzip.compress(b"00000000000000ff\n"))   # no '# N-gram hashes' line: its n unknown
    with pytest.raises(ValueError, match=r"old\.gz: no '# N-gram hashes' first line"):
        audit.main([str(mbpp), f"--src=pypi:{tmp_path / 'pypi'}", f"--old_hashes={tmp_path / 'old.gz'}", f"--hashes={hashes}",
                    f"--out={tmp_path / 'audit.json'}", "--workers=1"])
