import itertools

import pytest
import torch

from diffuse.data import HOLE_KINDS, ExampleMaker, apart_by_filler
from diffuse.tokenizer import EOS_ID, MASK_ID, PAD_ID
from diffuse.train import key_mask

from helpers import DOCS, CharTokenizer


def maker(**kw):
    return ExampleMaker(DOCS, CharTokenizer(), max_length=kw.pop("L", 64), seed=kw.pop("seed", 0), **kw)


def test_plain_rows_are_contiguous_text_and_fully_maskable():
    m = maker()
    for _ in range(50):
        x0, region, valid = m.plain(64)
        assert len(x0) == 64 and all(region) and all(valid)
        assert PAD_ID not in x0


def test_infill_layout_prefix_hole_suffix():
    m = maker(max_hole=20)
    for kind in [k for k, _ in HOLE_KINDS]:
        m.kinds, m.kind_w = [kind], [1.0]
        for _ in range(40):
            x0, region, valid = m.infill(64)
            assert len(x0) == len(region) == len(valid) == 64
            n_valid = sum(valid)
            assert valid == [True] * n_valid + [False] * (64 - n_valid), "filler only at the end"
            assert not any(region[n_valid:])
            if n_valid < 64:   # a short document: the canvas holds all of it, marked by <|endoftext|>
                assert x0[0] == EOS_ID and x0[n_valid - 1] == EOS_ID
            idx = [i for i, r in enumerate(region) if r]
            assert idx, "a hole has at least one slot"
            assert idx == list(range(idx[0], idx[-1] + 1)), "the hole is one contiguous span"
            assert len(idx) <= 20
            hole = [x0[i] for i in idx]
            # pads only at the END of the hole
            n_real = next((j for j, v in enumerate(hole) if v == PAD_ID), len(hole))
            assert all(v == PAD_ID for v in hole[n_real:])
            assert PAD_ID not in hole[:n_real]
            if kind == "empty":
                assert n_real == 0
            # context never holds pads
            assert PAD_ID not in [x0[i] for i in range(n_valid) if not region[i]]


def test_infill_pieces_are_tokenized_separately():
    # with the char tokenizer the hole's real tokens are exactly the characters of a doc span,
    # and prefix + middle + suffix read as contiguous document text
    m = maker(max_hole=30)
    m.kinds, m.kind_w = ["line"], [1.0]
    tok = CharTokenizer()
    for _ in range(20):
        x0, region, valid = m.infill(64)
        text = tok.decode([v for v in x0 if v != PAD_ID and v != EOS_ID])
        assert any(text[:20] in d or d in text for d in DOCS)


def test_batch_shapes_and_mix():
    m = maker(infill_share=0.5, short_share=0.5)
    seen_short = False
    for _ in range(10):
        x0, region, valid, fim = m.batch(16)
        assert x0.shape == region.shape == valid.shape and x0.dtype == torch.long and region.dtype == torch.bool
        assert not (region & ~valid).any()
        assert x0.shape[1] <= 64 and x0.shape[1] >= 16
        seen_short |= x0.shape[1] < 64
        assert torch.equal(region[~fim], torch.ones_like(region[~fim]))
    assert seen_short


def test_deterministic_given_seed():
    a = maker(seed=5).batch(8, L=64)
    b = maker(seed=5).batch(8, L=64)
    assert all(torch.equal(x, y) for x, y in zip(a, b))



def test_infill_doc_power_draws_hole_documents_by_length_to_that_power():
    docs = ["x = 1\n" * 200, "y = 2\n"]            # 200 times as long

    def shares_of_short(power):
        m = ExampleMaker(docs, CharTokenizer(), max_length=64, seed=1, infill_doc_power=power)
        holes = [m.random_doc(m.infill_cum) for _ in range(4000)]
        plain = [m.random_doc() for _ in range(4000)]
        return sum(d is docs[1] for d in holes) / 4000, sum(d is docs[1] for d in plain) / 4000

    for power, lo, hi in [(1.0, 0, 0.015), (0.5, 0.05, 0.085), (0.0, 0.45, 0.55)]:   # 1/201, 1/(1+200**.5), 1/2
        holes, plain = shares_of_short(power)
        assert lo <= holes <= hi, power
        assert plain < 0.015, "plain rows stay a packed stream (by length), whatever the power"


def test_probe_holes_get_the_probe_size_whatever_their_length():
    m = maker(max_hole=30, probe_slots=12, probe_share=1.0)
    m.kinds, m.kind_w = ["mid_line"], [1.0]
    lengths = set()
    for _ in range(200):
        x0, region, _ = m.infill(64)
        hole = [x0[i] for i, r in enumerate(region) if r]
        n = next((j for j, v in enumerate(hole) if v == PAD_ID), len(hole))
        lengths.add(n)
        assert len(hole) == 12 if n <= 12 else len(hole) >= n
    assert len([n for n in lengths if n <= 12]) >= 5, "probe rows carry holes of many lengths"


def test_without_probe_share_a_hole_is_sized_from_its_length():
    # the share is what makes the size uninformative: off, a 1-token hole never gets 12 slots
    m = maker(max_hole=30, probe_slots=12, probe_share=0.0)
    m.kinds, m.kind_w = ["mid_line"], [1.0]
    for _ in range(200):
        x0, region, _ = m.infill(64)
        hole = [x0[i] for i, r in enumerate(region) if r]
        n = next((j for j, v in enumerate(hole) if v == PAD_ID), len(hole))
        assert n == 0 or len(hole) <= n + max(4, 3 * n)


def test_without_probe_share_the_rows_are_those_of_a_recipe_without_probes():
    # the probe option off draws nothing, so earlier recipes keep their exact rows
    plain = maker(max_hole=30, seed=11).batch(32, L=64)
    off = maker(max_hole=30, seed=11, probe_slots=16, probe_share=0.0).batch(32, L=64)
    assert all(torch.equal(x, y) for x, y in zip(plain, off))


def rows_of(kinds, L=8):
    """Hand-made rows: 'f' a full row, 's' one ending in filler; x0 numbers the rows."""
    return [(torch.full((L,), i), torch.zeros(L, dtype=torch.bool),
             torch.arange(L) < (L if k == "f" else L - 3), torch.tensor(True)) for i, k in enumerate(kinds)]


def as_batch(rows):
    return tuple(torch.stack(column) for column in zip(*rows))


def test_full_rows_go_apart_from_rows_with_filler():
    rows = rows_of("ffsf" "ffff" "sfsf" "ssff")
    batches = [as_batch(rows[i:i + 4]) for i in range(0, 16, 4)]
    out = list(apart_by_filler(iter(batches), 4))
    for x0, region, valid, fim in out:
        assert x0.shape == (4, 8) and (valid.all() or not valid.all(dim=1).any()), "one kind a batch"
    # each batch closes when its fourth row of that kind comes (rows 4, 9, 12); 11, 14, 15 (full)
    # and 13 (filler) still wait for theirs
    ids = [int(x0[i, 0]) for x0, *_ in out for i in range(4)]
    assert ids == [0, 1, 3, 4, 5, 6, 7, 9, 2, 8, 10, 12]


def test_batches_of_one_length_only():
    short_canvas = [(x[:6], r[:6], v[:6], f) for x, r, v, f in rows_of("ff")]
    out = list(apart_by_filler(iter([as_batch(rows_of("ff")), as_batch(short_canvas), as_batch(rows_of("ff"))]), 4))
    assert [x0.shape for x0, *_ in out] == [(4, 8)]


def test_stream_batches_from_the_maker_hold_one_kind_of_row():
    m = maker(L=128, infill_share=0.5)   # DOCS are shorter than 128: a hole row ends in filler, a plain row never
    out = list(itertools.islice(apart_by_filler((m.batch(8) for _ in itertools.count()), 8), 12))
    kinds = {bool(valid.all()) for _, _, valid, _ in out}
    assert kinds == {True, False}, "both kinds come out, each batch of one"
    for x0, region, valid, fim in out:
        assert valid.all() or not valid.all(dim=1).any()
        assert not (region & ~valid).any()


def test_the_step_attends_a_batch_of_full_rows_without_a_key_mask():
    full = torch.ones(3, 8, dtype=torch.bool)
    assert key_mask(full, "cpu") is None
    some = full.clone()
    some[1, 6:] = False
    assert torch.equal(key_mask(some, "cpu"), some)


def test_hole_weights_replace_the_named_kinds_only():
    from diffuse.data import hole_kind_weights
    assert hole_kind_weights("") == HOLE_KINDS
    weights = dict(hole_kind_weights(" lines = 0.5, empty=0"))
    assert weights["lines"] == 0.5 and weights["empty"] == 0.0
    assert {k: w for k, w in weights.items() if k not in ("lines", "empty")} == \
        {k: w for k, w in HOLE_KINDS if k not in ("lines", "empty")}


def test_hole_weights_draw_the_kinds_by_their_weights():
    only_lines = maker(seed=4, hole_weights=",".join(f"{k}={int(k == 'lines')}" for k, _ in HOLE_KINDS))
    assert only_lines.kinds == [k for k, _ in HOLE_KINDS] and sum(w > 0 for w in only_lines.kind_w) == 1
    forced = maker(seed=4)
    forced.kinds, forced.kind_w = ["lines"], [1.0]
    assert [only_lines.infill(64) for _ in range(20)] == [forced.infill(64) for _ in range(20)]


def test_import_line_holes_are_a_top_level_import_line_or_else_a_whole_line():
    program = ('"""Words\nfrom a text."""\nimport re\nfrom . import util\nfrom collections import Counter\nfrom os import (\n    path)\n'
               "import sys, \\\n    os\n\ndef words(text):\n    import os\n    return Counter(re.findall(r'\\w+', text))\n")
    m = ExampleMaker([program], CharTokenizer(), max_length=128, seed=0, hole_weights="import_line=1,whole_line=0,line=0,"
                     "lines=0,rest_of_line=0,mid_line=0,arbitrary=0,empty=0")
    middles = set()
    for _ in range(40):
        a, b = m.span(program, m.rng.choices(m.kinds, m.kind_w)[0])
        middles.add(program[a:b])
    assert middles == {"import re\n", "from collections import Counter\n"}, \
        "no docstring line, relative import, continued import or indented import"
    from diffuse.data import IMPORT_SCAN_CHARS, top_import_starts
    crlf = "import sys, \\\r\n    os\r\nimport re\r\nfrom a.b import (x)\r\n"
    assert [crlf[i:crlf.index("\r", i)] for i in top_import_starts(crlf)] == ["import re", "from a.b import (x)"]
    js = 'import React, {\n  useState,\n} from "react";\nimport fs from "fs";\n'
    assert [js[i:js.index("\n", i)] for i in top_import_starts(js)] == ['import fs from "fs";'], "an import's open brace continues it"
    cut = "x = 1\n" * ((IMPORT_SCAN_CHARS - 20) // 6) + "import aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
    assert list(top_import_starts(cut)) == [], "a line the scan cuts is not taken"
    import time
    started = time.perf_counter()
    blanks = "from a import" + " " * (IMPORT_SCAN_CHARS - 14) + "("
    assert list(top_import_starts(blanks)) == []
    assert time.perf_counter() - started < 0.5, "no backtracking over a run of blanks"
    documented = ("'''Use it so:\nimport shapes\nfrom shapes import Circle\n'''\nimport math\n"
                  'def area(r):\n    """Docs.\n\nimport this\n"""\n    return math.pi * r * r\nimport sys\n')
    assert [documented[i:documented.index("\n", i)] for i in top_import_starts(documented)] == ["import math", "import sys"], \
        "no line inside a triple-quoted string"
    bom = "\ufeffimport re\nimport os\n\ufeffimport sys\n"
    assert [bom[i:bom.index("\n", i)] for i in top_import_starts(bom)] == ["import re", "import os"], \
        "a byte-order mark opening the file hides no import, and the hole leaves it out; one mid-file is no file's start"
    a, b = m.span(bom[:11], "import_line")
    assert (a, b) == (1, 11)
    plain = "x = 1\ny = 2\n"
    a, b = ExampleMaker([plain], CharTokenizer(), max_length=64, seed=0).span(plain, "import_line")
    assert plain[a:b] in ("x = 1\n", "y = 2\n", "y = 2"), "no import: a whole line"


def test_the_default_recipe_never_draws_an_import_line_and_keeps_its_rows():
    assert dict(HOLE_KINDS)["import_line"] == 0.0
    m = maker(seed=7)
    forced = maker(seed=7)
    forced.kinds, forced.kind_w = m.kinds[:-1], m.kind_w[:-1]      # the kinds before import_line existed
    assert [m.infill(64) for _ in range(30)] == [forced.infill(64) for _ in range(30)]


def test_hole_weights_errors_name_the_option_and_the_kind():
    import pytest
    from diffuse.data import hole_kind_weights
    for spec, words in [("line=abc", "line's weight must be a number"), ("blocks=0.3", "unknown hole kind 'blocks'"),
                        ("lines=-1", "lines's weight must be a finite number >= 0"),
                        ("lines=inf", "lines's weight must be a finite number >= 0"),
                        ("lines=nan", "lines's weight must be a finite number >= 0"),
                        ("lines=1,lines=2", "lines is given twice"),
                        (",".join(f"{k}=0" for k, _ in HOLE_KINDS), "every weight is zero")]:
        with pytest.raises(ValueError, match="hole_weights: " + words.replace("(", r"\(")):
            hole_kind_weights(spec)


def test_documents_that_spell_special_tokens_train_as_their_characters(tmp_path):
    """A file that spells `<|mask|>` or `<|pad|>` (a tokenizer's own source) is text to the loader,
    as it is to the engine: no mask id in a clean row, no padding id but the rows' own."""
    pytest.importorskip("tokenizers")
    from diffuse import tokenizer as T
    from diffuse.data import BatchStream
    docs = [f'MASK = "<|mask|>"  # {i}\nPAD = "<|pad|>"\nEOS = "<|endoftext|>"\n' * 4 for i in range(8)]
    tok = T.train_tokenizer(DOCS * 20 + docs, vocab_size=300)
    path = str(tmp_path / "tok.json")
    tok.save(path)
    assert not set(T.load_for_text(path).encode(docs[0]).ids) & {PAD_ID, MASK_ID, EOS_ID}
    stream = BatchStream(docs, path, batch_size=8, seed=0, max_length=64, infill_share=0.0)
    for x0, *_ in itertools.islice(iter(stream), 4):
        assert MASK_ID not in x0 and PAD_ID not in x0


class ByteTokenizer:
    """One token per UTF-8 byte (ids 3..258), every byte of a character reporting the character's
    offsets: how the byte-level BPE spells a character none of its merges cover (an ideograph, an
    emoji, 'ẞ' -> three tokens all at (5, 6))."""

    class Enc:
        def __init__(self, ids, offsets):
            self.ids, self.offsets = ids, offsets

    def encode(self, text, add_special_tokens=False):
        ids, offsets = [], []
        for i, c in enumerate(text):
            for byte in c.encode("utf-8"):
                ids.append(3 + byte)
                offsets.append((i, i + 1))
        return self.Enc(ids, offsets)

    def bytes(self, ids):
        return bytes(i - 3 for i in ids if i >= 3)


WIDE_DOCS = [("# 注释：计算数据结构的函数 🙂 ñandú\n" + "def f(x):\n    return x + 1  # ẞ🙂é 中文注释\n") * 12,
             "s = '" + "注释中文" * 60 + "'\n" * 3]


def infill_pieces(x0, region, valid):
    """(prefix ids, middle ids, suffix ids) of an infill row, without its <|endoftext|> and pads."""
    n = sum(valid)
    idx = [i for i in range(n) if region[i]]
    left = [t for t in x0[:idx[0]] if t != EOS_ID]
    mid = [t for t in x0[idx[0]:idx[-1] + 1] if t != PAD_ID]
    right = [t for t in x0[idx[-1] + 1:n] if t != EOS_ID]
    return left, mid, right


def test_a_cut_hole_keeps_whole_characters_and_the_suffix_starts_where_it_ends():
    """A middle longer than the hole is cut to a character boundary: the bytes of a character cut
    in two were in neither the middle nor the suffix (the suffix starts at the next character)."""
    tok = ByteTokenizer()
    m = ExampleMaker(WIDE_DOCS, tok, 64, infill_share=1.0, max_hole=7, seed=3)
    m.kinds, m.kind_w = ["arbitrary", "lines"], [1.0, 1.0]
    docs = [d.encode("utf-8") for d in WIDE_DOCS]
    cut = 0
    for _ in range(400):
        left, mid, right = infill_pieces(*m.infill(64))
        tok.bytes(mid).decode("utf-8")                          # whole characters (raises if not)
        cut += len(mid) >= 5
        assert any(tok.bytes(left + mid + right) in d for d in docs), "prefix + middle + suffix are contiguous text"
    assert cut > 50


def test_context_windows_start_and_end_on_whole_characters_as_the_engine_cuts_them():
    """The prefix's kept tokens start, and the suffix's end, between characters, as the engine's
    windows do (lastTokens / firstTokens, src/infill/window.ts): a window cut inside a character
    put bytes on the canvas that the editor's never holds. What the prefix gives up goes to the
    suffix, as in the engine, so a row falls short of L by at most a character's other bytes."""
    tok = ByteTokenizer()
    m = ExampleMaker(WIDE_DOCS, tok, 64, infill_share=1.0, max_hole=7, seed=3)
    docs = [d.encode("utf-8") for d in WIDE_DOCS]
    for _ in range(400):
        x0, region, valid = m.infill(64)
        left, mid, right = infill_pieces(x0, region, valid)
        tok.bytes(left).decode("utf-8")                         # whole characters (raise if not)
        tok.bytes(right).decode("utf-8")
        assert any(tok.bytes(left + mid + right) in d for d in docs)
        n = sum(valid)
        if x0[0] != EOS_ID and x0[n - 1] != EOS_ID:
            assert n >= 64 - 3
