import json

import pytest

from diffuse.evaluate import edit_similarity, make_tasks, score

from helpers import DOCS


def test_edit_similarity():
    assert edit_similarity("abc", "abc") == 1.0
    assert edit_similarity("", "abc") == 0.0
    assert abs(edit_similarity("kitten", "sitting") - (1 - 3 / 7)) < 1e-9


def test_tasks_cut_documents_exactly():
    docs = [{"path": f"d{i}.py", "text": t * 3} for i, t in enumerate(DOCS)]
    tasks = make_tasks(docs, n_single=10, n_multi=5, seed=1)
    assert sum(t["kind"] == "single_line" for t in tasks) == 10
    assert sum(t["kind"] == "multi_line" for t in tasks) == 5
    for t in tasks:
        text = next(d["text"] for d in docs if d["path"] == t["path"])
        assert (t["prefix"] + t["expected"] + t["suffix"]) in text
        assert t["expected"].strip() and not t["expected"][0].isspace()
        assert t["suffix"].startswith("\n") or t["suffix"] == ""
        assert ("\n" in t["expected"]) == (t["kind"] == "multi_line")
    assert len({t["task_id"] for t in tasks}) == len(tasks)


def test_score_reads_cli_output():
    tasks = [{"task_id": "a", "kind": "single_line", "expected": "return x"},
             {"task_id": "b", "kind": "single_line", "expected": "pass"},
             {"task_id": "c", "kind": "multi_line", "expected": "x = 1\ny = 2"}]
    outs = [{"task_id": "a", "completion": "return x  ", "tokens": 2, "nfe": 4, "ms": 10},
            {"task_id": "b", "completion": "pas", "tokens": 1, "nfe": 2, "ms": 5},
            {"task_id": "x", "error": "bad line"}]
    s = score(tasks, outs)
    assert s["single_line"]["exact_match"] == 0.5
    assert s["single_line"]["edit_similarity"] == (1 + 0.75) / 2
    assert s["multi_line"]["missing"] == 1 and s["multi_line"]["exact_match"] == 0.0


def test_score_golden_is_current():
    # bench/common.ts must reproduce this file (test/unit/benchScore.test.ts); regenerate it with
    # `cd training && python3 -m diffuse.make_fixture --only=scores`.
    import json
    import os
    from diffuse.make_fixture import SCORE_CASES
    from diffuse.evaluate import edit_similarity, exact_match
    path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "score-golden.json")
    with open(path, encoding="utf-8") as f:
        golden = json.load(f)
    assert [(g["completion"], g["expected"]) for g in golden] == SCORE_CASES
    for g in golden:
        assert g["exact_match"] == exact_match(g["completion"], g["expected"])
        assert g["edit_similarity"] == edit_similarity(g["completion"].rstrip(), g["expected"].rstrip())


def test_held_out_texts_of_one_source(tmp_path):
    pytest.importorskip("datasketch")       # the corpus build's near-duplicate pass
    from diffuse.corpus import CorpusConfig, build
    from diffuse.evaluate import held_out_texts
    for name in ("python0", "python01", "npm"):
        for i in range(3):
            (tmp_path / name / "pkg").mkdir(parents=True, exist_ok=True)
            (tmp_path / name / "pkg" / f"m{i}.py").write_text(f"def {name}_{i}(x):\n    return x * {i} + {len(name)}\n" * 4)
    corpus = str(tmp_path / "corpus")
    build(CorpusConfig(out=corpus, sources=[f"{n}:{tmp_path / n}" for n in ("python0", "python01", "npm")],
                       val_permille=1000, min_bytes=1))
    assert len(list(held_out_texts(corpus))) == 9
    assert sorted(held_out_texts(corpus, "python0")) == sorted(f"def python0_{i}(x):\n    return x * {i} + 7\n" * 4 for i in range(3))
    with pytest.raises(ValueError, match="no validation file of source 'pypi'"):
        list(held_out_texts(corpus, "pypi"))
