"""Where a Python file's code starts: after its opening comments, blank lines and module docstring.

Library files open with a licence header, a comment or a module docstring (the seventh PyPI
extension's Python files: a comment in 50 %, an import in 17 %); a short program in the editor, and
every MBPP-Infill task, opens with its imports or its first `def`. Trained on the library files as
they are, v7 learned that the line after `<|endoftext|>` is a comment: above a short program's `def`
it writes `#` where v6 wrote `import re` (bench/README.md §29). Hole rows may draw a Python file with
this head cut off (TrainConfig.head_cut_share, data.py), so that its canvas opens on code; the plain
rows keep whole files, so the NELBO keeps its meaning.
"""
import re

# One item of a file's head: a blank line, a comment line (shebang, coding line, licence), or a
# string statement on its own lines (the module docstring, with its prefix).
HEAD_ITEM = re.compile(r"""
      [ \t]*\n
    | [ \t]*\#[^\n]*(?:\n|\Z)
    | [rRuU]?(?P<q>\"\"\"|''').*?(?P=q)[ \t]*(?:\#[^\n]*)?(?:\n|\Z)
""", re.S | re.X)


def code_start(text):
    """The offset of the first character of `text` after its head, or 0 where the head is all of
    it (a file of comments keeps them: there is no code to open on) or there is none. A UTF-8
    byte-order mark (the corpus keeps it; an editor does not show it) belongs to the head."""
    end = 1 if text.startswith("\ufeff") else 0
    while (m := HEAD_ITEM.match(text, end)) and m.end() > end:
        end = m.end()
    return end if text[end:].strip() else 0
