import ast

from diffuse.data import ExampleMaker
from diffuse.functions import function_units, top_level_functions
from diffuse.tokenizer import EOS_ID

from helpers import CharTokenizer

SOURCE = '''"""A module."""
import os
import re as regex
from collections import Counter, OrderedDict as OD
import numpy as np  # unused below


class Box:
    def method(self):
        return 1


@staticmethod
@other.decorator(1)
def decorated(a,
              b):
    return os.path.join(a, b)


def long_signature(
    first,
    second,
) -> int:
    counts = Counter(first)
    return len(counts) + second


async def fetch(url):
    def inner():
        return regex.sub("a", "b", url)
    return inner()


def tiny(): pass

CONSTANT = 3
'''


def test_cuts_each_top_level_function_with_its_decorators_and_the_imports_it_uses():
    units = top_level_functions(SOURCE, min_chars=20)
    assert [u.split("def ", 1)[1].split("(")[0] for u in units] == ["decorated", "long_signature", "fetch"]
    decorated, long_signature, fetch = units
    assert decorated == ("import os\n\n\n@staticmethod\n@other.decorator(1)\ndef decorated(a,\n"
                         "              b):\n    return os.path.join(a, b)\n")
    # a ")" in column 0 closes the signature, it does not end the function; `Counter` is imported by a
    # from-import that also binds a name the function does not use (the line is taken whole)
    assert long_signature.startswith("from collections import Counter, OrderedDict as OD\n\n\ndef long_signature(\n")
    assert long_signature.endswith("    return len(counts) + second\n")
    # `import re as regex` binds `regex`; the nested function stays inside its parent
    assert fetch.startswith("import re as regex\n\n\nasync def fetch(url):\n    def inner():")
    assert "numpy" not in "".join(units) and "class Box" not in "".join(units) and "CONSTANT" not in "".join(units)
    for unit in units:
        ast.parse(unit)


def test_length_limits():
    assert top_level_functions(SOURCE, min_chars=20, max_chars=60) == []
    assert len(top_level_functions(SOURCE, min_chars=0)) == 4   # tiny() too
    assert top_level_functions("x = 1\n") == []


def test_function_units_pools_every_file():
    assert len(function_units([SOURCE, SOURCE])) == 2 * len(top_level_functions(SOURCE))


def test_hole_rows_from_units_show_a_whole_short_program():
    unit = top_level_functions(SOURCE)[1]
    m = ExampleMaker(["x = 1\n" * 400], CharTokenizer(), max_length=512, seed=0, units=[unit], unit_share=1.0)
    for _ in range(30):
        x0, region, valid = m.infill(512)
        n = sum(valid)
        # the program is shorter than the canvas: it is all there, <|endoftext|> at both ends
        assert x0[0] == EOS_ID and x0[n - 1] == EOS_ID
        # prefix, hole (pads dropped) and suffix give the program back
        assert CharTokenizer().decode(x0[1:n - 1]) == unit
    m.unit_share = 0.0
    x0, _, valid = m.infill(512)
    assert sum(valid) == 512, "without units the long file fills the canvas"
