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


def test_paired_bound_replays_the_draws(tmp_path):
    # The same draws for both models: a checkpoint against itself differs by exactly nothing, each
    # side is family_bound's number, and two models' difference is the difference of their bounds
    # with a standard error below either bound's own (the windows' and draws' share cancels).
    pytest.importorskip("tokenizers")
    pytest.importorskip("datasketch")
    import torch
    from diffuse import tokenizer as T
    from diffuse.corpus import CorpusConfig, build
    from diffuse.evaluate import family_bound, paired_bound
    from diffuse.model import Denoiser, ModelConfig
    src = tmp_path / "src"
    for i, d in enumerate(DOCS * 3):
        (src / f"d{i}").mkdir(parents=True)
        (src / f"d{i}" / "f.py").write_text(d + f"# {i}\n")
    corpus = str(tmp_path / "corpus")
    build(CorpusConfig(out=corpus, sources=[f"demo:{src}"], val_permille=500))
    tp = str(tmp_path / "tok.json")
    T.train_tokenizer(DOCS * 20, vocab_size=300).save(tp)
    cfg = dict(vocab_size=300, n_layer=1, n_head=2, n_embd=16, max_length=32)
    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        paths.append(str(tmp_path / f"m{seed}.pt"))
        torch.save({"model": Denoiser(ModelConfig(**cfg)).state_dict(), "model_config": cfg,
                    "train_config": {"objective": "mdlm"}}, paths[-1])
    kw = dict(windows=8, samples=2, batch_size=4, device="cpu")
    same = paired_bound(corpus, tp, paths[0], paths[0], **kw)
    assert same["a"] == {**same["b"], "ckpt": paths[0]} and same["a_minus_b"] == {"nats_per_token": 0.0, "stderr": 0.0}
    alone = family_bound(corpus, tp, paths[0], **kw)
    assert same["a"]["nats_per_token"] == pytest.approx(alone["bound_nats_per_token"], rel=1e-6)
    two = paired_bound(corpus, tp, paths[0], paths[1], **kw)
    assert two["a_minus_b"]["nats_per_token"] == pytest.approx(two["a"]["nats_per_token"] - two["b"]["nats_per_token"], abs=1e-9)
    assert two["a_minus_b"]["stderr"] < min(two["a"]["stderr"], two["b"]["stderr"])
    torch.save({"model": torch.load(paths[1])["model"], "model_config": cfg, "train_config": {"objective": "md4"}}, paths[1])
    with pytest.raises(ValueError, match="do not pair"):
        paired_bound(corpus, tp, paths[0], paths[1], **kw)
