from multiprocessing import Pool

from diffuse.algorithmic import density, hole_weights
from diffuse.data import ExampleMaker

from helpers import CharTokenizer

SORTING = '''
def merge(a, b):
    """Merge two sorted lists.

    for x in this docstring: not code
    """
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    return out + a[i:] + b[j:]
'''

WIRING = '''
import logging
from dataclasses import dataclass

from .client import Client

logger = logging.getLogger(__name__)


@dataclass
class Settings:
    name: str
    url: str
    timeout: float = 3.0
    retries: int = 2
'''

TABLE = "".join(f"CODE_{i} = {i}\n" for i in range(40))


def test_computation_inside_functions_scores_high_wiring_and_tables_zero():
    assert density(SORTING) == 8 / 11          # the def and 10 body lines; `out = []`, `i = j = 0` do not compute
    assert density(WIRING) == 0.0
    assert density(TABLE) == 0.0, "assignments at module level are not computation"


def test_a_def_header_over_several_lines_and_a_string_opened_mid_line():
    wrapped = SORTING.replace("def merge(a, b):", "def merge(\n    a,\n    b,\n):")
    assert density(wrapped) == 8 / 14, "the header's three extra lines are code, its body still the function's"
    q = "\"" * 3
    mid = "TEMPLATE = dedent(" + q + "\n    for x in this text: no code\n" + q + ")\n" + SORTING
    assert density(mid) == 8 / 12, "the lines of a string opened mid-line are not code"


def test_docstrings_and_short_files_do_not_count():
    with_doc = SORTING.replace('"""Merge two sorted lists.', '"""Merge two sorted lists.\n    ' + "x = a[0] + 1\n    " * 30)
    assert density(with_doc) == density(SORTING), "lines inside a docstring are not code"
    assert density("def f(x):\n    return x + 1\n") == 0.0, "fewer than 5 code lines"


def test_hole_weights_raise_python_by_density_and_keep_other_languages_neutral():
    texts = [SORTING, WIRING, "# Title\n\nSome prose.\n"]
    paths = ["a/sort.py", "a/settings.py", "README.md"]
    with Pool(2) as pool:
        weights = hole_weights(texts, paths, power=2, pool=pool)
    assert weights[:2] == [(8 / 11) ** 2, 0.0]
    by_length = (8 / 11) ** 2 * len(SORTING) / (len(SORTING) + len(WIRING))
    assert abs(weights[2] - by_length) < 1e-12, "a non-Python file: the Python files' mean factor, as hole rows draw them"
    assert hole_weights(texts, paths, power=2) == weights, "the pool only parallelises"


def test_hole_rows_draw_documents_by_length_power_times_factor():
    docs = ["x = 1\n" * 100, "y = 2\n" * 100]
    m = ExampleMaker(docs, CharTokenizer(), max_length=64, seed=3, infill_doc_power=0.5, infill_factors=[1.0, 3.0])
    holes = [m.random_doc(m.infill_cum) for _ in range(4000)]
    plain = [m.random_doc() for _ in range(4000)]
    assert 0.72 <= sum(d is docs[1] for d in holes) / 4000 <= 0.78      # 3 / (1 + 3)
    assert 0.45 <= sum(d is docs[1] for d in plain) / 4000 <= 0.55, "plain rows ignore the factors"


def test_training_with_the_algorithmic_power_scores_its_documents(tmp_path):
    import json

    import pytest
    T = pytest.importorskip("diffuse.tokenizer")
    pytest.importorskip("tokenizers")
    from diffuse.train import TrainConfig, train
    docs = [SORTING, WIRING, TABLE] * 4
    tp = str(tmp_path / "tok.json")
    T.train_tokenizer(docs, vocab_size=300).save(tp)
    cfg = TrainConfig(tokenizer=tp, out_dir=str(tmp_path / "run"), n_layer=1, n_head=2, n_embd=16, max_length=32,
                      batch_size=4, max_steps=2, warmup_steps=1, compile=False, device="cpu", infill_share=1.0,
                      infill_algorithmic_power=2.0)
    lines = []
    assert train(cfg, docs=docs, log=lines.append)["step"] == 2
    logged = [json.loads(line) for line in lines if "algorithmic_factors" in line]
    assert logged == [{"algorithmic_factors": 12, "mean": round((8 / 11) ** 2 / 3, 4)}]
