"""How much of a Python file is computation inside functions: the shape of a short program.

Library code is mostly wiring (imports, classes, decorators, calls into other modules, docstrings,
constant tables); a short program in the editor, and the execution benchmarks' tasks, are functions
that loop, branch, index, do arithmetic and call builtins. Hole rows may draw their documents by this
density (TrainConfig.infill_algorithmic_power), so the model practises filling such lines more often
without a single benchmark text in the corpus: the score knows nothing of any benchmark.

The density is the share of a file's code lines (blank lines, comments and docstrings left out) that
lie inside a function body and branch, loop, return, index, do arithmetic or call a builtin or a
common container/string method. A constant table or a file of class wiring scores near 0; number
theory or sorting code near 0.7. Line-based (no `ast`): the whole corpus is scored once in the
training process, in parallel, before the loader forks.
"""
import re

DEF = re.compile(r"(?:async\s+)?def\s")
CONTROL = re.compile(r"(?:for|while|if|elif|else|return|break|continue|yield)\b")
COMPUTE = re.compile(
    r"\b(?:len|range|sum|min|max|sorted|enumerate|zip|abs|set|list|dict|tuple|str|int|float|map|filter"
    r"|any|all|reversed|ord|chr|pow|divmod|round|isinstance)\("
    r"|\.(?:append|extend|split|join|count|index|sort|pop|insert|keys|values|items|lower|upper|strip"
    r"|replace|startswith|endswith|find|add|get)\("
    r"|\w\[[^\]]+\]"                              # indexing and slicing
    r"|\w\s*(?:\+|-|\*|/|//|%|\*\*)=?\s*[\w(]")   # arithmetic on names
TRIPLE_QUOTES = ('"""', "'''")
MIN_CODE_LINES = 5


def density(text):
    """Share of the code lines that compute inside a function body (0 for fewer than 5 code lines)."""
    code = hits = 0
    def_indent = None        # the indentation of the outermost def whose body we are in
    header_depth = 0         # open brackets of a def header that goes over several lines
    in_string = False
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        quotes = line.count('"""') + line.count("'''")
        if in_string:
            in_string = quotes % 2 == 0
            continue
        in_string = quotes % 2 == 1      # a string opened here, at the start or mid-line (`x = f("""`)
        if line.lstrip("rbfuRBFU").startswith(TRIPLE_QUOTES):    # a docstring or a bare string block
            continue
        code += 1
        if header_depth > 0:             # a parameter line of a def header: its own indentation means nothing
            header_depth += line.count("(") - line.count(")")
            continue
        indent = len(raw) - len(raw.lstrip())
        if def_indent is not None and indent <= def_indent:
            def_indent = None
        if DEF.match(line):
            def_indent = indent if def_indent is None else def_indent
            header_depth = max(0, line.count("(") - line.count(")"))
        elif def_indent is not None and (CONTROL.match(line) or COMPUTE.search(line)):
            hits += 1
    return hits / code if code >= MIN_CODE_LINES else 0.0


def hole_weights(texts, paths, power, pool=None, doc_power=1.0):
    """Per document, the factor its hole-row weight gets: density**power for a Python file (a stub,
    with no bodies, scores 0); every other file the Python files' mean of it, weighted as hole rows
    draw documents (by length**doc_power), so the other languages keep their share of hole rows."""
    python = [i for i, p in enumerate(paths) if p.endswith((".py", ".pyi"))]
    mapper = pool.map if pool is not None else map
    factors = dict(zip(python, (d ** power for d in mapper(density, (texts[i] for i in python)))))
    draw = {i: len(texts[i]) ** doc_power for i in python}
    total = sum(draw.values())
    neutral = sum(factors[i] * draw[i] for i in python) / total if total else 1.0
    return [factors.get(i, neutral) for i in range(len(texts))]
