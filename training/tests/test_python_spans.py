"""Python's comments and strings read left to right as its tokenizer reads them (diffuse/python_spans.py):
the cases of the engine's reader (test/unit/infillTripleQuotes.test.ts), and the import-line holes that
read through it."""
import math
import time

from diffuse.data import top_import_starts
from diffuse.python_spans import PythonSpans, python_spans


def spans(text):
    """The kind and text of each comment and string of `text`, an open string's to the end."""
    return [(kind, text[open_:min(close, len(text))]) for open_, close, kind in python_spans(text)]


def triples(text):
    return [span for kind, span in spans(text) if kind == "triple"]


def test_a_triple_quote_inside_a_comment_is_part_of_the_comment():
    text = "# use ''' for docstrings\ndef f():\n    '''Doc.'''\n    return 1  # not '''\n"
    assert spans(text) == [("comment", "# use ''' for docstrings"), ("triple", "'''Doc.'''"), ("comment", "# not '''")]


def test_a_triple_quote_inside_a_one_line_string_of_either_quote_is_part_of_it():
    text = "x = \"'''\"\ny = '\"\"\"' + r\"'''\" + b'\"\"\"'\ns = '''a'''\n"
    assert spans(text) == [("string", "\"'''\""), ("string", "'\"\"\"'"), ("string", "\"'''\""), ("string", "'\"\"\"'"),
                           ("triple", "'''a'''")]
    assert triples(text) == ["'''a'''"]


def test_a_backslash_escapes_a_quote_a_backslash_or_a_line_break():
    assert spans("x = 'it\\'s'  # '''\n") == [("string", "'it\\'s'"), ("comment", "# '''")]
    assert spans("x = '\\\\'  # '''\n") == [("string", "'\\\\'"), ("comment", "# '''")], "an escaped backslash escapes no quote"
    assert triples('s = """a \\""" b"""\nt = 1\n') == ['"""a \\""" b"""']
    assert triples("s = '''ends with a quote\\''''\n") == ["'''ends with a quote\\''''"]
    for newline in ("\n", "\r\n"):           # an escaped line break carries a one-line string on, a CRLF at once
        text = f"x = \"a\\{newline}# no comment '''\"{newline}y = 1{newline}"
        assert spans(text) == [("string", f"\"a\\{newline}# no comment '''\"")], repr(newline)
    assert spans("x = '\\") == [("string", "'\\")], "a backslash ending the text"


def test_a_hash_or_the_other_quote_inside_a_triple_quoted_string_is_part_of_it():
    text = "s = \"\"\"# not a comment\n'''\n\" ' \"\" ''\"\"\"\nt = 1  # '''\n"
    assert spans(text) == [("triple", "\"\"\"# not a comment\n'''\n\" ' \"\" ''\"\"\""), ("comment", "# '''")]


def test_an_unclosed_one_line_string_ends_at_its_line_and_a_triple_quoted_one_runs_on():
    text = "x = 'abc\ns = '''doc'''\ny = \"\"\"open\n"
    assert spans(text) == [("string", "'abc"), ("triple", "'''doc'''"), ("triple", '"""open\n')]
    assert list(python_spans(text))[-1][1] == math.inf
    assert spans("x = ''\ny = ''''''\n") == [("string", "''"), ("triple", "''''''")], \
        "two quotes are an empty string, six an empty triple-quoted one"
    ends_on_quotes = "s = '''a\\'''"        # the last three quotes are no delimiter: the first is escaped
    assert list(python_spans(ends_on_quotes)) == [(4, math.inf, "triple")]


def test_reads_from_a_place_in_code_and_opens_no_span_at_or_past_the_end_asked():
    text = "a = 'x'  # c\nb = '''y'''\n"
    assert list(python_spans(text, text.index("b"))) == [(text.index("'''"), len(text) - 1, "triple")]
    assert [kind for _, _, kind in python_spans(text, 0, text.index("#"))] == ["string"]


def test_the_span_around_a_position_is_past_its_first_character_and_before_its_end():
    text = "x = '''ab'''  # c\n"
    first, comment = python_spans(text)
    open_ = text.index("'''")
    asked = [(open_, None), (open_ + 1, first), (open_ + 5, first), (open_ + 8, None), (text.index("c"), comment),
             (len(text), None)]
    reader = PythonSpans(text)
    assert [reader.around(pos) for pos, _ in asked] == [span for _, span in asked]
    held = [PythonSpans(text).around(pos) for pos in (open_, open_ + 5, text.index("c"), len(text))]
    assert [span is not None and span[2] == "triple" for span in held] == [False, True, False, False]


def test_import_lines_read_the_strings_as_python_does():
    commented = "# a ''' in a comment\nimport os\nx = \"'''\"\nimport re\n"
    assert [commented[i:commented.index("\n", i)] for i in top_import_starts(commented)] == ["import os", "import re"], \
        "a ''' in a comment or a one-line string opens no string (pairing them by parity hid both lines)"
    escaped = 's = """it\\"""\nimport no\n"""\nimport yes\n'
    assert [escaped[i:escaped.index("\n", i)] for i in top_import_starts(escaped)] == ["import yes"]
    hash_in_docstring = '"""# not a comment \'\'\'\nimport no\n"""\nimport yes\n'
    assert [hash_in_docstring[i:hash_in_docstring.index("\n", i)] for i in top_import_starts(hash_in_docstring)] == ["import yes"]
    broken = "x = 'it\nimport os\ny = 'a\\\nimport no'\n"
    assert [broken[i:broken.index("\n", i)] for i in top_import_starts(broken)] == ["import os"], \
        "a one-line string left open ends at its line; one continued by an escaped line break holds the next"


def test_a_document_of_4_mb_is_read_in_one_pass():
    block = "def f(x):\n    \"\"\"Doc with 'quotes' and # a hash.\"\"\"\n    s = 'it\\'s' + \"\\\"q\\\"\"  # don't '''\n    return r'\\d+', x\n\n"
    copies = -(-4_000_000 // len(block))
    text = block * copies
    started = time.perf_counter()
    assert sum(1 for _ in python_spans(text)) == 5 * copies
    assert PythonSpans(text).around(len(text)) is None
    escapes = '"""' + "\\\"" * 2_000_000 + '"""'
    assert list(python_spans(escapes)) == [(0, len(escapes), "triple")]
    assert time.perf_counter() - started < 3.0, "linear: ~0.4 s on one core"
