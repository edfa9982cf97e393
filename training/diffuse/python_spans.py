"""Python's comments and string literals, read left to right as its tokenizer reads them: the rules of
the engine's reader (src/infill/tripleQuotes.ts), for the training side. A `#` in code opens a comment
to the end of its line, a quote opens a string (three of a kind a triple-quoted one) that only its own
delimiter closes, and a backslash inside a string escapes the character after it (a CRLF as one). So a
`'''` inside a comment or a one-line string (`# use ''' for docstrings`, `x = "'''"`) opens nothing,
and a `#` inside a string is no comment. A one-line string left open ends with its line, so one broken
quote cannot swallow the rest of the file; a triple-quoted one left open runs to the end (its close is
math.inf). Prefixes (r, b, f, u) change nothing: a raw string's backslash still keeps the quote after it
from closing it. Python 3.12's f-strings that nest the same quote (`f"{d["k"]}"`) are read as older
Pythons read them, where the engine now reads their replacement fields as code (src/infill/pythonStrings.ts,
session 58): here only `import_line` holes ask, for an import line's start (such an f-string above a
file's first imports could hide or invent one; not measured).

One pass, in re's C loop: a single pattern jumps over code to the next `#` or quote and reads the whole
comment or string there, so a file of megabytes (a line of data, a docstring of 4 MB) is read in
milliseconds, not character by character in Python.
"""
import math
import re

# A triple-quoted string (its closing delimiter in the named group, which is unset when it is left
# open) and a one-line string of the quote Q: each an "unrolled loop" that reads its body one way only,
# so nothing backtracks, and that never fails (a string left open still matches, to its line's end or
# the text's), so nothing is read twice.
_TRIPLE = r"QQQ[^\\Q]*(?:(?:\\(?:[\s\S]|\Z)|Q(?!QQ))[^\\Q]*)*(?:(?P<NAME>QQQ)|\Z)"
_ONE_LINE = r"Q[^Q\\\n]*(?:\\(?:\r\n|[\s\S]|\Z)[^Q\\\n]*)*Q?"
SPAN = re.compile("|".join([
    r"\#[^\n]*",
    _TRIPLE.replace("Q", "'").replace("NAME", "closed_single"),
    _TRIPLE.replace("Q", '"').replace("NAME", "closed_double"),
    _ONE_LINE.replace("Q", "'"),
    _ONE_LINE.replace("Q", '"'),
]))


def python_spans(text, start=0, end=None):
    """The comments and strings of Python source `text` read from `start` (as code: a place no comment
    or string holds) that open before `end` (the text's end if None), in order, as (open, close, kind):
    from the first character (`#`, or the opening quote, a prefix left out) to past the last (math.inf:
    a triple-quoted string left open); kind "comment", "string" (one-line) or "triple". They do not
    overlap. Lazy: each span is read as it is asked for (and the first one opening at or past `end`)."""
    end = len(text) if end is None else end
    for m in SPAN.finditer(text, start):
        open_ = m.start()
        if open_ >= end:
            return
        first = text[open_]
        if first == "#":
            yield open_, m.end(), "comment"
        elif text.startswith(first * 3, open_):
            yield open_, (m.end() if m.lastgroup is not None else math.inf), "triple"
        else:
            yield open_, m.end(), "string"


class PythonSpans:
    """The comment or string of `doc` that holds a position (past its first character and before its
    end: a text cut there would start inside it, a triple-quoted string's delimiter included), for
    positions asked in ascending order: `doc` is read once, up to the first span opening at or past the
    last position asked."""

    def __init__(self, doc):
        self.spans = python_spans(doc)
        self.last = None       # the last span read that opens before the position asked
        self.ahead = None      # the first span read that opens at or past it (False: none is left)

    def around(self, pos):
        """The span (open, close, kind) that holds `pos`, or None."""
        while True:
            if self.ahead is None:
                self.ahead = next(self.spans, False)
            if self.ahead is False or self.ahead[0] >= pos:
                break
            self.last, self.ahead = self.ahead, None
        return self.last if self.last is not None and pos < self.last[1] else None

