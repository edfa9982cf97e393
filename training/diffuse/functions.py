"""Top-level Python functions cut out of their files as short standalone programs.

A hole in a small program — a function and the imports it needs, the whole text on the canvas with
<|endoftext|> at both ends — is what the execution benchmarks (MBPP-Infill, HumanEval-Infilling) and a
user's short script look like. Library files rarely do: they are long, so their canvases hardly ever
reach a document's start and end. Hole rows drawn from these units (TrainConfig.unit_share) show the
model that shape; the plain rows, and so the NELBO, keep the whole files.

The cut is by lines, not by `ast` (the whole corpus is cut once, in the training process, before the
loader forks): a function runs from its decorators to the next line that starts in column 0 with
anything but a closing bracket or a comment. A column-0 line inside a triple-quoted string ends it
early; the tests measure how rarely (test_functions.py).
"""
import re

DEF = re.compile(r"^(?:async[ \t]+)?def[ \t]+\w", re.M)
# the first line after a function's header that starts in column 0 and is code (not ")", "]", "}"
# closing a multi-line signature or call, not a comment)
TOP_LEVEL_CODE = re.compile(r"^[^\s#)\]}]", re.M)
WORD = re.compile(r"\w+")
IMPORT = re.compile(r"^(?:import[ \t]+([\w. \t,]+)|from[ \t]+[\w.]+[ \t]+import[ \t]+([\w \t,]+))[ \t]*(?:#.*)?$", re.M)


def imported_names(line_match):
    """The names one single-line import binds: `import a.b as c` -> c, `import a.b` -> a,
    `from x import y, z as w` -> y, w."""
    plain, from_names = line_match.group(1), line_match.group(2)
    names = []
    for item in (plain or from_names).split(","):
        words = item.split()
        if not words:
            continue
        if len(words) == 3 and words[1] == "as":
            names.append(words[2])
        elif len(words) == 1:
            names.append(words[0].split(".")[0] if plain else words[0])
    return names


def top_level_functions(text, min_chars=60, max_chars=1500):
    """Every top-level function of a Python file whose text is min_chars..max_chars long, each with
    the file's top-level single-line imports of the names it uses in front of it."""
    imports = [(m.group(0), imported_names(m)) for m in IMPORT.finditer(text)]
    units = []
    for m in DEF.finditer(text):
        start = m.start()
        while start > 0:   # take the decorators right above the def
            prev = text.rfind("\n", 0, start - 1) + 1
            if not text.startswith("@", prev):
                break
            start = prev
        end_match = TOP_LEVEL_CODE.search(text, text.find("\n", m.start()) + 1 or len(text))
        end = end_match.start() if end_match else len(text)
        body = text[start:end].rstrip() + "\n"
        if not min_chars <= len(body) <= max_chars:
            continue
        words = set(WORD.findall(body)) if imports else ()
        used = [line for line, names in imports if any(n in words for n in names)]
        units.append("\n".join(used) + "\n\n\n" + body if used else body)
    return units


def function_units(python_texts, **limits):
    """The top-level functions of every Python file's text."""
    return [u for text in python_texts for u in top_level_functions(text, **limits)]
