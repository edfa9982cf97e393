from diffuse.data import ExampleMaker
from diffuse.file_heads import code_start
from diffuse.tokenizer import EOS_ID

from helpers import CharTokenizer

HEADED = ('#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# Copyright 2026 Someone\n'
          '# SPDX-License-Identifier: MIT\n\n"""The module.\n\nimport nothing here\n"""\n\n'
          'import re\nfrom os import path\n\n\ndef words(text):\n    return re.findall(r"\\w+", text)\n')


def rest(text):
    return text[code_start(text):]


def test_the_head_goes_and_the_code_stays():
    assert rest(HEADED).startswith("import re\nfrom os import path\n")
    assert rest("r'''Raw docstring.'''  # note\nx = 1\n") == "x = 1\n"
    assert rest("   \n\t\n# c\ndef f(): pass\n") == "def f(): pass\n"


def test_code_from_the_first_line_is_not_cut():
    for text in ("import re\n# a comment\n", "x = '''a'''\n", '"""doc""" + y\n', "def f():\n    '''doc'''\n"):
        assert code_start(text) == 0


def test_a_file_that_is_all_head_keeps_it():
    assert code_start("# only\n# comments\n\n") == 0
    assert code_start('"""Just a docstring."""\n') == 0
    assert code_start("") == 0


def test_a_byte_order_mark_opens_the_head():
    assert rest("\ufeff" + HEADED).startswith("import re\n")
    assert rest("\ufeffimport re\n") == "import re\n"
    assert code_start("\ufeff# only comments\n") == 0


def test_an_unterminated_docstring_ends_the_head():
    text = '# c\n"""never closed\nimport x\n'
    assert rest(text) == '"""never closed\nimport x\n'


def test_hole_rows_open_on_code_when_the_head_is_cut():
    tok = CharTokenizer()
    starts = [code_start(HEADED)]
    m = ExampleMaker([HEADED], tok, max_length=256, seed=0, code_starts=starts, head_cut_share=1.0)
    for _ in range(30):
        x0, region, valid = m.infill(256)
        assert x0[0] == EOS_ID, "the short file is all on the canvas"
        text = tok.decode([t for t, r, v in zip(x0, region, valid) if v and not r])
        assert "Copyright" not in text and "The module" not in text
    m.head_cut_share = 0.0
    assert any("Copyright" in tok.decode(m.infill(256)[0]) for _ in range(30)), "uncut, the head is there"


def test_no_cut_keeps_the_random_stream():
    """A recipe without cuts draws exactly the rows it drew before the option existed."""
    a = ExampleMaker([HEADED, "x = 1\n" * 30], CharTokenizer(), max_length=128, seed=5)
    b = ExampleMaker([HEADED, "x = 1\n" * 30], CharTokenizer(), max_length=128, seed=5,
                     code_starts=[code_start(HEADED), 0], head_cut_share=0.0)
    for _ in range(20):
        assert a.infill(128) == b.infill(128)
